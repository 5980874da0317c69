import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAudit } from '../src/commands/audit.js';
import type { CommandIO } from '../src/commands/io.js';

// The bundled examples are the project's promise to a new user: the fresh install fails the obvious
// controls, the hardened cluster (with its pvesec.yaml) fails none. Judged at a fixed time, and a year
// later, so that certificate and backup ages cannot silently turn the examples red.
interface JsonFinding { id: string; status: string; node?: string }

async function auditJson(targets: string[], extra: Record<string, string>, now: Date): Promise<{ code: number; findings: JsonFinding[] }> {
  let out = '';
  const io: CommandIO = { out: async (t) => void (out += t), err: () => {}, stdoutIsTTY: false, env: {} };
  const code = await runAudit(targets, { format: 'json', ...extra }, io, { now });
  return { code, findings: (JSON.parse(out) as { findings: JsonFinding[] }).findings };
}

const statusOf = (findings: JsonFinding[], id: string) => [...new Set(findings.filter((f) => f.id === id).map((f) => f.status))];

for (const now of [new Date('2026-11-25T12:00:00Z'), new Date('2027-11-25T12:00:00Z')]) {
  test(`fresh-install fails the obvious controls (${now.toISOString().slice(0, 10)})`, async () => {
    const { code, findings } = await auditJson(['examples/fresh-install'], {}, now);
    assert.equal(code, 1);
    for (const id of ['SSH-01', 'SSH-02', 'FW-01', 'PVE-01', 'BF-01', 'UPD-01', 'TLS-01']) assert.deepEqual(statusOf(findings, id), ['FAIL'], id);
    // Debian 13's journald.conf leaves Storage=auto and its systemd package creates /var/log/journal on install
    assert.deepEqual(statusOf(findings, 'AUD-05'), ['PASS'], 'AUD-05');
  });

  test(`hardened-cluster with its pvesec.yaml has no FAIL, only the deliberate WARNs (${now.toISOString().slice(0, 10)})`, async () => {
    const { code, findings } = await auditJson(['examples/hardened-cluster'], { config: 'examples/hardened-cluster/pvesec.yaml' }, now);
    assert.deepEqual(findings.filter((f) => f.status === 'FAIL').map((f) => `${f.id} ${f.node ?? ''}`), []);
    assert.deepEqual([...new Set(findings.filter((f) => f.status === 'WARN').map((f) => f.id))].sort(), ['ACC-04', 'SSH-07']);
    assert.equal(new Set(findings.map((f) => f.node).filter(Boolean)).size, 3);
    assert.deepEqual(statusOf(findings, 'AUD-05'), ['PASS'], 'AUD-05 on every node');
    assert.equal(code, 0);
  });
}
