import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseIptablesSave } from '../../parse/iptables-save.js';
import { parseNftRuleset } from '../../parse/nft-ruleset.js';
import { HANDWRITTEN_V4, netfilter } from '../../../test/fixtures/netfilter/helpers.js';
import { reachabilityMatrix, representative, SERVICES } from './matrix.js';
import { netfilterSimulator } from './netfilter.js';
import { parsePacket, PacketError } from './packet.js';
import { topologyFromPeers, type PveEnvironment } from './pve-common.js';
import { parsePveConfig, pveSimulator, type Simulator } from './simulator.js';
import { parseIpRange, type IpRange } from '../../parse/ip-address.js';

const ENV: PveEnvironment = {
  node: 'pve1', hostIp: '192.168.10.11', localNetwork: '192.168.10.0/24',
  corosync: topologyFromPeers({ pve1: '192.168.10.11', pve2: '192.168.10.12' }), now: new Date('2026-11-25T12:00:00Z'),
};

function sim(clusterFw: string, hostFw?: string, env: PveEnvironment = ENV): Simulator {
  return pveSimulator(parsePveConfig(clusterFw, hostFw, env.node).config, env);
}

const tcp = (src: string, dport: number, extra: Record<string, unknown> = {}) => parsePacket({ direction: 'in', src, dst: '192.168.10.11', proto: 'tcp', dport, sport: 40000, ...extra });

const BASE = `[OPTIONS]
enable: 1
policy_in: DROP

[IPSET management] # admin workstations
10.20.0.0/24
!10.20.0.66

[RULES]
IN ACCEPT -source 198.51.100.7 -p tcp -dport 8006 # partner web ui
`;

test('pve-firewall: the management ipset (declared entries + local_network) is accepted on 22/8006 after the user rules', () => {
  const s = sim(BASE);
  assert.equal(s.decide(tcp('10.20.0.5', 22)).verdict, 'ACCEPT');
  assert.equal(s.decide(tcp('192.168.10.50', 8006)).verdict, 'ACCEPT', 'local network');
  assert.equal(s.decide(tcp('10.20.0.66', 22)).verdict, 'DROP', 'nomatch entry');
  assert.equal(s.decide(tcp('8.8.8.8', 22)).verdict, 'DROP');
  const d = s.decide(tcp('198.51.100.7', 8006));
  assert.equal(d.verdict, 'ACCEPT');
  assert.deepEqual(d.rule?.origin, { file: '/etc/pve/firewall/cluster.fw', line: 10, text: 'IN ACCEPT -source 198.51.100.7 -p tcp -dport 8006 # partner web ui' });
  // A cluster DROP before the builtin accepts locks the LAN out; a host.fw exception (host rules first) overrides it.
  const locked = sim(`${BASE}IN DROP -p tcp -dport 22\n`, '[RULES]\nIN ACCEPT -source 192.168.10.5 -p tcp -dport 22\n');
  assert.equal(locked.decide(tcp('192.168.10.50', 22)).verdict, 'DROP');
  assert.equal(locked.decide(tcp('192.168.10.5', 22)).verdict, 'ACCEPT');
  assert.equal(locked.decide(tcp('192.168.10.50', 22)).rule?.origin?.line, 11);
});

test('pve-firewall: datacenter switch, host enable: 0, expired anti-lockout timestamp', () => {
  assert.equal(sim(BASE.replace('enable: 1', 'enable: 0')).decide(tcp('8.8.8.8', 22)).verdict, 'ACCEPT');
  const off = sim(BASE.replace('enable: 1', 'enable: 1700000000')).decide(tcp('8.8.8.8', 22));
  assert.equal(off.verdict, 'ACCEPT');
  assert.match(off.reason, /datacenter firewall disabled/);
  const hostOff = sim(BASE, '[OPTIONS]\nenable: 0\n').decide(tcp('8.8.8.8', 22));
  assert.equal(hostOff.verdict, 'ACCEPT');
  assert.match(hostOff.reason, /host\.fw:2 enable: 0/);
});

