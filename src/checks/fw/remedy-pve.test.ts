import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemorySnapshotSpec } from '../../collect/memory.js';
import { applyOps, remedyInput, statusesOf, TEST_NOW } from '../../harden/plan-testing.js';
import { memorySnapshot } from '../../collect/memory.js';
import { groupClusters, runChecks } from '../../audit/run.js';
import { buildPlan } from '../../harden/plan.js';
import { ALL_CHECKS } from '../registry.js';
import { fwRemedy } from './remedy.js';
import { DEFAULT_CONFIG } from '../../config/schema.js';
import { FactContext } from '../../model/fact.js';
import { ManualOnly, type PlannedOp } from '../../harden/plan-types.js';
import type { PvesecConfig } from '../../config/schema.js';
import { parseClusterFw, parseHostFw } from '../../parse/pve-fw.js';
import { STATES_PVEFW } from '../../../test/fixtures/netfilter/helpers.js';
import { planPveFirewall } from './remedy-pve.js';
import { corosyncConf, pveNodeWith, SSHD_T_2200 } from './testing.js';

const CLUSTER_FW = '/etc/pve/firewall/cluster.fw';
const HOST_FW = '/etc/pve/nodes/pve1/host.fw';

/** A datacenter firewall that is off, with an operator's comment and a rule for the backup server. */
const FW_OFF = `[OPTIONS]

# turned off while we migrate (ticket 4711)
enable: 0

[RULES]

IN ACCEPT -source 10.10.0.50 -p tcp -dport 8007 # pbs
`;

const SSHD_T_22 = 'port 22\naddressfamily any\nlistenaddress [::]:22\nlistenaddress 0.0.0.0:22\npermitrootlogin prohibit-password\npasswordauthentication no\n';
const IP_ADDR = (ip: string) => `1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
2: vmbr0    inet ${ip}/24 brd 10.10.0.255 scope global vmbr0\\       valid_lft forever preferred_lft forever
`;

interface NodeOpts {
  clusterFw?: string;
  hostFw?: string;
  sshdT?: string;
  corosync?: Record<string, string>;
  members?: string | null;
  extraFiles?: Record<string, string>;
  mounts?: string;
  /** systemctl-states output (default: pve-firewall running and enabled) */
  states?: string;
}

function node(o: NodeOpts = {}): MemorySnapshotSpec {
  const files: Record<string, string> = { '/etc/hosts': '127.0.0.1 localhost\n10.10.0.11 pve1.example.com pve1\n', ...o.extraFiles };
  if (o.corosync) files['/etc/pve/corosync.conf'] = corosyncConf(o.corosync);
  if (o.members !== null && o.corosync) files['/etc/pve/.members'] = o.members ?? `{"nodename": "pve1", "version": 7, "cluster": { "name": "prod", "version": 3, "nodes": ${Object.keys(o.corosync).length}, "quorate": 1 }}\n`;
  const commands: Record<string, string> = { 'sshd -T': o.sshdT ?? SSHD_T_22, 'ip -o addr show': IP_ADDR('10.10.0.11') };
  if (o.mounts) commands['findmnt -l -n -o TARGET,SOURCE,FSTYPE,OPTIONS'] = o.mounts;
  return pveNodeWith({ clusterFw: o.clusterFw ?? FW_OFF, hostFw: o.hostFw, states: o.states ?? STATES_PVEFW }, files, commands);
}

const ADMIN: Partial<PvesecConfig> = { admin_sources: ['192.0.2.10/32', '10.10.0.0/28'] };

function plan(spec: MemorySnapshotSpec, config: Partial<PvesecConfig> = ADMIN): PlannedOp[] {
  return planPveFirewall(remedyInput(spec, config));
}

function refusal(spec: MemorySnapshotSpec, config: Partial<PvesecConfig> = ADMIN): string {
  try {
    plan(spec, config);
  } catch (e) {
    if (e instanceof ManualOnly) return e.reason;
    throw e;
  }
  assert.fail('expected a refusal');
}

