/**
 * apply's firewall gate for pve-mode plans (issue 10): the plan's host.fw and cluster.fw against the node as
 * collected again at apply time, on the real engine (Proxmox files compiled and simulated, exact exposure).
 * A plan made from the bastion is refused when the node, or where pvesec runs, changed so that the planned
 * files would now lock someone out — before anything is armed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { memorySnapshot, type MemorySnapshotSpec } from '../collect/memory.js';
import type { Snapshot } from '../collect/snapshot.js';
import { groupClusters } from '../audit/run.js';
import { DEFAULT_CONFIG, type PvesecConfig } from '../config/schema.js';
import { FactContext } from '../model/fact.js';
import { planPveFirewall } from '../checks/fw/remedy-pve.js';
import { corosyncConf, pveNodeWith, SSHD_T_2200 } from '../checks/fw/testing.js';
import { STATES_PVEFW } from '../../test/fixtures/netfilter/helpers.js';
import { clusterPeersInPlan, gatePlanNow, gatesFirewall, plannedChange, unitStatesAfter, verifyLiveRuleset } from './fw-gate.js';
import { applyPlan, type ApplyDeps } from './apply.js';
import { PLAN_SCHEMA, type NodePlan, type PlannedOp } from './plan-types.js';
import type { Collector, NodeAudit } from './apply-audit.js';
import { runApply } from '../commands/apply.js';
import { recordingIO } from '../commands/testing.js';
import { TEST_NOW } from './plan-testing.js';

const CLUSTER_FW = '/etc/pve/firewall/cluster.fw';
const FW_OFF = '[OPTIONS]\n\nenable: 0\n\n[RULES]\n\nIN ACCEPT -source 10.10.0.50 -p tcp -dport 8007 # pbs\n';
const SSHD_T_22 = 'port 22\naddressfamily any\nlistenaddress [::]:22\nlistenaddress 0.0.0.0:22\npermitrootlogin prohibit-password\npasswordauthentication no\n';
const IP_ADDR = (ip: string) => `1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
2: vmbr0    inet ${ip}/24 brd 10.10.0.255 scope global vmbr0\\       valid_lft forever preferred_lft forever
`;
/** The bastion pvesec runs from (an admin source outside the node's LAN). */
const BASTION = '192.0.2.10';
const config: PvesecConfig = { ...DEFAULT_CONFIG, admin_sources: [`${BASTION}/32`, '10.10.0.0/28'] };
const RING = { pve1: '10.10.0.11', pve2: '10.10.0.12' };

interface NodeOpts { name?: 'pve1' | 'pve2'; clusterFw?: string; hostFw?: string; sshdT?: string; cluster?: boolean; from?: string; target?: string; states?: string }

/** A PVE node as collected over SSH from `from` (its $SSH_CONNECTION): pve-firewall running, the given .fw files. */
function collected(o: NodeOpts = {}): Snapshot {
  const name = o.name ?? 'pve1';
  const files: Record<string, string> = { '/etc/hostname': `${name}\n`, '/etc/hosts': `127.0.0.1 localhost\n${RING[name]} ${name}.example.com ${name}\n` };
  if (o.cluster) {
    files['/etc/pve/corosync.conf'] = corosyncConf(RING);
    files['/etc/pve/.members'] = `{"nodename": "${name}", "version": 7, "cluster": { "name": "prod", "version": 3, "nodes": 2, "quorate": 1 }}\n`;
  }
  const spec: MemorySnapshotSpec = pveNodeWith({ name, clusterFw: o.clusterFw ?? FW_OFF, hostFw: o.hostFw, states: o.states ?? STATES_PVEFW }, files,
    { 'sshd -T': o.sshdT ?? SSHD_T_22, 'ip -o addr show': IP_ADDR(RING[name]) });
  return memorySnapshot({ ...spec, target: o.target ?? `ssh://root@${RING[name]}`, dirs: { ...spec.dirs, [`/etc/pve/nodes/${name}`]: {} },
    meta: { ...spec.meta, sshConnection: `${o.from ?? BASTION} 51234 ${RING[name]} 22` } });
}