test('pve-firewall: policy REJECT, REJECT of icmp is a DROP, policy DROP accepts fragmentation-needed', () => {
  const s = sim(BASE.replace('policy_in: DROP', 'policy_in: REJECT'));
  assert.equal(s.decide(tcp('8.8.8.8', 443)).verdict, 'REJECT');
  assert.equal(s.decide(parsePacket({ direction: 'in', src: '8.8.8.8', dst: '192.168.10.11', proto: 'icmp', icmp_type: 'echo-request' })).verdict, 'DROP');
  assert.equal(s.decide(parsePacket({ direction: 'in', src: '8.8.8.8', dst: '192.168.10.11', proto: 'udp', dport: 1900, sport: 1900 })).verdict, 'DROP');
  const d = sim(BASE).decide(parsePacket({ direction: 'in', src: '8.8.8.8', dst: '192.168.10.11', proto: 'icmp', icmp_type: 'fragmentation-needed' }));
  assert.equal(d.verdict, 'ACCEPT');
  assert.equal(d.rule?.chain, 'PVEFW-Drop');
});

test('pve-firewall: security groups accept through the mark; corosync only between ring peers', () => {
  const s = sim(`${BASE}GROUP web\n\n[group web]\nIN ACCEPT -p tcp -dport 443\nIN REJECT -p tcp -dport 80\n`);
  const https = s.decide(tcp('8.8.8.8', 443));
  assert.equal(https.verdict, 'ACCEPT');
  assert.equal(https.rule?.note, 'accepted by security group web');
  assert.equal(s.decide(tcp('8.8.8.8', 80)).verdict, 'REJECT');
  const udp = (src: string, dport: number) => parsePacket({ direction: 'in', src, dst: '192.168.10.11', proto: 'udp', dport, sport: 5405 });
  assert.equal(s.decide(udp('192.168.10.12', 5405)).verdict, 'ACCEPT');
  assert.equal(s.decide(udp('192.168.10.99', 5405)).verdict, 'DROP');
  assert.equal(s.decide(udp('192.168.10.12', 5406)).verdict, 'DROP');
});

test('nftables backend: management before user rules, corosync 5405-5412 from anywhere, lowercase actions work', () => {
  const cluster = `${BASE}IN DROP -p tcp -dport 22\nIN accept -p tcp -dport 9000\n`;
  const ipt = sim(cluster);
  const nft = sim(cluster, '[OPTIONS]\nnftables: 1\n');
  assert.equal(nft.backend, 'nftables');
  assert.equal(ipt.decide(tcp('192.168.10.50', 22)).verdict, 'DROP');
  assert.equal(nft.decide(tcp('192.168.10.50', 22)).verdict, 'ACCEPT');
  assert.equal(ipt.decide(tcp('8.8.8.8', 9000)).verdict, 'DROP');
  assert.equal(nft.decide(tcp('8.8.8.8', 9000)).verdict, 'ACCEPT');
  const coro = parsePacket({ direction: 'in', src: '8.8.8.8', dst: '192.168.10.11', proto: 'udp', dport: 5410, sport: 5405 });
  assert.equal(ipt.decide(coro).verdict, 'DROP');
  assert.equal(nft.decide(coro).verdict, 'ACCEPT');
  assert.equal(nft.decide(tcp('192.168.10.50', 60000)).verdict, 'DROP', 'no implicit migration ports');
  assert.equal(ipt.decide(tcp('192.168.10.50', 60000)).verdict, 'ACCEPT');
});

test('hand-written iptables-save: chains, jumps into user chains, RETURN, policy, multiport, conntrack', () => {
  const s = netfilterSimulator([parseIptablesSave(HANDWRITTEN_V4, 'iptables-save').value], []);
  const d = s.decide(tcp('192.168.10.20', 22));
  assert.equal(d.verdict, 'ACCEPT');
  assert.equal(d.rule?.origin?.line, 10);
  assert.equal(s.decide(tcp('192.168.10.20', 3128)).verdict, 'ACCEPT', 'multiport');
  assert.equal(s.decide(tcp('8.8.8.8', 22)).verdict, 'DROP', 'policy');
  const viaAdmin = s.decide(tcp('10.99.1.1', 22));
  assert.equal(viaAdmin.verdict, 'ACCEPT');
  assert.deepEqual(viaAdmin.trace.map((r) => `${r.chain} ${r.index}`), ['INPUT 9', 'ADMIN 1']);
  const returned = s.decide(tcp('10.99.1.1', 8006));
  assert.equal(returned.verdict, 'DROP');
  assert.match(returned.reason, /INPUT policy DROP|returned to INPUT/);
  assert.equal(s.decide(parsePacket({ direction: 'out', src: '192.168.10.11', dst: '8.8.8.8', proto: 'tcp', dport: 443 })).verdict, 'ACCEPT');
});

