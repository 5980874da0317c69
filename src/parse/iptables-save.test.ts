import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { baseChains, parseIptablesSave, tokenize } from './iptables-save.js';
import { ParseError } from './diagnostics.js';

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/netfilter/${name}`, import.meta.url));

test('iptables-save of a node running pve-firewall: PVEFW chains, policies, sets as opaque matches', () => {
  const { value, diagnostics } = parseIptablesSave(fixture('pve-firewall.iptables-save'));
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(value.tables.map((t) => t.name), ['raw', 'filter']);
  const filter = value.tables[1];
  const input = filter.chains.get('INPUT')!;
  assert.equal(input.policy, 'ACCEPT');
  assert.equal(input.hook, 'input');
  assert.equal(input.rules.length, 1);
  assert.equal(input.rules[0].target, 'PVEFW-INPUT');
  assert.equal(filter.chains.get('PVEFW-HOST-IN')!.policy, undefined);
  const hostIn = filter.chains.get('PVEFW-HOST-IN')!.rules;
  assert.equal(hostIn[0].match.inIface?.name, 'lo');
  assert.deepEqual(hostIn[2].match.ctstate, { states: ['RELATED', 'ESTABLISHED'], negated: false });
  assert.deepEqual(hostIn[3].match.opaque, ['-m set', '--match-set PVEFW-0-blacklist-v4 src']);
  const bastion = hostIn[6];
  assert.equal(bastion.index, 7);
  assert.equal(bastion.line, 59);
  assert.equal(bastion.match.src?.text, '192.0.2.10/32');
  assert.equal(bastion.match.src?.ranges[0].from, 0xc000020an);
  assert.deepEqual(bastion.match.dport, { ports: [{ from: 8006, to: 8006 }], negated: false });
  assert.equal(bastion.target, 'RETURN');
  const synCheck = filter.chains.get('PVEFW-Drop')!.rules[9];
  assert.deepEqual(synCheck.match.opaque, ['! --tcp-flags FIN,SYN,RST,ACK SYN']);
  const reject = filter.chains.get('PVEFW-reject')!.rules[3];
  assert.equal(reject.target, 'REJECT');
  assert.deepEqual(reject.targetArgs, ['--reject-with', 'tcp-reset']);
  const smurf = filter.chains.get('PVEFW-smurfs')!.rules[1];
  assert.equal(smurf.goto, true);
  assert.equal(smurf.target, 'PVEFW-smurflog');
  assert.equal(filter.chains.get('PVEFW-Drop')!.rules[11].match.comment, 'PVESIG:83WlR/a4wLbmURFqMQT3uJSgIG8');
  assert.equal(filter.chains.get('PVEFW-Drop')!.rules[11].target, undefined);
  assert.deepEqual(baseChains(value, 'input').map((c) => c.name), ['INPUT']);
});

test('hand-written ruleset: multiport, comments with spaces, limit as opaque, user chain jump', () => {
  const { value } = parseIptablesSave(fixture('handwritten.rules.v4'), '/etc/iptables/rules.v4');
  const filter = value.tables[0];
  assert.equal(filter.family, 'ip');
  const input = filter.chains.get('INPUT')!;
  assert.equal(input.policy, 'DROP');
  assert.equal(input.rules.length, 10);
  const web = input.rules[4];
  assert.deepEqual(web.match.dport?.ports, [{ from: 8006, to: 8006 }, { from: 3128, to: 3128 }]);
  assert.equal(web.match.comment, 'web ui and spice');
  assert.deepEqual(web.match.proto, { values: ['tcp'], negated: false });
  assert.deepEqual(input.rules[5].match.dport?.ports, [{ from: 5405, to: 5412 }]);
  assert.equal(input.rules[7].match.icmpType, '8');
  assert.deepEqual(input.rules[7].match.opaque, ['-m limit', '--limit 5/sec']);
  assert.equal(input.rules[8].target, 'ADMIN');
  assert.equal(input.rules[8].goto, false);
  assert.deepEqual(input.rules[9].targetArgs, ['--log-prefix', 'iptables INPUT drop: ', '--log-level', '4']);
  assert.equal(filter.chains.get('ADMIN')!.rules.length, 2);
});

test('ip6tables rules: IPv6 source networks', () => {
  const { value } = parseIptablesSave(fixture('handwritten.rules.v6'), '/etc/iptables/rules.v6');
  assert.equal(value.tables[0].family, 'ip6');
  const ssh = value.tables[0].chains.get('INPUT')!.rules[3];
  assert.equal(ssh.match.src?.ranges[0].family, 6);
  assert.equal(ssh.match.src?.ranges[0].to - ssh.match.src!.ranges[0].from, (1n << 64n) - 1n);
});

test('negations, counters, interfaces and undeclared chains', () => {
  const { value, diagnostics } = parseIptablesSave(`*filter
:INPUT DROP [120:9000]
[5:300] -A INPUT ! -s 10.0.0.0/8 -i vmbr0 -p tcp -m tcp ! --dport 22 -j DROP
-A INPUT ! -p udp -o eth0 -m state --state NEW -j REJECT --reject-with icmp-port-unreachable
-A OTHER -j ACCEPT
garbage line
COMMIT
`);
  const input = value.tables[0].chains.get('INPUT')!;
  assert.deepEqual(input.counters, { packets: 120, bytes: 9000 });
  const r = input.rules[0];
  assert.deepEqual(r.counters, { packets: 5, bytes: 300 });
  assert.equal(r.text.startsWith('-A INPUT'), true);
  assert.equal(r.match.src?.negated, true);
  assert.equal(r.match.inIface?.name, 'vmbr0');
  assert.equal(r.match.dport?.negated, true);
  assert.equal(input.rules[1].match.proto?.negated, true);
  assert.deepEqual(input.rules[1].match.ctstate?.states, ['NEW']);
  assert.equal(input.rules[1].match.outIface?.name, 'eth0');
  assert.ok(diagnostics.some((d) => d.line === 5 && /undeclared chain OTHER/.test(d.message)));
  assert.ok(diagnostics.some((d) => d.line === 6));
});

test('tokenizer handles quotes and escaped quotes', () => {
  assert.deepEqual(tokenize('-m comment --comment "a \\"b\\" c" -j ACCEPT'), ['-m', 'comment', '--comment', 'a "b" c', '-j', 'ACCEPT']);
});

test('never throws on garbage; binary input is a ParseError', () => {
  assert.throws(() => parseIptablesSave(Buffer.from([0x2a, 0x00, 0x01])), ParseError);
  const pieces = ['*filter', ':INPUT', ':X - [a:b]', '-A', '-A INPUT !', '-A INPUT -s', '-A INPUT --dport', '-A INPUT -m comment --comment "x', 'COMMIT', '[1:2]', '-A INPUT -j'];
  for (let i = 0; i < 300; i++) parseIptablesSave(Array.from({ length: 8 }, (_, j) => pieces[(i * 5 + j * 3) % pieces.length]).join('\n'));
});
