import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePacket } from './packet.js';
import { topologyFromPeers, type PveEnvironment } from './pve-common.js';
import { parsePveConfig, pveSimulator, type Backend } from './simulator.js';

// Realistic dual-stack cluster.fw lines as found in public configurations: IPv6 ping and traceroute
// through the Ping/Trcrt macros and `-p icmpv6`, and the Razor macro with a DROP action.
const ENV: PveEnvironment = {
  node: 'pve1', hostIp: '192.168.10.11', localNetwork: '192.168.10.0/24',
  corosync: topologyFromPeers({ pve1: '192.168.10.11', pve2: '192.168.10.12' }), now: new Date('2026-11-25T12:00:00Z'),
};
const HOST6 = 'fd00::11';

const CLUSTER = `[OPTIONS]
enable: 1
policy_in: DROP

[RULES]
IN Ping(ACCEPT) -source fd00::/64 # ping from the v6 LAN
IN ACCEPT -p icmpv6 -icmp-type echo-request -source 2001:db8:77::/48
IN Trcrt(ACCEPT) -source 2001:db8:99::/48
IN Razor(DROP) -source 203.0.113.0/24
IN ACCEPT -p tcp -dport 2703
`;

function sim(clusterFw: string, backend?: Backend) {
  const { config, diagnostics } = parsePveConfig(clusterFw, undefined, 'pve1');
  return { sim: pveSimulator(config, ENV, backend), config, diagnostics };
}

const icmp6 = (src: string, type = 'echo-request') => parsePacket({ direction: 'in', src, dst: HOST6, proto: 'icmpv6', icmp_type: type });
const udp6 = (src: string, dport: number) => parsePacket({ direction: 'in', src, dst: HOST6, proto: 'udp', dport, sport: 40000 });
const icmp4 = (src: string) => parsePacket({ direction: 'in', src, dst: ENV.hostIp, proto: 'icmp', icmp_type: 'echo-request' });
const tcp4 = (src: string, dport: number) => parsePacket({ direction: 'in', src, dst: ENV.hostIp, proto: 'tcp', dport, sport: 40000 });

test('Ping, Trcrt, -p icmpv6 and Razor(DROP) are rules Proxmox applies (no "ignored rule")', () => {
  const { config, diagnostics } = sim(CLUSTER);
  assert.deepEqual(config.cluster.rules.map((r) => r.ignored), [undefined, undefined, undefined, undefined, undefined]);
  assert.deepEqual(diagnostics, []);
  const [ping, icmpv6, trcrt, razor] = config.cluster.rules;
  assert.equal(ping.ipversion, 6);
  assert.deepEqual(ping.matches, [{ action: 'ACCEPT', proto: 'icmpv6', icmpType: 'echo-request' }]);
  assert.equal(icmpv6.ipversion, 6);
  assert.deepEqual(trcrt.matches.map((m) => m.proto), ['udp', 'icmpv6']);
  assert.deepEqual(razor.matches, [{ action: 'DROP', proto: 'tcp', dport: [{ from: 2703, to: 2703, text: '2703' }] }]);
});

for (const backend of ['iptables', 'nftables'] as const) {
  test(`${backend}: IPv6 echo requests are accepted by Ping/-p icmpv6/Trcrt and dropped elsewhere`, () => {
    const { sim: s } = sim(CLUSTER, backend);
    const ping = s.decide(icmp6('fd00::50'));
    assert.equal(ping.verdict, 'ACCEPT');
    assert.equal(ping.rule?.origin?.line, 6);
    assert.equal(s.decide(icmp6('2001:db8:77::9')).rule?.origin?.line, 7);
    assert.equal(s.decide(icmp6('2001:db8:99::9')).rule?.origin?.line, 8);
    assert.equal(s.decide(udp6('2001:db8:99::9', 33500)).verdict, 'ACCEPT', 'traceroute udp probes');
    assert.equal(s.decide(icmp6('2001:db8:5::1')).verdict, 'DROP', 'policy_in for other sources');
    assert.equal(s.decide(icmp6('fd00::50', 'echo-reply')).verdict, 'DROP', 'Ping is echo-request only');
  });
}

test('Ping without an address expands per family: icmp echo-request in IPv4, icmpv6 echo-request in IPv6', () => {
  const { sim: s, config } = sim('[OPTIONS]\nenable: 1\n[RULES]\nIN Ping(ACCEPT)\nIN NeighborDiscovery(ACCEPT)\n');
  assert.deepEqual(config.cluster.rules[0].matches.map((m) => [m.family, m.proto]), [[4, 'icmp'], [6, 'icmpv6']]);
  assert.equal(s.decide(icmp4('8.8.8.8')).verdict, 'ACCEPT');
  assert.equal(s.decide(icmp6('2001:db8:5::1')).verdict, 'ACCEPT');
  // NeighborDiscovery is an IPv6-only macro: it generates nothing for IPv4.
  assert.deepEqual(config.cluster.rules[1].matches.map((m) => m.family), [6, 6, 6, 6]);
});

test('Razor takes the rule action: Razor(DROP) drops tcp/2703 before a later ACCEPT', () => {
  const { sim: s } = sim(CLUSTER);
  const d = s.decide(tcp4('203.0.113.5', 2703));
  assert.equal(d.verdict, 'DROP');
  assert.equal(d.rule?.origin?.line, 9);
  assert.equal(s.decide(tcp4('198.51.100.5', 2703)).verdict, 'ACCEPT');
});

test('what Proxmox still rejects: Ping(ACCEPT) -p icmp with an IPv6 source, -p ipv6-icmp with -dport, Ping(ACCEPT) -p tcp', () => {
  const { config } = sim(`[RULES]
IN Ping(ACCEPT) -p icmp -source fd00::/64
IN ACCEPT -p ipv6-icmp -dport echo-request
IN Ping(ACCEPT) -p tcp
IN ACCEPT -p icmpv6 -dport echo-request
IN Ping(ACCEPT) -p icmpv6
`);
  const r = config.cluster.rules;
  assert.match(r[0].ignored!, /mixed IPv4\/IPv6/);
  assert.match(r[1].ignored!, /protocol 'ipv6-icmp' does not support ports/);
  assert.match(r[2].ignored!, /-p tcp conflicts with macro Ping \(proto icmp\)/);
  assert.equal(r[3].ignored, undefined, 'icmpv6 carries its type in -dport like icmp');
  assert.deepEqual(r[3].matches, [{ action: 'ACCEPT', proto: 'icmpv6', icmpType: 'echo-request' }]);
  assert.equal(r[4].ignored, undefined, 'an IPv6 rule is checked against the IPv6 templates of Ping');
});
