import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { memorySnapshot, type MemorySnapshotSpec } from '../../collect/memory.js';
import { groupClusters } from '../../audit/run.js';
import { DEFAULT_CONFIG } from '../../config/schema.js';
import { FactContext, Unavailable } from '../fact.js';
import { corosyncTopologyFact, nodeAddressFact } from './node-address.js';
import { adminSourcesFact } from './network.js';
import { nodeFirewallFact, reachabilityFact, sourceClassesFact } from './firewall.js';
import { pveNode } from '../../../test/fixtures/netfilter/helpers.js';

const parseFixture = (name: string) => readFileSync(new URL(`../../parse/fixtures/${name}`, import.meta.url), 'utf8');
const INSTALLER_HOSTS = parseFixture('pve-installer-hosts');
const DEBIAN_HOSTS = parseFixture('debian12-default-hosts');
const TRIXIE_ADDR = parseFixture('pve9-trixie-ip-o-addr-show.txt');
const BOOKWORM_ADDR = parseFixture('pve8-bookworm-ip-o-addr-show.txt');

const COROSYNC = `totem {
  cluster_name: lab
  version: 2
}
nodelist {
  node {
    name: pve1
    nodeid: 1
    ring0_addr: 10.10.10.11
  }
  node {
    name: pve2
    nodeid: 2
    ring0_addr: 10.10.10.12
  }
}
`;

const addrLine = (i: number, dev: string, cidr: string) => `${i}: ${dev}    inet ${cidr} scope global ${dev}\\       valid_lft forever preferred_lft forever\n`;

function node(name: string, o: { hosts?: string; ipAddr?: string | { output: string; exitCode?: number }; corosync?: string; errors?: Record<string, string> }): MemorySnapshotSpec {
  const files: Record<string, string> = { '/etc/hostname': `${name}\n` };
  if (o.hosts !== undefined) files['/etc/hosts'] = o.hosts;
  if (o.corosync) files['/etc/pve/corosync.conf'] = o.corosync;
  return { files, commands: o.ipAddr === undefined ? {} : { 'ip -o addr show': o.ipAddr }, errors: o.errors };
}

function contexts(specs: MemorySnapshotSpec[]): FactContext[] {
  const [cluster] = groupClusters(specs.map((s, i) => memorySnapshot({ target: `n${i}`, ...s })));
  return cluster.nodes.map((n) => new FactContext(n, cluster, DEFAULT_CONFIG, new Date('2026-11-25T12:00:00Z')));
}
const addressOf = (spec: MemorySnapshotSpec) => contexts([spec])[0].get(nodeAddressFact);

test('standalone node: its name through /etc/hosts, the network of the interface holding that address', () => {
  const a = addressOf(node('pve', { hosts: INSTALLER_HOSTS, ipAddr: TRIXIE_ADDR }));
  assert.deepEqual([a.ip, a.ipFrom, a.localNetwork, a.interfacesSeen, a.notes], ['192.168.1.50', '/etc/hosts', '192.168.1.0/24', true, []]);
  assert.deepEqual(a.evidence, [
    { source: '/etc/hosts', line: 2, text: '192.168.1.50 pve.example.lan pve' },
    { source: 'ip -o addr show', line: 3, text: 'vmbr0 inet 192.168.1.50/24' },
  ]);
});

test('the prefix comes from the interface, not a /24 guess', () => {
  const a = addressOf(node('pve', { hosts: '192.168.7.10 pve.lan pve\n', ipAddr: addrLine(3, 'vmbr0', '192.168.7.10/23') }));
  assert.equal(a.localNetwork, '192.168.6.0/23');
});

test('cluster member: its corosync ring0 address wins over /etc/hosts', () => {
  const [a1, a2] = contexts([
    node('pve1', { hosts: DEBIAN_HOSTS, ipAddr: BOOKWORM_ADDR, corosync: COROSYNC }),
    node('pve2', { hosts: '10.10.10.12 pve2\n', ipAddr: addrLine(4, 'vmbr0', '10.10.10.12/25'), corosync: COROSYNC }),
  ]).map((c) => c.get(nodeAddressFact));
  assert.deepEqual([a1.ip, a1.ipFrom, a1.localNetwork], ['10.10.10.11', 'corosync.conf', '10.10.10.0/24']);
  assert.deepEqual(a1.evidence.map((e) => e.source), ['/etc/pve/corosync.conf', 'ip -o addr show']);
  assert.equal(a1.evidence[1].line, 3);
  assert.deepEqual([a2.ip, a2.localNetwork], ['10.10.10.12', '10.10.10.0/25']);
});