/** `pvesec plan` of the collected nodes: the pve-mode FW remedy's operations of each, as a NodePlan. */
function planOf(snapshots: Snapshot[], name = 'pve1'): NodePlan {
  const [cluster] = groupClusters(snapshots);
  const node = cluster.nodes.find((n) => n.name === name)!;
  const ops: PlannedOp[] = planPveFirewall({ ctx: new FactContext(node, cluster, config, TEST_NOW), config, findings: [] });
  return { node: name, target: node.snapshot.origin.target, ops, fileDigests: {}, fixes: ['FW-01', 'FW-02', 'FW-03'], manual: [] };
}

const writes = (plan: NodePlan) => plan.ops.flatMap((o) => (o.kind === 'write-file' ? [o.path] : []));

test('a pve-mode plan is gated at apply: its planned host.fw and cluster.fw are the change (no ruleset load needed)', () => {
  const plan = planOf([collected()]);
  assert.deepEqual(writes(plan), ['/etc/pve/nodes/pve1/host.fw', CLUSTER_FW]);
  assert.equal(gatesFirewall(plan), true);
  const change = plannedChange(plan);
  assert.deepEqual([...change.files!.keys()], ['/etc/pve/nodes/pve1/host.fw']);
  assert.deepEqual([...change.clusterFiles!.keys()], [CLUSTER_FW]);
  assert.equal(change.commands, undefined);
  // the node as planned, collected again from the bastion: nobody loses access
  assert.equal(gatePlanNow(plan, collected(), config), undefined);
});

test('planned from the bastion, applied from a non-admin address outside the LAN: refused, pvesec itself would lose SSH (never forced)', () => {
  const plan = planOf([collected()]);
  const fromElsewhere = collected({ from: '203.0.113.7' });
  const reason = gatePlanNow(plan, fromElsewhere, config);
  assert.match(reason ?? '', /^firewall change refused: the change would lock out pvesec itself \(203\.0\.113\.7\) on tcp\/22 \(203\.0\.113\.7\/32\)$/);
  assert.equal(gatePlanNow(plan, fromElsewhere, config, { force: true }), reason);
  // from inside local_network the automatic management rules keep SSH: accepted
  assert.equal(gatePlanNow(plan, collected({ from: '10.10.0.200' }), config), undefined);
});

test('the plan writes only host.fw; the management ipset in cluster.fw was changed since: the planned host.fw under it locks pvesec out, refused', () => {
  // cluster.fw already as the plan wants it (what a first plan writes); host.fw switches the firewall off on this node
  const desired = planOf([collected()]).ops.find((o) => o.kind === 'write-file' && o.path === CLUSTER_FW);
  assert.ok(desired?.kind === 'write-file');
  const off = '[OPTIONS]\n\nenable: 0\n';
  const plan = planOf([collected({ clusterFw: desired.content, hostFw: off })]);
  assert.deepEqual(writes(plan), ['/etc/pve/nodes/pve1/host.fw']);
  assert.equal(gatePlanNow(plan, collected({ clusterFw: desired.content, hostFw: off }), config), undefined);
  // someone "fixed" the ipset on the node: .11 instead of the bastion's .10
  const typo = desired.content.replace(`${BASTION}/32 # pvesec admin source`, '192.0.2.11/32 # corrected');
  assert.notEqual(typo, desired.content);
  const reason = gatePlanNow(plan, collected({ clusterFw: typo, hostFw: off }), config);
  assert.equal(reason, 'firewall change refused: the change would lock out pvesec itself (192.0.2.10) on tcp/22 (192.0.2.10/32); admin on tcp/22 (192.0.2.10/32); admin on tcp/8006 (192.0.2.10/32)');
});

test('host.fw is written before cluster.fw: a cluster.fw turned on since the plan makes the state in between lock pvesec out, refused', () => {
  const plan = planOf([collected({ hostFw: '[OPTIONS]\n\nenable: 0\n' })]);
  assert.deepEqual(writes(plan), ['/etc/pve/nodes/pve1/host.fw', CLUSTER_FW]);
  // now: the datacenter firewall on with policy DROP and no [IPSET management] (only local_network gets SSH);
  // the final state (the plan's cluster.fw, with the bastion in the ipset) would be fine
  const now = collected({ clusterFw: '[OPTIONS]\n\nenable: 1\npolicy_in: DROP\n', hostFw: '[OPTIONS]\n\nenable: 0\n' });
  const reason = gatePlanNow(plan, now, config);
  assert.match(reason ?? '', /^firewall change refused: in between \(host\.fw is written before cluster\.fw, and the new host\.fw under the current cluster\.fw refuses them\) the change would lock out .*pvesec itself \(192\.0\.2\.10\) on tcp\/22/);
});

