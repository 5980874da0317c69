import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memorySnapshot, type MemorySnapshotSpec } from '../../collect/memory.js';
import { groupClusters } from '../../audit/run.js';
import { DEFAULT_CONFIG, type PvesecConfig } from '../../config/schema.js';
import { FactContext, Unavailable } from '../fact.js';
import { parseIptablesSave } from '../../parse/iptables-save.js';
import { parseNftRuleset } from '../../parse/nft-ruleset.js';
import {
  adminSourcesFact, clusterFirewallFact, effectiveInRules, handWrittenChains, handWrittenInput, hostFirewallFact, matchesPort,
  pveFirewallStateFact, withinAdminSources,
} from './network.js';
import { parseIpRange, type IpRange } from '../../parse/ip-address.js';
import { CLUSTER_FW_GOOD, HANDWRITTEN_V4, netfilter, PVE_IPTABLES, pveNode, STATES_NO_PVEFW } from '../../../test/fixtures/netfilter/helpers.js';

const COROSYNC = `totem {
  cluster_name: lab
  version: 2
}
nodelist {
  node {
    name: pve1
    nodeid: 1
    ring0_addr: 10.10.0.11
  }
  node {
    name: pve2
    nodeid: 2
    ring0_addr: 10.10.0.12
  }
}
`;

function contexts(specs: MemorySnapshotSpec[], config: Partial<PvesecConfig> = {}): FactContext[] {
  const [cluster] = groupClusters(specs.map((s, i) => memorySnapshot({ target: `n${i}`, ...s })));
  return cluster.nodes.map((n) => new FactContext(n, cluster, { ...DEFAULT_CONFIG, ...config }, new Date('2026-11-25T12:00:00Z')));
}

const range = (s: string) => parseIpRange(s) as IpRange;

test('cluster.fw: present, absent with /etc/pve collected, not collected', () => {
  assert.equal(contexts([pveNode()])[0].get(clusterFirewallFact).present, true);
  const absent = contexts([pveNode({ clusterFw: null })])[0].get(clusterFirewallFact);
  assert.equal(absent.present, false);
  assert.equal(absent.conf.rules.length, 0);
  assert.throws(() => contexts([{ files: { '/etc/hostname': 'pve1\n' } }])[0].get(clusterFirewallFact), Unavailable);
});

test('host.fw of a node read from the representative when its own /etc/pve was not collected', () => {
  const rep = pveNode({ clusterFw: CLUSTER_FW_GOOD });
  rep.files!['/etc/pve/corosync.conf'] = COROSYNC;
  rep.files!['/etc/pve/nodes/pve2/host.fw'] = '[OPTIONS]\nenable: 0\n';
  rep.dirs!['/etc/pve/nodes/pve2'] = {};
  const other: MemorySnapshotSpec = { files: { '/etc/hostname': 'pve2\n', '/etc/pve/corosync.conf': COROSYNC }, meta: { privilege: 'user' } };
  const [, ctx2] = contexts([rep, other]);
  assert.equal(ctx2.node.name, 'pve2');
  assert.equal(ctx2.get(hostFirewallFact).enabled, false);
});

test('Proxmox firewall state: datacenter switch, host switch, service', () => {
  assert.equal(contexts([pveNode()])[0].get(pveFirewallStateFact).active, true);
  const stopped = contexts([pveNode({ states: STATES_NO_PVEFW })])[0].get(pveFirewallStateFact);
  assert.deepEqual([stopped.active, stopped.reason], [false, 'pve-firewall service is inactive']);
  const hostOff = contexts([pveNode({ hostFw: '[OPTIONS]\nenable: 0\n' })])[0].get(pveFirewallStateFact);
  assert.match(hostOff.reason, /host\.fw has enable: 0/);
  const nft = contexts([pveNode({ hostFw: '[OPTIONS]\nnftables: 1\n', states: 'proxmox-firewall active enabled\n' })])[0].get(pveFirewallStateFact);
  assert.deepEqual([nft.active, nft.backend], [true, 'nftables']);
});