test('ring0_addr given as a host name is resolved through /etc/hosts', () => {
  const byName = COROSYNC.replace('ring0_addr: 10.10.10.11', 'ring0_addr: pve1-corosync');
  const a = contexts([node('pve1', { hosts: '10.10.10.11 pve1-corosync\n', ipAddr: BOOKWORM_ADDR, corosync: byName })])[0].get(nodeAddressFact);
  assert.deepEqual([a.ip, a.localNetwork], ['10.10.10.11', '10.10.10.0/24']);
});

test("Debian's 127.0.1.1 line: Proxmox's lookup fails, so neither address nor local_network", () => {
  const a = addressOf(node('pve1', { hosts: DEBIAN_HOSTS, ipAddr: BOOKWORM_ADDR }));
  assert.deepEqual([a.ip, a.localNetwork], [undefined, undefined]);
  assert.match(a.notes.join('\n'), /\/etc\/hosts:2 maps pve1 to the loopback address 127\.0\.1\.1/);
});

test('a name missing from /etc/hosts, an address on no interface, a noprefixroute address', () => {
  assert.match(addressOf(node('pve7', { hosts: INSTALLER_HOSTS, ipAddr: TRIXIE_ADDR })).notes[0], /pve7 is not in \/etc\/hosts/);
  const elsewhere = addressOf(node('pve', { hosts: '203.0.113.9 pve\n', ipAddr: TRIXIE_ADDR }));
  assert.deepEqual([elsewhere.ip, elsewhere.localNetwork], ['203.0.113.9', undefined]);
  assert.match(elsewhere.notes.join('\n'), /no interface address's network contains 203\.0\.113\.9.*no local_network/);
  const noRoute = addressOf(node('pve', { hosts: '10.99.0.1 pve\n', ipAddr: TRIXIE_ADDR }));
  assert.equal(noRoute.localNetwork, undefined);
});

test('one of the two sources collected: what can be told; neither: unavailable', () => {
  const hostsOnly = addressOf(node('pve', { hosts: INSTALLER_HOSTS, errors: { 'ip -o addr show': 'not installed' } }));
  assert.deepEqual([hostsOnly.ip, hostsOnly.localNetwork, hostsOnly.interfacesSeen], ['192.168.1.50', undefined, false]);
  assert.match(hostsOnly.notes[0], /ip -o addr show: not installed/);
  const failed = addressOf(node('pve', { hosts: INSTALLER_HOSTS, ipAddr: { output: 'Cannot open netlink socket', exitCode: 1 } }));
  assert.equal(failed.interfacesSeen, false);
  const addrOnly = addressOf(node('pve', { ipAddr: TRIXIE_ADDR }));
  assert.deepEqual([addrOnly.ip, addrOnly.interfacesSeen], [undefined, true]);
  assert.throws(() => addressOf(node('pve', {})), (e) => e instanceof Unavailable && /neither \/etc\/hosts nor `ip -o addr show`/.test(e.reason));
});

// The firewall model: pve-firewall adds the detected network to `management`.
const fwNode = (extra: { hosts?: string; ipAddr?: string; clusterFw?: string }): MemorySnapshotSpec => {
  const spec = pveNode({ clusterFw: extra.clusterFw ?? '[OPTIONS]\nenable: 1\n' });
  if (extra.hosts) spec.files!['/etc/hosts'] = extra.hosts;
  if (extra.ipAddr) spec.commands!['ip -o addr show'] = extra.ipAddr;
  return spec;
};

test('firewall: the detected local_network admits its whole /23 to the GUI, without assumption', () => {
  const [ctx] = contexts([fwNode({ hosts: '192.168.7.10 pve1.lan pve1\n', ipAddr: addrLine(3, 'vmbr0', '192.168.7.10/23') })]);
  const fw = ctx.get(nodeFirewallFact);
  assert.deepEqual([fw.hostIp, fw.localNetwork, fw.localNetworkAssumed, fw.assumptions], ['192.168.7.10', '192.168.6.0/23', false, []]);
  assert.ok(fw.evidence.some((e) => e.source === 'ip -o addr show' && e.text === 'vmbr0 inet 192.168.7.10/23'));
  const admin = ctx.get(sourceClassesFact).find((s) => s.kind === 'admin');
  assert.deepEqual([admin?.label, admin?.address, admin?.origin], ['admin 192.168.6.0/23', '192.168.6.1', 'local network 192.168.6.0/23']);
  const web = ctx.get(reachabilityFact).cells.find((c) => c.source.kind === 'admin' && c.service.name === 'web');
  assert.equal(web?.verdict, 'ACCEPT');
  assert.equal(web?.ports[0].packet.dst?.text, '192.168.7.10');
  assert.deepEqual(ctx.get(adminSourcesFact).ranges.map((r) => r.text), ['192.168.6.0/23']);
});

test('firewall: without the interfaces, the /24 guess stays and is said', () => {
  const [ctx] = contexts([fwNode({ hosts: '192.168.7.10 pve1.lan pve1\n' })]);
  const fw = ctx.get(nodeFirewallFact);
  assert.deepEqual([fw.localNetwork, fw.localNetworkAssumed], ['192.168.7.0/24', true]);
  assert.deepEqual(fw.assumptions, ['local_network assumed to be 192.168.7.0/24, the /24 of 192.168.7.10 (the interfaces were not collected)']);
  assert.equal(ctx.get(adminSourcesFact).complete, false);
});

test('firewall: hostname on loopback, so pve-firewall has no local_network: admin = management ipset only', () => {
  const clusterFw = '[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -dest 10.10.10.11 -p tcp -dport 22\n';
  const [ctx] = contexts([fwNode({ hosts: DEBIAN_HOSTS, ipAddr: BOOKWORM_ADDR, clusterFw })]);
  const fw = ctx.get(nodeFirewallFact);
  assert.deepEqual([fw.hostIp, fw.localNetwork, fw.localNetworkAssumed], [undefined, undefined, false]);
  assert.match(fw.assumptions.join('\n'), /pve1's own address is unknown \(\/etc\/hosts:2 maps pve1 to the loopback address 127\.0\.1\.1/);
  assert.deepEqual(ctx.get(sourceClassesFact).filter((s) => s.kind === 'admin'), []);
});

// Written by `pvecm create` / `pvecm add` on Proxmox VE 5 (corosync 2): the ring addresses are the node names.
const PVE5_BY_NAME = `logging {
  debug: off
  to_syslog: yes
}

nodelist {
  node {
    name: pve1
    nodeid: 1
    quorum_votes: 1
    ring0_addr: pve1
  }
  node {
    name: pve2
    nodeid: 2
    quorum_votes: 1
    ring0_addr: pve2
  }
  node {
    name: pve3
    nodeid: 3
    quorum_votes: 1
    ring0_addr: pve3
  }
}

quorum {
  provider: corosync_votequorum
}

totem {
  cluster_name: office
  config_version: 5
  interface {
    bindnetaddr: 192.168.1.11
    ringnumber: 0
  }
  ip_version: ipv4
  secauth: on
  version: 2
}
`;
const PVE5_HOSTS = `127.0.0.1 localhost.localdomain localhost
192.168.1.11 pve1.office.lan pve1 pvelocalhost
192.168.1.12 pve2.office.lan pve2

# The following lines are desirable for IPv6 capable hosts

::1     ip6-localhost ip6-loopback
fe00::0 ip6-localnet
ff00::0 ip6-mcastprefix
ff02::1 ip6-allnodes
ff02::2 ip6-allrouters
ff02::3 ip6-allhosts
`;

test('ring addresses that are host names are resolved through the node\'s /etc/hosts; the others say why not', () => {
  const spec = fwNode({ hosts: PVE5_HOSTS, ipAddr: addrLine(3, 'vmbr0', '192.168.1.11/24') });
  spec.files!['/etc/pve/corosync.conf'] = PVE5_BY_NAME;
  const [ctx] = contexts([spec]);
  const topo = ctx.get(corosyncTopologyFact)!;
  assert.deepEqual(topo.nodes.map((n) => [n.name, n.rings]), [
    ['pve1', [{ key: 'ring0_addr', addr: '192.168.1.11', host: 'pve1' }]],
    ['pve2', [{ key: 'ring0_addr', addr: '192.168.1.12', host: 'pve2' }]],
    ['pve3', [{ key: 'ring0_addr', addr: 'pve3', unresolved: 'pve3: not in /etc/hosts (Proxmox would ask DNS, which pvesec does not see)' }]],
  ]);
  // the node's own address and the firewall's peers use the resolved addresses
  const a = ctx.get(nodeAddressFact);
  assert.deepEqual([a.ip, a.ipFrom, a.localNetwork], ['192.168.1.11', 'corosync.conf', '192.168.1.0/24']);
  assert.deepEqual(a.evidence.slice(0, 2), [
    { source: '/etc/pve/corosync.conf', text: 'node pve1 ring0_addr: pve1' },
    { source: '/etc/hosts', line: 2, text: '192.168.1.11 pve1.office.lan pve1 pvelocalhost' },
  ]);
  assert.deepEqual(ctx.get(sourceClassesFact).filter((s) => s.kind === 'peer').map((s) => [s.label, s.address]), [['peer pve2 ring0', '192.168.1.12']]);
  // pve-firewall's built-in corosync accept is compiled from the resolved addresses
  const corosync = ctx.get(reachabilityFact).cells.find((c) => c.source.kind === 'peer' && c.service.name === 'corosync');
  assert.equal(corosync?.verdict, 'ACCEPT');
  assert.match(JSON.stringify(corosync?.ports[0].decision), /corosync/);
});

test('a ring host name follows totem ip_version (default ipv6-4), as corosync and pve-firewall resolve it', () => {
  const hosts = '10.0.0.2 pve2\nfd00::2 pve2\n2001:db8::2 pve2\n';
  const ringOf = (conf: string, h = hosts) => {
    const [ctx] = contexts([node('pve1', { hosts: h, corosync: conf })]);
    return ctx.get(corosyncTopologyFact)!.nodes.find((n) => n.name === 'pve2')!.rings[0];
  };
  const conf = (ipVersion?: string) => `totem {\n cluster_name: c\n${ipVersion ? ` ip_version: ${ipVersion}\n` : ''}}\nnodelist {\n node {\n  name: pve1\n  ring0_addr: 10.0.0.1\n }\n node {\n  name: pve2\n  ring0_addr: pve2\n }\n}\n`;
  assert.equal(ringOf(conf()).addr, 'fd00::2');
  assert.equal(ringOf(conf('ipv4-6')).addr, '10.0.0.2');
  assert.equal(ringOf(conf('IPv6')).addr, 'fd00::2');
  assert.deepEqual(ringOf(conf('ipv6'), '10.0.0.2 pve2\n'), { key: 'ring0_addr', addr: 'pve2', unresolved: 'pve2: /etc/hosts gives only IPv4 addresses (line 1) and totem ip_version is ipv6' });
  assert.match(ringOf(conf('ipv5')).unresolved ?? '', /ip_version "ipv5" is none of/);
  // without /etc/hosts (a plain backup of /etc/pve): unresolved, with the reason
  const [bare] = contexts([{ files: { '/etc/hostname': 'pve1\n', '/etc/pve/corosync.conf': conf() } }]);
  assert.equal(bare.get(corosyncTopologyFact)!.nodes[1].rings[0].unresolved, 'pve2: cannot be resolved, /etc/hosts is not in the bundle');
});

test('own ring0 host name: resolved as corosync does; on loopback or unresolved there is no node address', () => {
  const byName = COROSYNC.replace('ring0_addr: 10.10.10.11', 'ring0_addr: pve1');
  const loop = contexts([node('pve1', { hosts: DEBIAN_HOSTS, ipAddr: BOOKWORM_ADDR, corosync: byName })])[0].get(nodeAddressFact);
  assert.equal(loop.ip, undefined);
  assert.match(loop.notes.join('\n'), /\/etc\/hosts:2 maps ring0_addr pve1 to the loopback address 127\.0\.1\.1/);
  const missing = contexts([node('pve1', { hosts: INSTALLER_HOSTS, ipAddr: BOOKWORM_ADDR, corosync: byName })])[0].get(nodeAddressFact);
  assert.deepEqual([missing.ip, missing.notes[0]], [undefined, 'pve1: not in /etc/hosts (Proxmox would ask DNS, which pvesec does not see)']);
});

test('inline comments after ring addresses (a real corosync.conf): the own address and the peers are the IPs', () => {
  const conf = `nodelist {
  node {
    name: pve1
    nodeid: 1
    quorum_votes: 1
    ring0_addr: 10.10.10.1     # link0: dedicated corosync network
    ring1_addr: 192.168.1.11   # link1: fallback on another NIC/switch
  }
  node {
    name: pve2
    nodeid: 2
    quorum_votes: 1
    ring0_addr: 10.10.10.2
    ring1_addr: 192.168.1.12
  }
  # ... one block per node
}

totem {
  cluster_name: prod
  config_version: 7
  ip_version: ipv4-6
  link_mode: passive          # knet: use the best working link, fail over on loss
  secauth: on
  version: 2
}
`;
  const [ctx] = contexts([node('pve1', { hosts: '10.10.10.1 pve1\n', ipAddr: addrLine(3, 'ens19', '10.10.10.1/24'), corosync: conf })]);
  assert.deepEqual(ctx.get(corosyncTopologyFact)!.nodes.map((n) => n.rings.map((r) => r.addr)), [['10.10.10.1', '192.168.1.11'], ['10.10.10.2', '192.168.1.12']]);
  const a = ctx.get(nodeAddressFact);
  assert.deepEqual([a.ip, a.localNetwork, a.notes], ['10.10.10.1', '10.10.10.0/24', []]);
});