test('the node that writes cluster.fw is gated on the other cluster members collected again: a member whose sshd moved to 2200 since is refused', () => {
  const at = (name: 'pve1' | 'pve2', sshdT = SSHD_T_22) => collected({ name, cluster: true, sshdT });
  const plan = planOf([at('pve1'), at('pve2')]);
  assert.ok(writes(plan).includes(CLUSTER_FW), 'pve1 (the representative) writes cluster.fw');
  const other: NodePlan = { ...planOf([at('pve1'), at('pve2')], 'pve2') };
  assert.deepEqual(clusterPeersInPlan([other, plan], plan, at('pve1')).map((n) => n.node), ['pve2']);
  assert.equal(gatePlanNow(plan, at('pve1'), config, { peers: [at('pve2')] }), undefined);
  // pve2's sshd listens on 2200 now: the datacenter policy DROP would cut the admins there (the builtin rules accept 22 only)
  const reason = gatePlanNow(plan, at('pve1'), config, { peers: [at('pve2', SSHD_T_2200)] });
  assert.equal(reason, 'firewall change refused: the change would lock out pve2: admin on tcp/2200 (10.10.0.0/28, 192.0.2.10/32); pve2: peer pve1 ring0 on tcp/2200 (10.10.0.11/32)');
});

test('apply: a pve-mode plan refused by the gate on the fresh collection is never armed (no transaction begun, nothing written)', async () => {
  const plan = planOf([collected()]);
  const log: string[] = [];
  const fresh = collected({ from: '203.0.113.7' });
  const deps: ApplyDeps = {
    tx: {
      newTxId: () => 'T1', beginScript: () => 'begin', stepScript: () => 'step', confirmScript: () => 'confirm', revertScript: () => 'revert', statusScript: () => 'status',
      progressLines: () => [], failureReason: () => undefined, parseStatus: () => ({ state: 'armed', files: [] }),
    },
    open: async () => {
      log.push('open');
      return { runScript: async (script: string) => (log.push(script), { code: 0, stdout: '', stderr: '' }), close: () => undefined, destroy: () => undefined } as never;
    },
    audit: async (target): Promise<NodeAudit> => (log.push(`audit ${target}`), { node: 'pve1', snapshot: fresh, findings: [], statuses: new Map() }),
    verifyAdmin: async () => ({ name: 'admin', ok: true, detail: 'ok' }),
    verifyPasswords: async () => ({ name: 'passwords', ok: true, detail: 'ok' }),
    verifyTcp: async () => ({ name: 'tcp', ok: true, detail: 'ok' }),
    verifyPeer: async () => ({ name: 'peer', ok: true, detail: 'ok' }),
    gateFirewall: (node, before) => gatePlanNow(node, before.snapshot, config),
    progress: (line) => log.push(`> ${line}`),
    now: () => 0,
    sleep: async () => undefined,
  };
  const r = await applyPlan({ schema: PLAN_SCHEMA, createdAt: '', pvesecVersion: '', configDigest: '', nodes: [plan] }, { confirmTimeoutSec: 5, admins: [], origin: 'test' }, deps);
  assert.equal(r.exitCode, 2);
  assert.deepEqual(r.outcomes.map((o) => o.status), ['refused']);
  assert.match(r.outcomes[0].status === 'refused' ? r.outcomes[0].reason : '', /pvesec itself \(203\.0\.113\.7\)/);
  assert.deepEqual(log.filter((l) => !l.startsWith('> ')), ['audit ssh://root@10.10.0.11'], 'no session opened, no transaction begun');
});

