/**
 * The order apply talks to a node in, and what it concludes, with the node's answers scripted: what
 * a real node answers is covered by test/e2e/apply.test.ts; here the branches that are hard to
 * provoke there (a confirmation that loses the race with the timer, a connection that drops in the
 * middle of a step, a revert that fails, the stop after the first node that rolls back).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPlan, type ApplyDeps, type TxRuntime } from './apply.js';
import { ExecError, type RemoteSession, type ScriptResult } from './remote.js';
import { PLAN_SCHEMA, type NodePlan, type Plan, type PlannedOp } from './plan-types.js';
import type { NodeAudit } from './apply-audit.js';
import { Snapshot } from '../collect/snapshot.js';

const op = (phase: PlannedOp['phase'], id: string): PlannedOp =>
  ({ id, phase, kind: 'run', argv: ['true'], controls: ['SSH-02'], cutsAccess: phase === 'restrict', summary: id }) as PlannedOp;

const nodePlan = (node: string): NodePlan => ({
  node, target: `ssh://root@${node}`, ops: [op('admin', 'admin-op'), op('restrict', 'sshd-op')], fileDigests: {}, fixes: ['SSH-02'], manual: [],
});

type Answer = Partial<ScriptResult> | 'drop';

/** A node whose answer to each script (by name) is scripted; it records what it was asked, in order. */
function scenario(answers: Record<string, Answer[]>, verifyOk: Record<string, boolean> = {}) {
  const log: string[] = [];
  let clock = 0;
  const tx: TxRuntime = {
    newTxId: () => 'T1',
    beginScript: () => 'begin',
    stepScript: (_id, ops) => `step ${ops.map((o) => o.id).join(',')}`,
    confirmScript: () => 'confirm',
    revertScript: (_id, reason) => `revert ${reason}`,
    statusScript: () => 'status',
    progressLines: (stdout) => stdout.split('\n').filter(Boolean),
    failureReason: (stdout) => (stdout.startsWith('failed ') ? stdout.slice(7).trim() : undefined),
    parseStatus: (stdout) => JSON.parse(stdout),
  };
  const session = (node: string): RemoteSession => ({
    runScript: async (script: string) => {
      const name = script.split(' ')[0];
      log.push(`${node}: ${script}`);
      clock += 100;
      const a = (answers[name] ?? []).shift() ?? {};
      if (a === 'drop') throw new ExecError('closed', 'connection closed');
      return { code: 0, stdout: '', stderr: '', ...a };
    },
    close: () => undefined,
    destroy: () => log.push(`${node}: connection dropped`),
  }) as unknown as RemoteSession;
  const verify = (name: string) => async () => {
    log.push(`verify ${name}`);
    return { name, ok: verifyOk[name] ?? true, detail: verifyOk[name] === false ? `${name} failed` : 'ok' };
  };
  const deps: ApplyDeps = {
    tx,
    open: async (t) => session(t.host),
    audit: async (target): Promise<NodeAudit> => {
      log.push(`audit ${target}`);
      return { node: target.slice(13), snapshot: new Snapshot({ kind: 'ssh', target }), findings: [], statuses: new Map([['SSH-02', log.filter((l) => l.startsWith('audit')).length > 1 ? 'PASS' : 'FAIL']]) };
    },
    verifyAdmin: verify('admin'),
    verifyPasswords: verify('passwords'),
    verifyTcp: verify('tcp'),
    verifyPeer: verify('peer'),
    progress: (line) => log.push(`> ${line}`),
    now: () => clock,
    sleep: async (ms) => void (clock += ms),
  };
  const plan = (...nodes: string[]): Plan => ({ schema: PLAN_SCHEMA, createdAt: '', pvesecVersion: '', configDigest: '', nodes: nodes.map(nodePlan) });
  return { deps, log, plan, settings: { confirmTimeoutSec: 5, admins: ['alice'], origin: 'test', reconnectMs: 10_000 } };
}

test('success: arm, admin phase, admin proof, restrict phase, verify over new connections, re-audit, confirm', async () => {
  const s = scenario({ step: [{ stdout: 'created user alice\n' }, { stdout: 'reloaded ssh\n' }] });
  const r = await applyPlan(s.plan('pve1'), s.settings, s.deps);
  assert.equal(r.exitCode, 0);
  assert.deepEqual(s.log.filter((l) => !l.startsWith('> ')), [
    'audit ssh://root@pve1', 'verify tcp',
    'pve1: begin', 'pve1: step admin-op', 'verify admin', 'pve1: step sshd-op',
    'verify admin', 'verify passwords', 'verify tcp', 'audit ssh://root@pve1', 'pve1: confirm',
  ]);
  assert.ok(s.log.includes('> pve1: SSH-02 FAIL -> PASS'), s.log.join('\n'));
});