const written = (ops: PlannedOp[], path: string) => {
  const op = ops.find((o) => o.kind === 'write-file' && o.path === path);
  return op?.kind === 'write-file' ? op.content : undefined;
};

test('standalone node with the firewall off: cluster.fw and host.fw edited, compiled, pve-firewall reloaded; FW-01/02/03/06 pass afterwards', () => {
  const spec = node();
  const ops = plan(spec);
  assert.deepEqual(ops.map((o) => `${o.phase} ${o.kind} ${o.id}`), [
    `restrict write-file write:${HOST_FW}`, `restrict write-file write:${CLUSTER_FW}`,
    'restrict validate validate:pve-firewall-compile', 'restrict service service:pve-firewall',
  ]);
  const cluster = written(ops, CLUSTER_FW)!;
  assert.equal(cluster, `[OPTIONS]

# turned off while we migrate (ticket 4711)
enable: 1
policy_in: DROP

[IPSET management]

192.0.2.10/32 # pvesec admin source
10.10.0.0/28 # pvesec admin source

[RULES]

IN ACCEPT -source 10.10.0.50 -p tcp -dport 8007 # pbs
`);
  assert.equal(parseClusterFw(cluster).diagnostics.length, 0);
  assert.equal(written(ops, HOST_FW), '[OPTIONS]\n\nenable: 1\n\n', 'the builtin management rules cover sshd on 22: no rule added');
  for (const op of ops) if (op.kind === 'write-file') assert.deepEqual([op.mode, op.owner, op.group, op.pmxcfs, op.cutsAccess], [0o640, 'root', 'www-data', true, true]);
  const svc = ops.find((o) => o.kind === 'service');
  assert.equal(svc?.kind === 'service' && svc.action, 'reload-or-restart');

  const after = applyOps(spec, ops);
  const st = statusesOf(after, ADMIN, ['FW-01', 'FW-02', 'FW-03', 'FW-06']);
  assert.deepEqual(Object.fromEntries(st), { 'FW-01': ['PASS'], 'FW-02': ['PASS'], 'FW-03': ['PASS'], 'FW-06': ['PASS'] });
  assert.deepEqual(plan(after), [], 'a second plan on the result changes nothing');
});

test('sshd on port 2200: the builtin rules accept only 22, so host.fw gets an accept from +management on 2200 at the top', () => {
  const spec = node({ sshdT: SSHD_T_2200, hostFw: '[RULES]\n\n# local rules\nIN DROP -p tcp -dport 111\n' });
  const ops = plan(spec);
  const host = written(ops, HOST_FW)!;
  assert.equal(host, '[OPTIONS]\n\nenable: 1\n\n[RULES]\n\nIN ACCEPT -source +management -p tcp -dport 2200 # pvesec: admin sources to ssh\n# local rules\nIN DROP -p tcp -dport 111\n');
  const parsed = parseHostFw(host, HOST_FW, parseClusterFw(written(ops, CLUSTER_FW)!).value).value;
  assert.equal(parsed.rules[0].ignored, undefined);
  const after = applyOps(spec, ops);
  assert.deepEqual(statusesOf(after, ADMIN, ['FW-06']).get('FW-06'), ['PASS']);
  assert.deepEqual(plan(after), []);
});

test('an operator DROP before the builtin accepts is not overridden: the gate refuses, naming the rule and the admin ranges lost', () => {
  const reason = refusal(node({ clusterFw: FW_OFF + 'IN DROP -p tcp -dport 22 # nobody\n' }));
  assert.match(reason, /^the firewall change would lock out: pve1: admin loses ssh tcp\/22 \(IPv4\) from 10\.10\.0\.0\/28, 192\.0\.2\.10\/32: ACCEPT -> DROP by \/etc\/pve\/firewall\/cluster\.fw:15 `IN DROP -p tcp -dport 22 # nobody`$/, 'line 15 of the proposed file');
});