test('pvesec apply plan.json: the node that writes cluster.fw is refused when a cluster member it collects again now loses SSH; an uncollectable member refuses too', async () => {
  // targets on the loopback, port 1 (closed): apply's own connections (the portal probe, the transaction's session) go nowhere else
  const at = (name: 'pve1' | 'pve2', sshdT = SSHD_T_22) => collected({ name, cluster: true, sshdT, target: `ssh://root@127.0.0.${name === 'pve1' ? 11 : 12}:1` });
  const pve1 = planOf([at('pve1'), at('pve2')]);
  const pve2 = planOf([at('pve1'), at('pve2')], 'pve2');
  // pve2's own plan was applied already (nothing left to do); pve1, the representative, writes cluster.fw last
  const plan = { schema: PLAN_SCHEMA, createdAt: TEST_NOW.toISOString(), pvesecVersion: 'test', configDigest: '0'.repeat(64), nodes: [{ ...pve2, ops: [] }, pve1] };
  const dir = mkdtempSync(join(tmpdir(), 'pvesec-fw-gate-pve-'));
  try {
    const file = join(dir, 'plan.json');
    writeFileSync(file, JSON.stringify(plan));
    const cfg = join(dir, 'pvesec.yaml');
    writeFileSync(cfg, `admin_sources: ['${BASTION}/32', '10.10.0.0/28']\n`);
    const run = async (nodes: Record<string, Snapshot | undefined>) => {
      const asked: string[] = [];
      const collect: Collector = async (targets) => targets.map((target) => {
        asked.push(target);
        const snapshot = Object.values(nodes).find((s) => s?.origin.target === target);
        return snapshot ? { target, snapshot } : { target, error: `${target}: connection refused` };
      });
      const io = recordingIO();
      const code = await runApply([file], { yes: true, config: cfg }, io, { collect, tx: undefined });
      return { code, asked, out: io.stdout };
    };
    const ok = await run({ pve1: at('pve1'), pve2: at('pve2') });
    // not refused by the gate: it goes on to open the transaction's session (which fails here: port 1 is closed), and pve2 was collected for the gate
    assert.doesNotMatch(ok.out, /: refused: /);
    assert.match(ok.out, /^pve1: error: /m);
    assert.deepEqual(ok.asked.slice(0, 2).sort(), ['ssh://root@127.0.0.11:1', 'ssh://root@127.0.0.12:1']);
    const moved = await run({ pve1: at('pve1'), pve2: at('pve2', SSHD_T_2200) });
    assert.equal(moved.code, 2);
    assert.match(moved.out, /^pve1: refused: firewall change refused: the change would lock out pve2: admin on tcp\/2200 \(10\.10\.0\.0\/28, 192\.0\.2\.10\/32\)/m);
    const gone = await run({ pve1: at('pve1'), pve2: undefined });
    assert.equal(gone.code, 2);
    assert.match(gone.out, /^pve1: refused: cluster\.fw reaches pve2, which cannot be collected to gate the change there: ssh:\/\/root@127\.0\.0\.12:1: connection refused$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- after activation: the live pve-firewall

/** The node as collected again after the plan's writes and pve-firewall's restart (the plan's files, `states`). */
function afterPlan(plan: NodePlan, o: NodeOpts = {}): Snapshot {
  const written = (path: string) => plan.ops.flatMap((op) => (op.kind === 'write-file' && op.path === path ? [op.content] : []))[0];
  return collected({ clusterFw: written(CLUSTER_FW), hostFw: written('/etc/pve/nodes/pve1/host.fw'), ...o });
}

const STATES_STOPPED = STATES_PVEFW.replace('pve-firewall active enabled', 'pve-firewall inactive disabled');

test('live pve-firewall: the .fw files as the node reads them after the restart, pve-firewall running and enabled: the exposure the plan simulated', () => {
  const plan = planOf([collected()]);
  const v = verifyLiveRuleset(plan, collected(), afterPlan(plan), config);
  assert.deepEqual(v, { name: 'live pve-firewall', ok: true, detail: 'pve-firewall running and enabled; cluster.fw and host.fw as pve1 reads them now accept exactly the sources the plan simulated, on every service' });
});

test('live pve-firewall: a cluster.fw that is not what was written (an extra management entry) rolls back, naming the services', () => {
  const plan = planOf([collected()]);
  const drifted = afterPlan(plan);
  const cluster = drifted.text(CLUSTER_FW)!.replace(`${BASTION}/32 # pvesec admin source`, `${BASTION}/32 # pvesec admin source\n198.51.100.0/24 # someone else`);
  const v = verifyLiveRuleset(plan, collected(), afterPlan(plan, { clusterFw: cluster }), config);
  assert.equal(v.ok, false);
  assert.match(v.detail, /^cluster\.fw and host\.fw as pve1 reads them now differ from the plan: ssh tcp\/22 IPv4 accepted on any port: live 10\.10\.0\.0\/24, 192\.0\.2\.10\/32, 198\.51\.100\.0\/24 \(513 addresses\), planned 10\.10\.0\.0\/24, 192\.0\.2\.10\/32 \(257 addresses\)/);
  assert.match(v.detail, /web tcp\/8006 IPv4/);
});

test('live pve-firewall: the service not running after its restart (or not collected) rolls back with its state', () => {
  const plan = planOf([collected()]);
  const stopped = verifyLiveRuleset(plan, collected(), afterPlan(plan, { states: STATES_STOPPED }), config);
  assert.deepEqual(stopped, { name: 'live pve-firewall', ok: false, detail: 'pve-firewall is inactive and disabled after its restart (the plan leaves it running and enabled)' });
  const unknown = verifyLiveRuleset(plan, collected(), afterPlan(plan, { states: '' }), config);
  assert.equal(unknown.ok, false);
  assert.match(unknown.detail, /^pve-firewall's state was not collected again/);
});

test('live pve-firewall: a node where pve-firewall was stopped — the plan enables and starts it, the planned state is that of a running firewall', () => {
  const before = collected({ states: STATES_STOPPED });
  const plan = planOf([before]);
  assert.deepEqual(plan.ops.flatMap((o) => (o.kind === 'service' ? [`${o.unit} ${o.action}`] : [])), ['pve-firewall enable-now']);
  assert.match(unitStatesAfter(plan, before) ?? '', /^pve-firewall active enabled$/m);
  const v = verifyLiveRuleset(plan, before, afterPlan(plan), config);
  assert.equal(v.ok, true, v.detail);
});

test('apply, pve-mode plan: after the restart a new connection to sshd, each --probe-from refused on sshd and 8006, and the live pve-firewall; a probe that still connects rolls back', async () => {
  const plan = planOf([collected()]);
  const run = async (o: { stillOpen?: number; after?: Snapshot } = {}) => {
    const log: string[] = [];
    const audits = [collected(), o.after ?? afterPlan(plan)];
    const deps: ApplyDeps = {
      tx: {
        newTxId: () => 'T1', beginScript: () => 'begin', stepScript: () => 'step', confirmScript: () => 'confirm', revertScript: () => 'revert', statusScript: () => 'status',
        progressLines: () => [], failureReason: () => undefined, parseStatus: () => ({ state: 'armed', files: [] }),
      },
      open: async () => ({ runScript: async (script: string) => (log.push(script), { code: 0, stdout: '', stderr: '' }), close: () => undefined, destroy: () => undefined }) as never,
      audit: async (): Promise<NodeAudit> => ({ node: 'pve1', snapshot: audits.length > 1 ? audits.shift()! : audits[0], findings: [], statuses: new Map() }),
      verifyAdmin: async () => ({ name: 'admin', ok: true, detail: 'ok' }),
      verifyPasswords: async () => ({ name: 'passwords', ok: true, detail: 'ok' }),
      verifyTcp: async (host, port) => (log.push(`tcp ${host}:${port}`), { name: `tcp ${port}`, ok: true, detail: `${host}:${port} answers` }),
      verifyPeer: async () => ({ name: 'peer', ok: true, detail: 'ok' }),
      gateFirewall: (node, before) => gatePlanNow(node, before.snapshot, config),
      verifyFirewall: (node, before, after) => verifyLiveRuleset(node, before.snapshot, after.snapshot, config),
      verifyRefused: async (probe, host, port) => (log.push(`refused ${probe.host} -> ${host}:${port}`), port === o.stillOpen
        ? { name: `tcp ${port} refused from ${probe.host}`, ok: false, detail: `${probe.host} still connects to ${host}:${port}` }
        : { name: `tcp ${port} refused from ${probe.host}`, ok: true, detail: `${probe.host} cannot connect to ${host}:${port}` }),
      progress: (line) => log.push(`> ${line}`),
      now: () => 0,
      sleep: async () => undefined,
    };
    const settings = { confirmTimeoutSec: 120, admins: [], origin: 'test', probeFrom: [{ host: '10.10.0.99', port: 22, user: 'root', input: 'ssh://root@10.10.0.99' }] };
    const r = await applyPlan({ schema: PLAN_SCHEMA, createdAt: '', pvesecVersion: '', configDigest: '', nodes: [plan] }, settings, deps);
    return { r, log };
  };
  const ok = await run();
  assert.equal(ok.r.exitCode, 0, ok.log.join('\n'));
  for (const line of ['tcp 10.10.0.11:22', 'refused 10.10.0.99 -> 10.10.0.11:22', 'refused 10.10.0.99 -> 10.10.0.11:8006',
    '> pve1: verified tcp 22: 10.10.0.11:22 answers', '> pve1: verified tcp 22 refused from 10.10.0.99: 10.10.0.99 cannot connect to 10.10.0.11:22',
    '> pve1: verified live pve-firewall: pve-firewall running and enabled; cluster.fw and host.fw as pve1 reads them now accept exactly the sources the plan simulated, on every service',
    '> pve1: confirmed T1']) assert.ok(ok.log.includes(line), `${line}:\n${ok.log.join('\n')}`);
  const open = await run({ stillOpen: 8006 });
  assert.equal(open.r.exitCode, 1);
  assert.deepEqual(open.r.outcomes[0], { node: 'pve1', status: 'rolled-back', txId: 'T1', reason: 'verification failed: tcp 8006 refused from 10.10.0.99: 10.10.0.99 still connects to 10.10.0.11:8006', deadMan: false });
  assert.ok(open.log.includes('revert') && !open.log.includes('confirm'), open.log.join('\n'));
  const stopped = await run({ after: afterPlan(plan, { states: STATES_STOPPED }) });
  assert.equal(stopped.r.outcomes[0].status === 'rolled-back' && stopped.r.outcomes[0].reason, 'verification failed: live pve-firewall: pve-firewall is inactive and disabled after its restart (the plan leaves it running and enabled)');
});

test('live pve-firewall after a cluster.fw write: each member collected again must read the planned cluster.fw (with its own host.fw); one that still reads the old file rolls back, named', () => {
  const at = (name: 'pve1' | 'pve2', o: NodeOpts = {}) => collected({ name, cluster: true, ...o });
  const plan = planOf([at('pve1'), at('pve2')]);
  const clusterFw = plan.ops.flatMap((o) => (o.kind === 'write-file' && o.path === CLUSTER_FW ? [o.content] : []))[0];
  assert.ok(clusterFw, 'pve1 (the representative) writes cluster.fw');
  const hostFw = plan.ops.flatMap((o) => (o.kind === 'write-file' && o.path === '/etc/pve/nodes/pve1/host.fw' ? [o.content] : []))[0];
  const after = at('pve1', { clusterFw, hostFw });
  const members = (pve2After: Snapshot) => ({ before: [at('pve2')], after: [pve2After] });
  const ok = verifyLiveRuleset(plan, at('pve1'), after, config, members(at('pve2', { clusterFw })));
  assert.deepEqual(ok, { name: 'live pve-firewall', ok: true, detail: 'pve-firewall running and enabled; cluster.fw and host.fw as pve1 reads them now, and as pve2 reads cluster.fw accept exactly the sources the plan simulated, on every service' });
  // pmxcfs did not bring the new cluster.fw to pve2: it still runs without a datacenter firewall
  const stale = verifyLiveRuleset(plan, at('pve1'), after, config, members(at('pve2')));
  assert.equal(stale.ok, false);
  assert.match(stale.detail, /^cluster\.fw as pve2 reads it now \(with its host\.fw\) differs from the plan: ssh tcp\/22 IPv4 accepted on any port: live every address, planned 10\.10\.0\.0\/24, 192\.0\.2\.10\/32 \(257 addresses\)/);
});

test('apply\'s gate on a node where pve-firewall is stopped: the plan enables and starts it, so the gate simulates it running — applied from a non-admin address it is refused', () => {
  const before = collected({ states: STATES_STOPPED });
  const plan = planOf([before]);
  assert.equal(gatePlanNow(plan, before, config), undefined);
  const reason = gatePlanNow(plan, collected({ states: STATES_STOPPED, from: '203.0.113.7' }), config);
  assert.match(reason ?? '', /^firewall change refused: the change would lock out pvesec itself \(203\.0\.113\.7\) on tcp\/22 \(203\.0\.113\.7\/32\)$/);
});
