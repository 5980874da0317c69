/**
 * End to end: `pvesec plan` over SSH on a test host (Debian 12 with fail2ban at its stock settings).
 * The plan's files are written and its validators run on the node by hand (what apply will do, minus
 * package installs, which need a network the lab lacks), then a second plan no longer targets them.
 * Test hosts: pl200 (10.77.0.200), client pl209 (10.77.0.209).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Plan } from '../../src/harden/plan-types.js';
import { claimBlock, CLI, downAll, e2eSkipReason, ensureCliBuilt, keys, knownHostsFile, mustExecIn, runInClient, shellQuote, tempDir, upClient, upHost, writeFileIn, type Host } from '../harness/hosts.js';

const skip = e2eSkipReason();

describe('pvesec plan over SSH (e2e)', { skip, timeout: 300_000 }, () => {
  let node: Host;
  let client: Host;
  let knownHosts: string;
  const dir = tempDir('pvesec-e2e-plan-');

  async function plan(out: string, extra: string[] = []): Promise<{ code: number | null; plan: Plan; ms: number; stderr: string }> {
    const r = await runInClient(client, [process.execPath, CLI, 'plan', `ssh://root@${node.ip}`, '--identity', keys.root, '--known-hosts', knownHosts, '--timeout', '15', '--format', 'text', '--out', out, ...extra], { timeoutMs: 60_000 });
    assert.ok(r.code === 0 || r.code === 1, `plan failed (${r.code}): ${r.stderr}\n${r.stdout}`);
    return { code: r.code, plan: JSON.parse(readFileSync(out, 'utf8')) as Plan, ms: r.durationMs, stderr: r.stderr };
  }

  before(async () => {
    await ensureCliBuilt();
    await claimBlock('e2e-plan');
    [node, client] = await Promise.all([upHost('pl200', 200), upClient('pl209', 209)]);
    knownHosts = await knownHostsFile([node]);
  }, { timeout: 240_000 });

  after(() => downAll(), { timeout: 60_000 });

  it('plans the fail2ban jails and the sysctl drop-in, pins the node\'s files, and the node accepts what it planned', { timeout: 180_000 }, async (t) => {
    const first = await plan(join(dir, 'plan1.json'));
    const audit = await runInClient(client, [process.execPath, CLI, 'audit', `ssh://root@${node.ip}`, '--identity', keys.root, '--known-hosts', knownHosts, '--timeout', '15', '--format', 'json'], { timeoutMs: 60_000 });
    t.diagnostic(`plan over SSH: ${Math.round(first.ms)} ms; audit of the same node: ${Math.round(audit.durationMs)} ms`);
    assert.equal(first.code, 1);
    const [p] = first.plan.nodes;
    assert.equal(p.target, `ssh://root@${node.ip}`);
    for (const id of ['BF-02', 'BF-03', 'KRN-01']) assert.ok(p.fixes.includes(id), `${id} in ${p.fixes}`);
    assert.ok(!p.fixes.includes('BF-01'), 'fail2ban already runs');
    // the digests are those of the bytes on the node
    const onNode = await mustExecIn(node, ['sh', '-c', 'cat /etc/fail2ban/jail.conf']);
    assert.equal(p.fileDigests['/etc/fail2ban/jail.conf'], createHash('sha256').update(onNode).digest('hex'));
    assert.equal(p.fileDigests['/etc/fail2ban/jail.d/pvesec.local'], null);

    // what apply will do, by hand: the files, then the validators and loads (no package installs offline)
    const targeted = p.ops.filter((o) => o.controls.some((c) => ['BF-02', 'BF-03', 'KRN-01'].includes(c)));
    for (const op of targeted) if (op.kind === 'write-file') await writeFileIn(node, op.path, op.content, op.mode);
    for (const op of targeted) {
      // kernel.* keys are global, not per network namespace: loading them in a test host would change this
      // machine's kernel, so the sysctl load gets the network keys of the planned file only
      if (op.kind === 'run' && op.argv[0] === 'sysctl') {
        const file = shellQuote(op.argv[2]);
        await mustExecIn(node, ['sh', '-c', `grep '^net\\.' ${file} > /tmp/net.conf && sysctl -q -p /tmp/net.conf`]);
      }
      // fail2ban is not reloaded here (the jails need python3-systemd, which the plan installs and the
      // offline lab cannot): its read-back of the running jails is left to apply
      if (op.kind === 'validate' && !op.argv.join(' ').includes('kernel.') && !op.argv.join(' ').includes('fail2ban-client status')) await mustExecIn(node, op.argv);
    }

    const second = await plan(join(dir, 'plan2.json'), ['--control', 'BF-*,KRN-01']);
    const [q] = second.plan.nodes;
    assert.ok(!q.fixes.includes('BF-02') && !q.fixes.includes('BF-03'), `still planned: ${q.fixes}`);
    // only kernel.dmesg_restrict (global, not settable in a test host) may remain of KRN-01
    const krn = q.ops.find((o) => o.kind === 'write-file' && o.path === '/etc/sysctl.d/90-pvesec.conf');
    if (krn?.kind === 'write-file') assert.deepEqual(krn.content.split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('kernel.')), [
      ...p.ops.filter((o) => o.kind === 'write-file' && o.path === '/etc/sysctl.d/90-pvesec.conf').flatMap((o) => (o.kind === 'write-file' ? o.content.split('\n').filter((l) => l.startsWith('net.')) : [])),
    ], 'an earlier pvesec drop-in keeps its keys');
    assert.ok(!q.ops.some((o) => o.kind === 'validate' && o.argv.join(' ').includes('net.')), 'no network key to read back any more');
  });
});