test('a failed verification reverts now over the live connection and stops before the next node', async () => {
  const s = scenario({}, { passwords: false });
  const r = await applyPlan(s.plan('pve1', 'pve2'), s.settings, s.deps);
  assert.equal(r.exitCode, 1);
  assert.ok(s.log.includes('pve1: revert verification failed: passwords: passwords failed'), s.log.join('\n'));
  assert.ok(!s.log.some((l) => l.startsWith('pve2:') || l === 'audit ssh://root@pve2'), 'pve2 untouched');
  assert.ok(s.log.includes('> stopped: not applied to pve2'));
  assert.deepEqual(r.outcomes[0], { node: 'pve1', status: 'rolled-back', txId: 'T1', reason: 'verification failed: passwords: passwords failed', deadMan: false });
});

test('a step the node reverted itself (exit 4) is reported with its reason, without a second revert', async () => {
  const s = scenario({ step: [{}, { code: 4, stdout: 'failed validate:sshd sshd -t exited 255\n' }] });
  const r = await applyPlan(s.plan('pve1'), s.settings, s.deps);
  assert.equal(r.exitCode, 1);
  assert.equal(r.outcomes[0].status === 'rolled-back' && r.outcomes[0].reason, 'restrict: validate:sshd sshd -t exited 255');
  assert.ok(!s.log.some((l) => l.includes(': revert ')));
});

test('the connection drops in a step: wait out the deadline, reconnect, the node reverted every file', async () => {
  const status = JSON.stringify({ state: 'reverted', files: [{ path: '/etc/ssh/sshd_config.d/00-pvesec.conf', is: 'pre' }] });
  const s = scenario({ step: [{}, 'drop'], status: [{ stdout: status }] });
  const r = await applyPlan(s.plan('pve1'), s.settings, s.deps);
  assert.equal(r.exitCode, 1);
  assert.deepEqual(r.outcomes[0], { node: 'pve1', status: 'rolled-back', txId: 'T1', reason: 'connection lost (connection closed) (1 file(s) back to their previous content)', deadMan: true });
  assert.ok(s.log.indexOf('pve1: connection dropped') < s.log.indexOf('pve1: status'));
});

test('the timer wins the race with the confirmation: reported as a dead-man revert once the node says so', async () => {
  const status = JSON.stringify({ state: 'reverted', files: [] });
  const s = scenario({ confirm: [{ code: 3, stdout: 'failed transaction T1 is reverted\n' }], status: [{ stdout: status }] });
  const r = await applyPlan(s.plan('pve1'), s.settings, s.deps);
  assert.equal(r.exitCode, 1);
  assert.equal(r.outcomes[0].status === 'rolled-back' && r.outcomes[0].deadMan, true);
});

test('a node that did not come back (a file neither pre nor post, or revert-failed) is an error, exit 2', async () => {
  const status = JSON.stringify({ state: 'revert-failed', files: [{ path: '/etc/x', is: 'other' }] });
  const s = scenario({ step: ['drop'], status: [{ stdout: status }] });
  const r = await applyPlan(s.plan('pve1'), s.settings, s.deps);
  assert.equal(r.exitCode, 2);
  assert.match(r.outcomes[0].status === 'error' ? r.outcomes[0].reason : '', /did not come back to its previous state: revert-failed, \/etc\/x is other/);
});

test('a node changed since the plan is refused before anything is armed', async () => {
  const s = scenario({});
  const plan = s.plan('pve1');
  plan.nodes[0].fileDigests = { '/etc/ssh/sshd_config': 'ab'.repeat(32) };
  const r = await applyPlan(plan, s.settings, s.deps);
  assert.equal(r.exitCode, 2);
  assert.deepEqual(r.outcomes[0], { node: 'pve1', status: 'refused', reason: 'node changed since the plan: re-plan (/etc/ssh/sshd_config: removed since the plan)' });
  assert.ok(!s.log.some((l) => l.startsWith('pve1:')));
});

