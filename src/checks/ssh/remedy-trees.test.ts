// The SSH remedy on the recorded configuration trees of the sshd differential test (real sshd's `sshd -t`
// and `sshd -T` for each, as a collection of such a node holds them): whatever the tree, every control the
// drop-in claims PASSes when the checks run again on the changed tree, and every gate holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { MemorySnapshotSpec } from '../../collect/memory.js';
import type { PvesecConfig } from '../../config/schema.js';
import type { RecordedCase } from '../../engines/sshd/differential.js';
import type { SshdVersion } from '../../engines/sshd/index.js';
import { accNode, GOOD_HOMES } from '../acc/testing.js';
import { checks as accChecks } from '../acc/index.js';
import { applyOps, findingsOf, planWith, remedyInput, statuses } from '../remedy-sim/testing.js';
import { checks as sshChecks } from './index.js';
import { SSH_DROPIN, sshRemedies } from './remedy.js';
import { COROSYNC_CONF, DPKG_WITH_SUDO } from './testing.js';

const cases: RecordedCase[] = zlib
  .gunzipSync(fs.readFileSync(new URL('../../../test/fixtures/sshd/cases.jsonl.gz', import.meta.url)))
  .toString('utf8').trim().split('\n').map((l) => JSON.parse(l));

/** Every STRIDE-th tree (all of them with PVESEC_ALL_TREES=1): the full run takes a minute; all 582 pass. */
const STRIDE = process.env.PVESEC_ALL_TREES ? 1 : 12;

function nodeOf(c: RecordedCase, v: SshdVersion, cluster: boolean): MemorySnapshotSpec | undefined {
  const a = c.answers[v];
  if (!a.dump || a.test.rc !== 0 || a.dump.rc !== 0) return undefined;
  const files: Record<string, string> = {};
  for (const [p, text] of Object.entries(c.files)) files[p.startsWith('/') ? p : `/etc/ssh/${p}`] = text;
  files['/var/lib/dpkg/status'] = DPKG_WITH_SUDO.replace(/Version: 1:9\.2p1-2\+deb12u7/, `Version: ${a.package}`);
  if (cluster) Object.assign(files, { '/etc/pve/corosync.conf': COROSYNC_CONF, '/etc/hostname': 'pve1\n', '/etc/hosts': '10.0.0.11 pve1\n' });
  return accNode(GOOD_HOMES, { files, commands: { 'sshd -T': a.dump.out, 'sshd -t': { output: a.test.out, exitCode: a.test.rc } } });
}

for (const v of ['9.2', '10.0'] as SshdVersion[]) {
  test(`SSH remedy on the recorded trees (OpenSSH ${v}): what the drop-in claims holds after it`, () => {
    const tally = { trees: 0, withDropin: 0, fixed: 0, manual: 0, reasons: new Map<string, number>() };
    cases.forEach((c, i) => {
      if (i % STRIDE) return;
      const cluster = i % 2 === 1;
      const node = nodeOf(c, v, cluster);
      if (!node) return;
      const config: Partial<PvesecConfig> = { admin_users: ['alice'], admin_sources: ['10.10.0.0/24'], root_login: cluster ? 'peers-only' : 'prohibit-password' };
      tally.trees++;
      const plan = planWith(sshRemedies, remedyInput({ nodes: [node], config }, [...accChecks, ...sshChecks]));
      const ssh = [...plan.manual].filter(([id]) => id.startsWith('SSH'));
      tally.manual += ssh.length;
      for (const [, why] of ssh) {
        const kind = why.replace(/:.*/s, '').slice(0, 60);
        tally.reasons.set(kind, (tally.reasons.get(kind) ?? 0) + 1);
      }
      const d = plan.ops.find((o) => o.kind === 'write-file' && o.path === SSH_DROPIN);
      if (!d) return;
      tally.withDropin++;
      tally.fixed += d.controls.length;
      const after = applyOps(node, plan.ops);
      assert.deepEqual(after.gateFailures, [], `${c.id}: gates`);
      const result = statuses(findingsOf({ nodes: [after.spec], config }, sshChecks));
      for (const id of d.controls) assert.equal(result[id], 'PASS', `${c.id} ${v}: ${id} after the drop-in: ${result[id]}`);
    });
    console.log(`OpenSSH ${v}: ${tally.trees} loadable trees, ${tally.withDropin} with a drop-in fixing ${tally.fixed} control(s), ${tally.manual} left for a human: ${[...tally.reasons].map(([k, n]) => `${n}x ${k}`).join('; ')}`);
    assert.ok(tally.withDropin > tally.trees / 2, 'most trees get a drop-in');
  });
}
