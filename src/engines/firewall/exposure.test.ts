import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptedOnAll, acceptedOnAny, exactExposure, type ExposureService } from './exposure.js';
import { parsePacket } from './packet.js';
import { topologyFromPeers } from './pve-common.js';
import { parsePveConfig, pveSimulator, type Simulator } from './simulator.js';
import { formatIp } from '../../parse/ip-address.js';
import { netfilterSimulator } from './netfilter.js';
import { explainDecision, representative } from './matrix.js';
import { parseIpRange, type IpRange } from '../../parse/ip-address.js';
import { parseIptablesSave } from '../../parse/iptables-save.js';
import { parseNftRuleset } from '../../parse/nft-ruleset.js';
import { readFileSync } from 'node:fs';

const now = new Date('2026-11-25T12:00:00Z');
const env = { node: 'pve1', hostIp: '10.10.0.11', localNetwork: '10.10.0.0/24', corosync: topologyFromPeers({ pve1: '10.10.0.11', pve2: '10.10.0.12' }), now };
const sim = (clusterFw: string, hostFw?: string, backend?: 'iptables' | 'nftables'): Simulator => pveSimulator(parsePveConfig(clusterFw, hostFw, 'pve1').config, env, backend);
const WEB: ExposureService = { name: 'web', proto: 'tcp', ports: [[8006, 8006]] };
const probe4 = { family: 4 as const, dst: '10.10.0.11', iface: 'vmbr0', sport: 40000 };
const probe6 = { family: 6 as const, dst: 'fd00::11', iface: 'vmbr0', sport: 40000 };

// 24 public monitoring addresses admitted to the GUI: a sampled probe of 8.8.8.8 never sees them.
const MONITORING = Array.from({ length: 24 }, (_, i) => `203.0.113.${100 + i}`);
const CLUSTER_FW = `[OPTIONS]

enable: 1
policy_in: DROP

[IPSET management]

10.10.0.0/24
2001:db8:10::/64

[IPSET monitoring] # external uptime checks

${MONITORING.join('\n')}

[IPSET office]

198.51.100.0/24
!198.51.100.77

[RULES]

IN ACCEPT -source +monitoring -p tcp -dport 8006
IN ACCEPT -source +office -p tcp -dport 8000:8010
IN DROP -p tcp -dport 8005:8007
`;

test('exact exposure: every accepted address of a service, with the rule that decides it', () => {
  const e = exactExposure(sim(CLUSTER_FW), WEB, probe4);
  // The management ipset (implicit accept, after the user rules) is shadowed by the DROP of 8005:8007.
  assert.deepEqual(acceptedOnAny(e).cidrs(), [
    '198.51.100.0/26', '198.51.100.64/29', '198.51.100.72/30', '198.51.100.76/32', '198.51.100.78/31', '198.51.100.80/28', '198.51.100.96/27', '198.51.100.128/25',
    '203.0.113.100/30', '203.0.113.104/29', '203.0.113.112/29', '203.0.113.120/30',
  ]);
  assert.equal(e.segments.length, 1);
  const byRule = new Map(e.segments[0].classes.map((c) => [c.decision.rule?.origin?.line, c]));
  assert.equal(byRule.get(45)!.verdict, 'ACCEPT');
  assert.equal(byRule.get(45)!.set.size(), 24n);
  assert.equal(byRule.get(47)!.verdict, 'DROP');
  assert.ok(byRule.get(47)!.set.has(0x0a0a0005n), '10.10.0.5 dropped by line 47');
});

test('exact exposure agrees with the evaluator on random addresses of every class and port', () => {
  const s = sim(CLUSTER_FW);
  const svc: ExposureService = { name: '8000-8010/tcp', proto: 'tcp', ports: [[7990, 8020]] };
  const e = exactExposure(s, svc, probe4);
  assert.ok(e.segments.length >= 3, 'ports cut at 8000, 8005, 8007, 8010');
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (const seg of e.segments) {
    for (const c of seg.classes) {
      for (const iv of c.set.intervals.slice(0, 20)) {
        const v = iv.from + BigInt(Math.floor(rnd() * Number(iv.to - iv.from + 1n)));
        const port = seg.from + Math.floor(rnd() * (seg.to - seg.from + 1));
        const d = s.decide(parsePacket({ direction: 'in', src: formatIp(4, v), dst: probe4.dst, proto: 'tcp', dport: port, sport: 40000, iface: 'vmbr0' }));
        assert.equal(d.verdict, c.verdict, `${formatIp(4, v)} tcp/${port}`);
      }
    }
  }
  // All ports: only the office (minus its nomatch hole) reaches 8000-8010 entirely... but not 7990-7999.
  assert.deepEqual(acceptedOnAll(e).cidrs(), []);
});