test('pvesec failing on its own after arming (a step it cannot even write) reverts the node now; exit 2', async () => {
  const s = scenario({});
  s.deps.tx.stepScript = () => {
    throw new Error('operation id "write:/etc/x y" refused');
  };
  const r = await applyPlan(s.plan('pve1'), s.settings, s.deps);
  assert.equal(r.exitCode, 2);
  assert.deepEqual(r.outcomes[0], { node: 'pve1', status: 'error', txId: 'T1', reason: 'operation id "write:/etc/x y" refused (rolled back)' });
  assert.ok(s.log.includes('pve1: revert pvesec error: operation id "write:/etc/x y" refused'), s.log.join('\n'));
});

test('a step that failed with the node already reverting it (exit 2): the revert is refused, the status says reverted, no wait', async () => {
  const status = JSON.stringify({ state: 'reverted', files: [{ path: '/etc/x', is: 'pre' }] });
  const s = scenario({ step: [{ code: 2, stdout: 'failed journal write failed for /etc/x\n' }], revert: [{ code: 3 }], status: [{ stdout: status }] });
  const r = await applyPlan(s.plan('pve1'), s.settings, s.deps);
  assert.equal(r.exitCode, 1);
  assert.deepEqual(r.outcomes[0], { node: 'pve1', status: 'rolled-back', txId: 'T1', reason: 'admin: exit 2: journal write failed for /etc/x', deadMan: false });
  assert.ok(!s.log.some((l) => l.includes('waiting for the node')), s.log.join('\n'));
});

/** A plan that loads a firewall ruleset (issue 10): the gate and the firewall verifications run. */
function firewallPlan(s: ReturnType<typeof scenario>): Plan {
  const plan = s.plan('pve1');
  plan.nodes[0].ops = [op('admin', 'admin-op'), { id: 'load:/etc/iptables/rules.v4', phase: 'restrict', kind: 'load-ruleset', family: 4, path: '/etc/iptables/rules.v4', controls: ['FW-04'], cutsAccess: true, summary: 'load' } as PlannedOp];
  return plan;
}

test('firewall plan: gated again before arming; a refusal arms nothing', async () => {
  const s = scenario({});
  s.deps.gateFirewall = () => 'firewall change refused: the change would lock out pvesec itself (10.0.0.9) on tcp/22 (10.0.0.9/32)';
  const r = await applyPlan(firewallPlan(s), s.settings, s.deps);
  assert.equal(r.exitCode, 2);
  assert.deepEqual(r.outcomes[0], { node: 'pve1', status: 'refused', reason: 'firewall change refused: the change would lock out pvesec itself (10.0.0.9) on tcp/22 (10.0.0.9/32)' });
  assert.ok(!s.log.some((l) => l.startsWith('pve1:')), s.log.join('\n'));
});

test('firewall plan: a new connection to sshd, each --probe-from refused on sshd and 8006, then the live ruleset; a still-open probe reverts', async () => {
  const s = scenario({});
  const probes: string[] = [];
  s.deps.gateFirewall = () => undefined;
  s.deps.verifyRefused = async (probe, host, port) => {
    probes.push(`${probe.host} -> ${host}:${port}`);
    return { name: `tcp ${port} refused from ${probe.host}`, ok: port !== 8006, detail: port === 8006 ? `${probe.host} still connects to ${host}:8006` : 'refused' };
  };
  let live = 0;
  s.deps.verifyFirewall = () => ({ name: 'live ruleset', ok: ++live > 0, detail: 'same' });
  const settings = { ...s.settings, probeFrom: [{ host: '10.0.0.50', port: 22, user: 'root', input: 'ssh://root@10.0.0.50' }] };
  const r = await applyPlan(firewallPlan(s), settings, s.deps);
  assert.equal(r.exitCode, 1);
  assert.deepEqual(probes, ['10.0.0.50 -> pve1:22', '10.0.0.50 -> pve1:8006']);
  assert.equal(r.outcomes[0].status === 'rolled-back' && r.outcomes[0].reason, 'verification failed: tcp 8006 refused from 10.0.0.50: 10.0.0.50 still connects to pve1:8006');
  assert.equal(live, 0, 'the live ruleset is compared after the connection checks');
  // the same with the probe refused everywhere, but the live ruleset not what the plan simulated
  const t = scenario({});
  t.deps.verifyFirewall = () => ({ name: 'live ruleset', ok: false, detail: 'the re-collected ruleset differs from the plan' });
  const r2 = await applyPlan(firewallPlan(t), t.settings, t.deps);
  assert.equal(r2.outcomes[0].status === 'rolled-back' && r2.outcomes[0].reason, 'verification failed: live ruleset: the re-collected ruleset differs from the plan');
  assert.equal(t.log.filter((l) => l === 'verify tcp').length, 3, 'tcp 8006 before, then 8006 and sshd after');
});