test('hand-written nft ruleset: named sets, inet family, reject, jump/return', () => {
  const s = netfilterSimulator([parseNftRuleset(netfilter('handwritten.nft')).value], [parseNftRuleset(netfilter('handwritten.nft')).value]);
  assert.equal(s.decide(tcp('192.168.20.6', 8006)).verdict, 'ACCEPT');
  assert.equal(s.decide(tcp('192.168.20.7', 8006)).verdict, 'DROP');
  assert.equal(s.decide(tcp('8.8.8.8', 25)).verdict, 'REJECT');
  const v6 = (src: string) => parsePacket({ direction: 'in', src, dst: 'fd00:10::1', proto: 'tcp', dport: 22 });
  assert.equal(s.decide(v6('fd00:10::5')).verdict, 'ACCEPT');
  assert.equal(s.decide(v6('2001:db8::5')).verdict, 'DROP');
});

test('an invalid packet description names the field', () => {
  const bad = (o: unknown, field: string, msg: RegExp) => assert.throws(() => parsePacket(o), (e: unknown) => e instanceof PacketError && e.field === field && msg.test(e.message));
  bad({ id: 'p1', direction: 'sideways', src: '1.2.3.4', dst: '1.2.3.5', dport: 22 }, 'direction', /packet p1: field "direction" must be "in" or "out"/);
  bad({ src: '1.2.3.400', dst: '1.2.3.5', dport: 22 }, 'src', /not an IP address/);
  bad({ src: '1.2.3.4', dst: '1.2.3.5', dport: 70000 }, 'dport', /0-65535/);
  bad({ src: '1.2.3.4', dst: '1.2.3.5', proto: 'tcp' }, 'dport', /required/);
  bad({ src: '1.2.3.4', dst: '1.2.3.5', proto: 'icmp', icmp_type: 'echo-requets' }, 'icmp_type', /unknown icmp type/);
  bad({ src: '1.2.3.4', dst: '1.2.3.5', proto: 'sctpx', dport: 1 }, 'proto', /unknown protocol/);
  bad({ src: '1.2.3.4', dst: '::1', dport: 22 }, 'dst', /IPv6 while src is IPv4/);
  bad({ src: '1.2.3.4', dst: '1.2.3.5', dport: 22, color: 'red' }, 'color', /not a packet field/);
});

test('reachability matrix: each source class against each service with the deciding rule', () => {
  const s = sim(BASE);
  const m = reachabilityMatrix({ node: 'pve1', manager: 'pve-firewall', sim: s, hostIp: '192.168.10.11', ringAddrs: ['192.168.10.11'] }, [
    { kind: 'admin', label: 'admin 10.20.0.0/24', address: representative(parseIpRange('10.20.0.0/24') as IpRange), family: 4, origin: 'test' },
    { kind: 'peer', label: 'peer pve2 ring0', address: '192.168.10.12', family: 4, origin: 'test' },
    { kind: 'public', label: 'public IPv4', address: '8.8.8.8', family: 4, origin: 'test' },
  ], SERVICES.iptables);
  const cell = (src: string, svc: string) => m.cells.find((c) => c.source.label.startsWith(src) && c.service.name === svc)!;
  assert.equal(cell('admin', 'ssh').verdict, 'ACCEPT');
  assert.equal(cell('admin', 'ssh').source.address, '10.20.0.1');
  assert.equal(cell('public', 'ssh').verdict, 'DROP');
  assert.equal(cell('peer', 'corosync').verdict, 'ACCEPT');
  assert.equal(cell('admin', 'corosync').verdict, 'DROP');
  assert.equal(cell('peer', 'migration').verdict, 'ACCEPT');
  assert.equal(m.cells.length, 15);
});