test('exact exposure over IPv6: the management network, nothing else', () => {
  const e = exactExposure(sim(CLUSTER_FW.replace('IN DROP -p tcp -dport 8005:8007\n', '')), WEB, probe6);
  assert.deepEqual(acceptedOnAny(e).cidrs(), ['2001:db8:10::/64']);
});

test('exact exposure through hand-written iptables rules (negated source)', () => {
  const rules = `*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -s 192.168.10.0/24 -p tcp -m multiport --dports 22,8006 -j ACCEPT
-A INPUT -s 192.168.10.9/32 -j DROP
-A INPUT ! -s 10.0.0.0/8 -p tcp --dport 8006 -j ACCEPT
COMMIT
`;
  const hand = netfilterSimulator([parseIptablesSave(rules, 'iptables-save').value], []);
  const e = exactExposure(hand, WEB, probe4);
  assert.deepEqual(acceptedOnAny(e).cidrs(), ['0.0.0.0/5', '8.0.0.0/7', '11.0.0.0/8', '12.0.0.0/6', '16.0.0.0/4', '32.0.0.0/3', '64.0.0.0/2', '128.0.0.0/1']);
});

test('a verdict decided by a security group reads "ACCEPT by security group web (file:line)", not "accepted by" twice', () => {
  const fw = `[OPTIONS]\n\nenable: 1\npolicy_in: DROP\n\n[RULES]\n\nGROUP web\n\n[group web]\n\nIN ACCEPT -p tcp -dport 443\n`;
  const e = exactExposure(sim(fw), { name: '443/tcp', proto: 'tcp', ports: [[443, 443]] }, probe4);
  const accept = e.segments[0].classes.find((c) => c.verdict === 'ACCEPT')!;
  const text = `${accept.verdict} by ${explainDecision(accept.decision)}`;
  assert.equal(text, 'ACCEPT by security group web (/etc/pve/firewall/cluster.fw:8 `GROUP web`)');
});

test('representative addresses print IPv6 in RFC 5952 short form', () => {
  assert.equal(representative(parseIpRange('2001:db8:10::/64') as IpRange), '2001:db8:10::1');
  assert.equal(representative(parseIpRange('10.10.0.0/24') as IpRange), '10.10.0.1');
});

test('exact exposure through nft: a named set and two input base chains, each must accept', () => {
  const nft = `${readFileSync(new URL('../../../test/fixtures/netfilter/handwritten.nft', import.meta.url), 'utf8')}
table inet extra {
	chain input {
		type filter hook input priority 10; policy accept;
		ip saddr 192.168.20.6 drop
	}
}
`;
  const rs = parseNftRuleset(nft, 'nft list ruleset').value;
  const hand = netfilterSimulator([rs], [rs]);
  assert.equal(hand.layers[4].filter((p) => p.entry.in).length, 2, 'both input base chains decide');
  const e = exactExposure(hand, { name: 'ssh', proto: 'tcp', ports: [[22, 22]] }, probe4);
  // @admins (192.168.10.0/24, .20.5, .20.6) pass the first chain; the second drops .20.6.
  assert.deepEqual(acceptedOnAny(e).cidrs(), ['192.168.10.0/24', '192.168.20.5/32']);
  assert.equal(e.segments[0].classes.find((c) => c.set.has(0xc0a81406n))!.decision.rule?.text, 'ip saddr 192.168.20.6 drop');
  const e6 = exactExposure(hand, { name: 'ssh', proto: 'tcp', ports: [[22, 22]] }, probe6);
  assert.deepEqual(acceptedOnAny(e6).cidrs(), ['fd00:10::/64']);
});