test('admin sources: configuration first, else management ipset plus local_network alias', () => {
  const configured = contexts([pveNode()], { admin_sources: ['198.51.100.0/24'] })[0].get(adminSourcesFact);
  assert.equal(configured.origin, 'configured admin_sources');
  assert.equal(withinAdminSources([range('198.51.100.7')], configured), true);
  const fromIpset = contexts([pveNode()])[0].get(adminSourcesFact);
  assert.equal(fromIpset.origin, 'cluster.fw [IPSET management]');
  assert.equal(fromIpset.complete, false);
  assert.equal(withinAdminSources([range('10.10.0.0/25')], fromIpset), true);
  assert.equal(withinAdminSources([range('10.10.0.0/16')], fromIpset), false);
  const withLocal = contexts([pveNode({ clusterFw: '[ALIASES]\nlocal_network 10.20.0.0/24\n' })])[0].get(adminSourcesFact);
  assert.deepEqual([withLocal.origin, withLocal.complete], ['local_network alias', true]);
});

test('hand-written chains exclude PVEFW chains, their jumps and iptables-nft mirror tables', () => {
  assert.deepEqual(handWrittenInput(handWrittenChains(parseIptablesSave(PVE_IPTABLES).value, 'iptables-save')), []);
  const hw = handWrittenChains(parseIptablesSave(HANDWRITTEN_V4).value, 'iptables-save');
  assert.deepEqual(hw.map((c) => c.chain.name), ['INPUT', 'FORWARD', 'OUTPUT', 'ADMIN']);
  assert.deepEqual(handWrittenInput(hw).map((c) => c.rules.length), [10]);
  assert.deepEqual(handWrittenChains(parseNftRuleset(netfilter('iptables-nft-compat.nft')).value, 'nft list ruleset'), []);
  const nft = handWrittenInput(handWrittenChains(parseNftRuleset(netfilter('handwritten.nft')).value, 'nft list ruleset'));
  assert.deepEqual(nft.map((c) => `${c.table} ${c.chain.name}`), ['inet filter input']);
});

test('effective IN rules: host.fw first, groups expanded, ignored and disabled rules left out', () => {
  const ctx = contexts([pveNode({
    clusterFw: `${CLUSTER_FW_GOOD}GROUP web\nIN ACCEPT -dport 80\n[group web]\nIN HTTPS(ACCEPT)\nOUT ACCEPT -p tcp\n`,
    hostFw: '[RULES]\nIN DROP -p tcp -dport 8006\n|IN ACCEPT -p tcp -dport 25\n',
  })])[0];
  const rules = effectiveInRules(ctx.get(clusterFirewallFact).conf, ctx.get(hostFirewallFact).conf);
  assert.deepEqual(rules.map((r) => `${r.file.endsWith('host.fw') ? 'host' : 'cluster'}:${r.line}`), ['host:2', 'cluster:17', 'cluster:18', 'cluster:22']);
});

test('matchesPort honours protocol and port negation', () => {
  const [input] = handWrittenInput(handWrittenChains(parseIptablesSave(`*filter
:INPUT DROP [0:0]
-A INPUT -p tcp -m tcp ! --dport 22 -j ACCEPT
-A INPUT ! -p udp -j ACCEPT
-A INPUT -j ACCEPT
COMMIT
`).value, 'iptables-save'));
  const [notSsh, notUdp, all] = input.rules.map((r) => r.match);
  assert.deepEqual([matchesPort(notSsh, 'tcp', 22), matchesPort(notSsh, 'tcp', 111), matchesPort(notSsh, 'udp', 111)], [false, true, false]);
  assert.deepEqual([matchesPort(notUdp, 'udp', 111), matchesPort(notUdp, 'tcp', 111)], [false, true]);
  assert.equal(matchesPort(all, 'udp', 111), true);
});
