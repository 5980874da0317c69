import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseNftRuleset } from './nft-ruleset.js';
import { baseChains } from './iptables-save.js';
import { ParseError } from './diagnostics.js';

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/netfilter/${name}`, import.meta.url));

test('hand-written inet ruleset: base chains, named sets, port sets and ranges, verdicts', () => {
  const { value, diagnostics } = parseNftRuleset(fixture('handwritten.nft'));
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(value.tables.map((t) => `${t.family} ${t.name}`), ['inet filter', 'ip nat']);
  const input = value.tables[0].chains.get('input')!;
  assert.equal(input.hook, 'input');
  assert.equal(input.type, 'filter');
  assert.equal(input.policy, 'DROP');
  assert.equal(input.rules.length, 11);
  const [lo, est, invalid, admins, corosync, ssh, ssh6, rpc, ping, smtp, jump] = input.rules;
  assert.equal(lo.match.inIface?.name, 'lo');
  assert.equal(lo.target, 'ACCEPT');
  assert.deepEqual(est.match.ctstate, { states: ['ESTABLISHED', 'RELATED'], negated: false });
  assert.equal(invalid.target, 'DROP');
  // the named set (spanning two lines) is resolved
  assert.equal(admins.match.src?.ranges.length, 3);
  assert.deepEqual(admins.match.dport?.ports.map((p) => p.from), [22, 8006, 3128]);
  assert.deepEqual(admins.match.proto, { values: ['tcp'], negated: false });
  assert.equal(admins.line, 14);
  assert.equal(admins.index, 4);
  assert.deepEqual(corosync.match.dport?.ports, [{ from: 5405, to: 5412 }]);
  assert.deepEqual(corosync.match.proto?.values, ['udp']);
  assert.equal(ssh.match.comment, 'ssh from lan');
  assert.deepEqual(ssh.match.opaque, []);
  assert.equal(ssh6.match.src?.ranges[0].family, 6);
  assert.deepEqual(ssh6.match.dport?.ports, [{ from: 22, to: 22 }]);
  assert.deepEqual(rpc.match.proto?.values, ['tcp', 'udp']);
  assert.deepEqual(rpc.match.dport?.ports, [{ from: 111, to: 111 }]);
  assert.equal(ping.match.icmpType, 'echo-request');
  assert.deepEqual(ping.match.opaque, ['limit rate 5/second']);
  assert.equal(smtp.target, 'REJECT');
  assert.deepEqual(smtp.targetArgs, ['with', 'tcp', 'reset']);
  assert.equal(jump.target, 'logging');
  assert.equal(jump.goto, false);
  const logging = value.tables[0].chains.get('logging')!;
  assert.equal(logging.policy, undefined);
  assert.equal(logging.rules[0].target, 'LOG');
  assert.equal(logging.rules[1].target, 'RETURN');
  assert.deepEqual(baseChains(value, 'input').map((c) => c.name), ['input']);
  const nat = value.tables[1].chains.get('postrouting')!;
  assert.equal(nat.type, 'nat');
  assert.equal(nat.rules[0].match.outIface?.name, 'vmbr0');
  assert.deepEqual(nat.rules[0].match.opaque, ['masquerade']);
});

test('iptables-nft compatibility tables: counters ignored, xt matches opaque', () => {
  const { value } = parseNftRuleset(fixture('iptables-nft-compat.nft'));
  const t = value.tables[0];
  assert.equal(t.family, 'ip');
  const input = t.chains.get('INPUT')!;
  assert.equal(input.policy, 'ACCEPT');
  assert.equal(input.rules[0].target, 'PVEFW-INPUT');
  assert.deepEqual(input.rules[0].match.opaque, []);
  const hostIn = t.chains.get('PVEFW-HOST-IN')!.rules;
  assert.equal(hostIn[0].match.inIface?.name, 'lo');
  assert.deepEqual(hostIn[2].match.ctstate?.states, ['RELATED', 'ESTABLISHED']);
  assert.ok(hostIn[3].match.opaque.length > 0, 'the match-set is not modelled');
  assert.equal(t.chains.get('PVEFW-DropBroadcast')!.rules[1].match.dst?.text, '224.0.0.0/4');
});

test('negation, policy-less chains, stray braces, never throws', () => {
  const { value, diagnostics } = parseNftRuleset(`table ip t {
	chain c {
		type filter hook input priority 0; policy accept;
		ip saddr != 10.0.0.0/8 tcp dport != 22 drop
		iifname != "vmbr0" goto other
	}
}
}
`);
  const r = value.tables[0].chains.get('c')!.rules;
  assert.equal(r[0].match.src?.negated, true);
  assert.equal(r[0].match.dport?.negated, true);
  assert.equal(r[1].goto, true);
  assert.equal(r[1].match.inIface?.negated, true);
  assert.ok(diagnostics.some((d) => d.line === 8));
  assert.throws(() => parseNftRuleset(Buffer.from('table\0')), ParseError);
  const pieces = ['table ip x {', 'chain y {', 'type filter hook', '}', 'ip saddr {', 'tcp dport', '"', 'elements = {', 'ip saddr @nope accept', 'jump'];
  for (let i = 0; i < 300; i++) parseNftRuleset(Array.from({ length: 7 }, (_, j) => pieces[(i * 3 + j * 7) % pieces.length]).join('\n'));
});

test('real iptables-nft output of a Debian 12 test host: meta l4proto before addresses, log at the end', () => {
  const { value, diagnostics } = parseNftRuleset(fixture('testhost.nft'));
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(value.tables.map((t) => `${t.family} ${t.name}`), ['ip filter', 'ip6 filter']);
  const input = value.tables[0].chains.get('INPUT')!;
  assert.equal(input.policy, 'DROP');
  const web = input.rules[4];
  assert.deepEqual([web.match.proto?.values, web.match.src?.text, web.match.dport?.ports.map((p) => p.from), web.target], [['tcp'], '10.77.0.0/24', [8006, 3128], 'ACCEPT']);
  assert.deepEqual([input.rules[6].match.src?.negated, input.rules[6].target], [true, 'DROP']);
  assert.deepEqual([input.rules[9].target, input.rules[9].targetArgs], ['LOG', ['prefix', 'drop: ']]);
  assert.deepEqual(value.tables[0].chains.get('ADMIN')!.rules[0].targetArgs, ['with', 'tcp', 'reset']);
  assert.equal(value.tables[1].chains.get('INPUT')!.rules[1].match.proto?.values[0], 'ipv6-icmp');
});

test('an unclosed { does not make parsing quadratic', () => {
  const t0 = Date.now();
  const { diagnostics } = parseNftRuleset(`table ip t {\n chain c {\n ip saddr { 10.0.0.1,\n${'  10.0.0.2, { {\n'.repeat(20_000)}`);
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
  assert.ok(diagnostics.some((d) => /unclosed/.test(d.message)));
});