test('peer corosync blocked by a cluster rule: refused with the peer and the rule', () => {
  const reason = refusal(node({ clusterFw: FW_OFF + 'IN DROP -p udp -dport 5404:5405\n', corosync: { pve1: '10.10.0.11', pve2: '10.10.0.12' } }));
  assert.match(reason, /peer pve2 ring0 loses corosync udp\/5404-5405 \(IPv4\) from 10\.10\.0\.12\/32: ACCEPT -> DROP by \/etc\/pve\/firewall\/cluster\.fw:15 `IN DROP -p udp -dport 5404:5405`$/);
});

test('peers on a ring network outside local_network get SSH and migration from host.fw; corosync is builtin; FW-07 passes', () => {
  const spec = node({ corosync: { pve1: '172.30.0.11', pve2: '172.30.0.12', pve3: '172.30.0.13' }, extraFiles: { '/etc/pve/firewall/cluster.fw': FW_OFF.replace('[RULES]', '[ALIASES]\nlocal_network 10.10.0.0/24\n\n[RULES]') } });
  const ops = plan(spec);
  const host = written(ops, HOST_FW)!;
  assert.match(host, /^IN ACCEPT -source 172\.30\.0\.12,172\.30\.0\.13 -p tcp -dport 22 # pvesec: cluster peers to ssh$/m);
  assert.match(host, /^IN ACCEPT -source 172\.30\.0\.12,172\.30\.0\.13 -p tcp -dport 60000:60050 # pvesec: cluster peers to migration$/m);
  assert.doesNotMatch(host, /5404/);
  assert.deepEqual(statusesOf(applyOps(spec, ops), ADMIN, ['FW-07']).get('FW-07'), ['PASS']);
});

test('declared non-admin networks inside local_network: local_network narrowed to the cluster nodes; FW-04 and FW-05 pass', () => {
  const config = { ...ADMIN, non_admin_networks: ['10.10.0.128/25'] };
  const spec = node({ corosync: { pve1: '10.10.0.11', pve2: '10.10.0.12' } });
  const ops = plan(spec, config);
  const cluster = written(ops, CLUSTER_FW)!;
  assert.equal(parseClusterFw(cluster).value.aliases.get('local_network')?.cidr, '10.10.0.8/29');
  const st = statusesOf(applyOps(spec, ops), config, ['FW-04', 'FW-05', 'FW-06', 'FW-07']);
  assert.deepEqual([...st.values()].flat().filter((s) => s !== 'PASS'), [], JSON.stringify([...st]));
});

test('refusals, each with its reason', () => {
  assert.match(refusal(node(), { admin_sources: [] }), /^no admin_sources in pvesec\.yaml/);
  const clusterOf2 = { pve1: '10.10.0.11', pve2: '10.10.0.12' };
  assert.match(refusal(node({ corosync: clusterOf2, members: '{"nodename":"pve1","version":9,"cluster":{"name":"prod","version":3,"nodes":2,"quorate":0}}' })),
    /this node has no quorum \(\/etc\/pve\/\.members: quorate 0\): pmxcfs keeps \/etc\/pve read-only/);
  assert.match(refusal(node({ corosync: clusterOf2, members: null })), /cannot tell whether this cluster node has quorum: \/etc\/pve\/\.members/);
  assert.match(refusal(node({ mounts: '/ /dev/sda1 ext4 rw,relatime\n/etc/pve /dev/fuse fuse ro,nosuid,nodev,relatime\n' })), /\/etc\/pve is mounted read-only/);
  assert.match(refusal(node({ corosync: { pve1: '10.10.0.11', pve2: 'pve2-ring.example.com' } })), /corosync ring addresses that cannot be resolved \(pve2 ring0 pve2-ring\.example\.com/);
  assert.match(refusal(node({ clusterFw: FW_OFF.replace(/\n/g, '\r\n') })), /CRLF line endings/);
  assert.match(refusal(node({ hostFw: '[OPTIONS]\nnftables: 1\n' })), /proxmox-firewall/);
});

test('a collection that recorded where pvesec connects from: refused when that address would lose sshd (an admin_sources typo)', () => {
  const spec = node();
  // the operator runs pvesec from the bastion 198.51.100.10 but typed .01 in admin_sources
  const input = remedyInput(spec, { admin_sources: ['198.51.100.1/32'] });
  (input.ctx.snapshot.meta as { sshConnection?: string }).sshConnection = '198.51.100.10 51234 10.10.0.11 22';
  assert.throws(() => planPveFirewall(input), (e: unknown) => e instanceof ManualOnly && /pvesec itself \(198\.51\.100\.10\) loses ssh tcp\/22 \(IPv4\) from 198\.51\.100\.10\/32: ACCEPT -> DROP by policy_in DROP/.test(e.reason));
  // the same address inside local_network keeps SSH through Proxmox's automatic management rules
  const lan = remedyInput(spec, { admin_sources: ['198.51.100.1/32'] });
  (lan.ctx.snapshot.meta as { sshConnection?: string }).sshConnection = '10.10.0.200 51234 10.10.0.11 22';
  assert.equal(planPveFirewall(lan).length, 4);
});

test('a node whose pve-firewall is stopped: the plan starts it, so the gate simulates it running: planned from a non-admin address it is refused', () => {
  const stopped = node({ states: STATES_PVEFW.replace('pve-firewall active enabled', 'pve-firewall inactive disabled') });
  const from = (address: string) => {
    const input = remedyInput(stopped, ADMIN);
    (input.ctx.snapshot.meta as { sshConnection?: string }).sshConnection = `${address} 51234 10.10.0.11 22`;
    return input;
  };
  assert.equal(planPveFirewall(from('192.0.2.10')).find((o) => o.kind === 'service')?.summary, 'pve-firewall: enable and start');
  assert.throws(() => planPveFirewall(from('203.0.113.7')), (e: unknown) => e instanceof ManualOnly && /pvesec itself \(203\.0\.113\.7\) loses ssh tcp\/22/.test(e.reason));
});

test('two collected cluster nodes: the representative writes cluster.fw and gates the other node with its current host.fw', () => {
  const ring = { pve1: '10.10.0.11', pve2: '10.10.0.12' };
  const spec = (name: string, sshdT: string) => {
    const n = node({ corosync: ring, sshdT });
    const files = { ...n.files, '/etc/hostname': `${name}\n`, '/etc/hosts': `127.0.0.1 localhost\n${ring[name as 'pve1']} ${name}\n` };
    return memorySnapshot({ target: name, ...n, files, dirs: { ...n.dirs, [`/etc/pve/nodes/${name}`]: {} },
      commands: { ...n.commands, 'ip -o addr show': IP_ADDR(ring[name as 'pve1']) } });
  };
  const config = { ...DEFAULT_CONFIG, ...ADMIN };
  const plans = (sshd2: string) => {
    const [cluster] = groupClusters([spec('pve1', SSHD_T_22), spec('pve2', sshd2)]);
    assert.equal(cluster.representative.name, 'pve1');
    return cluster.nodes.map((n) => {
      try {
        return planPveFirewall({ ctx: new FactContext(n, cluster, config, TEST_NOW), config, findings: [] }).map((o) => o.id);
      } catch (e) {
        if (e instanceof ManualOnly) return e.reason;
        throw e;
      }
    });
  };
  const [p1, p2] = plans(SSHD_T_22);
  assert.deepEqual(p1, [`write:${HOST_FW}`, `write:${CLUSTER_FW}`, 'validate:pve-firewall-compile', 'service:pve-firewall'], 'host.fw before cluster.fw');
  assert.deepEqual(p2, ['write:/etc/pve/nodes/pve2/host.fw', 'validate:pve-firewall-compile', 'service:pve-firewall'], 'cluster.fw is written once, by the representative');
  // pve2's sshd listens on 2200: its own plan adds the accept; pve1's cluster.fw alone would cut it first
  const [q1, q2] = plans(SSHD_T_2200);
  assert.match(String(q1), /pve2: admin loses ssh tcp\/2200 .*apply their own firewall plans first, then plan pve1 again/);
  assert.deepEqual(q2, ['write:/etc/pve/nodes/pve2/host.fw', 'validate:pve-firewall-compile', 'service:pve-firewall']);
});

test('--force in pve mode: the operator DROP that cuts the admins is written anyway, named in the summaries; pvesec losing its own SSH still refuses', () => {
  const spec = node({ clusterFw: FW_OFF + 'IN DROP -p tcp -dport 22 # nobody\n' });
  const input = { ...remedyInput(spec, ADMIN), force: true };
  const ops = planPveFirewall(input);
  const cluster = ops.find((o) => o.kind === 'write-file' && o.path === CLUSTER_FW);
  assert.ok(cluster);
  assert.match(cluster.summary, /^FORCED \(--force\): pve1: admin loses ssh tcp\/22 \(IPv4\) from 10\.10\.0\.0\/28, 192\.0\.2\.10\/32: ACCEPT -> DROP by \/etc\/pve\/firewall\/cluster\.fw:15/);
  // pvesec connects from an admin address: it would lose SSH too, and that is never forced
  (input.ctx.snapshot.meta as { sshConnection?: string }).sshConnection = '192.0.2.10 51234 10.10.0.11 22';
  assert.throws(() => planPveFirewall(input), (e: unknown) => e instanceof ManualOnly
    && /pvesec itself \(192\.0\.2\.10\) loses ssh tcp\/22/.test(e.reason) && /--force never overrides the loss of the address pvesec connects from/.test(e.reason));
});

test('host.fw is written before cluster.fw: the state in between (the new host.fw under the current cluster.fw) is gated too', () => {
  // the datacenter firewall is already on (policy DROP, no [IPSET management]: only local_network gets SSH);
  // this node's host.fw turns it off here, so the admin at 192.0.2.10 gets in today
  const on = '[OPTIONS]\n\nenable: 1\npolicy_in: DROP\n';
  const reason = refusal(node({ clusterFw: on, hostFw: '[OPTIONS]\n\nenable: 0\n' }));
  assert.match(reason, /^the firewall change would lock out: pve1: admin loses ssh tcp\/22 \(IPv4\) from 192\.0\.2\.10\/32: ACCEPT -> DROP by policy_in DROP/);
  assert.match(reason, /in between: host\.fw is written before cluster\.fw, and the new host\.fw under the current cluster\.fw refuses them/);
  // the same without host.fw turning the firewall off: nothing is lost in between, the plan goes ahead
  assert.ok(plan(node({ clusterFw: on })).length > 0);
});

test('plan order in a cluster: the node that writes cluster.fw comes after the others (their host.fw first), whatever the collection order', () => {
  const ring = { pve1: '10.10.0.11', pve2: '10.10.0.12' };
  const spec = (name: string) => {
    const n = node({ corosync: ring });
    const files = { ...n.files, '/etc/hostname': `${name}\n`, '/etc/hosts': `127.0.0.1 localhost\n${ring[name as 'pve1']} ${name}\n` };
    return memorySnapshot({ target: name, ...n, files, dirs: { ...n.dirs, [`/etc/pve/nodes/${name}`]: {} },
      commands: { ...n.commands, 'ip -o addr show': IP_ADDR(ring[name as 'pve1']) } });
  };
  const config = { ...DEFAULT_CONFIG, ...ADMIN };
  const clusters = groupClusters([spec('pve1'), spec('pve2')]);
  assert.deepEqual(clusters[0].nodes.map((n) => n.name), ['pve1', 'pve2']);
  assert.equal(clusters[0].representative.name, 'pve1');
  const checks = ALL_CHECKS.filter((c) => c.meta.id.startsWith('FW-'));
  const results = runChecks(clusters, checks, config, TEST_NOW);
  const built = buildPlan({ clusters, results, checks, config, configDigest: '0'.repeat(64), version: 'test', now: TEST_NOW, remedies: [fwRemedy] });
  assert.deepEqual(built.nodes.map((n) => `${n.node}: ${n.ops.filter((o) => o.kind === 'write-file').map((o) => (o.kind === 'write-file' ? o.path : '')).join(' ')}`), [
    'pve2: /etc/pve/nodes/pve2/host.fw',
    'pve1: /etc/pve/nodes/pve1/host.fw /etc/pve/firewall/cluster.fw',
  ]);
});