test('the verifications over new connections and the re-audit run at the same time, each admin proof too; a failure is still named in order', async () => {
  const s = scenario({});
  let inFlight = 0;
  let most = 0;
  /** Wraps a dependency so it counts how many of them are in flight at once. */
  const counted = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((r) => setImmediate(r));
    try {
      return await f(...a);
    } finally {
      inFlight--;
    }
  };
  const audit = s.deps.audit;
  let audits = 0;
  s.deps.audit = (t, c) => (++audits === 1 ? audit(t, c) : counted(audit)(t, c));
  s.deps.verifyAdmin = counted(s.deps.verifyAdmin);
  s.deps.verifyPasswords = counted(s.deps.verifyPasswords);
  const settings = { ...s.settings, admins: ['alice', 'bob'] };
  const r = await applyPlan(s.plan('pve1'), settings, s.deps);
  assert.equal(r.exitCode, 0, s.log.join('\n'));
  // after the change: alice, bob, the password probe and the re-audit at once (the admin proof before: alice and bob)
  assert.equal(most, 4);

  const t = scenario({}, { admin: false, passwords: false });
  const r2 = await applyPlan(t.plan('pve1'), { ...t.settings, admins: ['alice'] }, t.deps);
  assert.equal(r2.outcomes[0].status === 'rolled-back' && r2.outcomes[0].reason, 'admin path not proven: admin failed');
});

test('restrict and activate go to the node in one step script; a failure is named by the phase of the failed operation', async () => {
  const s = scenario({});
  const plan = s.plan('pve1');
  // listed out of phase order, as a plan file may: run phase by phase all the same
  plan.nodes[0].ops = [op('admin', 'admin-op'), op('activate', 'reload-op'), op('packages', 'pkg-op'), op('restrict', 'sshd-op'), op('restrict', 'f2b-op')];
  assert.equal((await applyPlan(plan, s.settings, s.deps)).exitCode, 0);
  assert.deepEqual(s.log.filter((l) => l.startsWith('pve1: step')), ['pve1: step pkg-op', 'pve1: step admin-op', 'pve1: step sshd-op,f2b-op,reload-op']);

  const t = scenario({ step: [{}, {}, { code: 4, stdout: 'failed reload-op reload ssh exited 1\n' }] });
  const r = await applyPlan(plan, t.settings, t.deps);
  assert.equal(r.outcomes[0].status === 'rolled-back' && r.outcomes[0].reason, 'activate: reload-op reload ssh exited 1');
  const u = scenario({ step: [{}, {}, { code: 2, stdout: 'failed journal write failed for /etc/x\n' }] });
  const r2 = await applyPlan(plan, u.settings, u.deps);
  assert.match(r2.outcomes[0].status === 'rolled-back' ? r2.outcomes[0].reason : '', /^restrict\+activate: exit 2: journal write failed/);
});

test('the re-audit, started right after the reload beside the logins, is tried again while sshd refuses connections', async () => {
  const s = scenario({});
  const audit = s.deps.audit;
  let calls = 0;
  s.deps.audit = async (t, c) => {
    if (++calls === 2) throw new Error('ssh://root@pve1: connection refused (is sshd running and the port open?)');
    return audit(t, c);
  };
  const r = await applyPlan(s.plan('pve1'), s.settings, s.deps);
  assert.equal(r.exitCode, 0, s.log.join('\n'));
  assert.equal(calls, 3);
  // an error that is not about reaching the node is not tried again
  const t = scenario({});
  let tcalls = 0;
  t.deps.audit = async (tg, c) => {
    if (++tcalls === 2) throw new Error('ssh://root@pve1: host key mismatch');
    return audit(tg, c);
  };
  const r2 = await applyPlan(t.plan('pve1'), t.settings, t.deps);
  assert.equal(r2.outcomes[0].status === 'rolled-back' && r2.outcomes[0].reason, 're-audit failed: ssh://root@pve1: host key mismatch');
  assert.equal(tcalls, 2);
});