test('fuzz: any packet description either decides or fails with a PacketError naming a field', () => {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
  const values: unknown[] = [undefined, null, '', 'tcp', 'udp', 'icmp', 'icmpv6', 6, -1, 65536, 22, '22', 1.5, '10.0.0.1', '::1', 'fe80::1%eth0', '999.1.1.1', 'in', 'out', {}, [], true, 'echo-request', 'vmbr0/eth1', 'x'.repeat(40)];
  const fields = ['id', 'direction', 'src', 'dst', 'proto', 'dport', 'sport', 'icmp_type', 'iface'];
  const s = sim(`${BASE}GROUP web\nIN REJECT -p udp\n\n[group web]\nIN ACCEPT -p tcp -dport 443\n`, '[OPTIONS]\ntcpflags: 1\n');
  const nft = sim(BASE, '[OPTIONS]\nnftables: 1\n');
  const hand = netfilterSimulator([parseIptablesSave(HANDWRITTEN_V4, 'iptables-save').value], [parseNftRuleset(netfilter('handwritten.nft')).value]);
  let decided = 0;
  for (let k = 0; k < 5000; k++) {
    const o: Record<string, unknown> = { direction: 'in', src: '10.0.0.1', dst: '192.168.10.11', proto: 'tcp', dport: 22, sport: 1000 };
    for (let j = 0; j < 1 + Math.floor(rnd() * 3); j++) {
      const f = pick([...fields, 'bogus']);
      const v = pick(values);
      if (v === undefined) delete o[f];
      else o[f] = v;
    }
    let p;
    try {
      p = parsePacket(o);
    } catch (e) {
      assert.ok(e instanceof PacketError, `not a PacketError for ${JSON.stringify(o)}: ${e}`);
      assert.match(e.message, new RegExp(`field "${e.field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"|packet: expected`));
      continue;
    }
    for (const x of [s, nft, hand]) assert.ok(['ACCEPT', 'DROP', 'REJECT'].includes(x.decide(p).verdict));
    decided++;
  }
  assert.ok(decided > 500, `only ${decided} valid packets`);
});

test('an inet ruleset given to both families (one parse, as the firewall fact does) decides as two separate parses do', () => {
  const text = readFileSync(new URL('../../../test/fixtures/netfilter/handwritten.nft', import.meta.url), 'utf8');
  const shared = parseNftRuleset(text).value;
  const one = netfilterSimulator([shared], [shared]);
  const two = netfilterSimulator([parseNftRuleset(text).value], [parseNftRuleset(text).value]);
  const packets = [
    ...['192.168.20.6', '192.168.20.7', '192.168.10.9', '8.8.8.8'].flatMap((src) => [22, 25, 111, 8006].map((dport) => ({ src, dst: '192.168.10.11', proto: 'tcp', dport, sport: 40000 }))),
    { src: '192.168.10.9', dst: '192.168.10.11', proto: 'udp', dport: 5405, sport: 40000 },
    { src: '8.8.8.8', dst: '192.168.10.11', proto: 'icmp', icmp_type: 'echo-request' },
    { src: 'fd00:10::5', dst: 'fd00:10::1', proto: 'ipv6-icmp', icmp_type: 'echo-request' },
    ...['fd00:10::5', '2001:db8::5'].flatMap((src) => [22, 25, 111].map((dport) => ({ src, dst: 'fd00:10::1', proto: 'tcp', dport, sport: 40000 }))),
  ].map((p) => parsePacket({ direction: 'in', ...p }));
  let accepted = 0;
  for (const p of packets) {
    const [a, b] = [one.decide(p), two.decide(p)];
    assert.deepEqual({ verdict: a.verdict, rule: a.rule?.text, assumptions: a.assumptions }, { verdict: b.verdict, rule: b.rule?.text, assumptions: b.assumptions }, `${p.src} ${p.proto} ${p.dport}`);
    assert.deepEqual(a.rule, b.rule);
    if (a.verdict === 'ACCEPT') accepted++;
  }
  assert.ok(accepted >= 5 && accepted < packets.length, `${accepted} of ${packets.length} accepted`);
});
