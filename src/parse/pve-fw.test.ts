import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { clusterFirewallEnabled, MAX_IGNORED_RULES, parseClusterFw, parseHostFw, resolveAddress, type ClusterFw, type FwRule } from './pve-fw.js';
import { ParseError } from './diagnostics.js';

const FIX = new URL('../../test/fixtures/pve-firewall/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIX));

function loadCase(dir: string): { cluster: ClusterFw; rules: FwRule[] } {
  const cluster = parseClusterFw(fixture(`${dir}/cluster.fw`), '/etc/pve/firewall/cluster.fw').value;
  const rules = [...cluster.rules, ...[...cluster.groups.values()].flatMap((g) => g.rules)];
  if (existsSync(new URL(`${dir}/host.fw`, FIX))) {
    rules.push(...parseHostFw(fixture(`${dir}/host.fw`), '/etc/pve/nodes/pve1/host.fw', cluster).value.rules);
  }
  return { cluster, rules };
}

const ignoredAt = (rules: FwRule[]) => rules.filter((r) => r.ignored).map((r) => `${r.file.endsWith('host.fw') ? 'host' : 'cluster'}:${r.line}`);

test('generated case 0001: unknown ipset, unknown macro, backwards port range are skipped', () => {
  const { cluster, rules } = loadCase('generated-0001');
  assert.deepEqual(ignoredAt(rules), ['cluster:27', 'host:11', 'host:12']);
  assert.equal(cluster.options.get('policy_in')?.value, 'REJECT');
  assert.equal(cluster.options.get('enable')?.value, 1);
  // aliases are stored lowercased; `Jumphost` in a group resolves case-insensitively
  assert.ok(cluster.aliases.has('jumphost'));
  const mail = cluster.groups.get('mail')!;
  assert.equal(mail.rules[1].ignored, undefined);
  assert.equal(mail.rules[1].sourceAddr?.kind, 'alias');
  // a GROUP reference with the wrong case is not an error (it just refers to an empty group)
  const groupRef = cluster.rules.find((r) => r.type === 'group')!;
  assert.equal(groupRef.action, 'Mail');
  assert.equal(groupRef.ignored, undefined);
  // lowercase type is fine, rule kept
  const host = rules.filter((r) => r.file.endsWith('host.fw'));
  assert.equal(host[7].text, 'in ACCEPT -p tcp -dport 22,2222');
  assert.equal(host[7].ignored, undefined);
  assert.deepEqual(host[7].matches[0].dport?.map((p) => p.from), [22, 2222]);
});

test('generated case 0002: macro with dport but no proto, ipset reference with wrong case', () => {
  const { rules } = loadCase('generated-0002');
  assert.deepEqual(ignoredAt(rules), ['cluster:11', 'cluster:12', 'cluster:17']);
  const disabled = rules.find((r) => r.line === 17)!;
  assert.equal(disabled.enabled, false);
  assert.match(rules.find((r) => r.line === 12)!.ignored!, /no such ipset 'Admins'/);
});

test('generated case 0071: macro conflict, dc/local_network undefined, +management undefined, ipset defined nowhere', () => {
  const { rules } = loadCase('generated-0071');
  assert.deepEqual(ignoredAt(rules), ['cluster:14', 'cluster:22', 'cluster:28', 'cluster:29', 'host:10', 'host:13']);
  assert.match(rules.find((r) => r.file.endsWith('cluster.fw') && r.line === 22)!.ignored!, /conflicts with macro SSH/);
  assert.match(rules.find((r) => r.line === 28)!.ignored!, /local_network/);
  // `--source` is accepted, icmp "ports" are icmp types
  const web = rules.find((r) => r.file.endsWith('cluster.fw') && r.line === 17)!;
  assert.equal(web.ignored, undefined);
  assert.equal(web.macro, 'Web');
  assert.deepEqual(web.matches.map((m) => [m.proto, m.dport?.[0].from]), [['tcp', 80], ['tcp', 443]]);
  const icmp = rules.find((r) => r.line === 35)!;
  assert.equal(icmp.ignored, undefined);
  assert.equal(icmp.matches[0].icmpType, 'fragmentation-needed');
  // FORWARD rules are valid (they just do not apply to host traffic)
  assert.equal(rules.find((r) => r.file.endsWith('host.fw') && r.line === 11)!.type, 'forward');
});

test('upstream test-errors3: dport without protocol in host.fw is ignored', () => {
  const { rules } = loadCase('upstream-test-errors3');
  assert.equal(rules.length, 1);
  assert.match(rules[0].ignored!, /-dport requires -p/);
});

test('upstream test-ipset1: ipsets with alias entries, lowercase section names, trailing spaces', () => {
  const { cluster, rules } = loadCase('upstream-test-ipset1');
  assert.deepEqual([...cluster.ipsets.keys()], ['management', 'myipset', 'dmzhosts', 'blacklist']);
  const my = cluster.ipsets.get('myipset')!;
  assert.deepEqual(my.entries.map((e) => e.error), [undefined, undefined, undefined, undefined, undefined]);
  const resolved = resolveAddress({ kind: 'ipset', name: 'myipset' }, cluster)!;
  assert.equal(resolved.match.length, 5);
  assert.equal(ignoredAt(rules).length, 0);
  assert.equal(rules[0].action, 'REJECT');
  assert.equal(rules[0].destAddr?.kind, 'ipset');
});

test('upstream test-group1: groups are lowercased and hold their rules', () => {
  const { cluster, rules } = loadCase('upstream-test-group1');
  assert.deepEqual([...cluster.groups.keys()], ['group1', 'group2', 'group3']);
  assert.equal(cluster.groups.get('group1')!.rules.length, 4);
  assert.equal(rules.filter((r) => r.type === 'group').length, 1);
  assert.equal(ignoredAt(rules).length, 0);
});

const CLUSTER = `[OPTIONS]

enable: 1
policy_in: DROP

[ALIASES]

bastion 192.0.2.10 # jump host
adminlan 10.10.0.0/24

[IPSET management] # Proxmox management
adminlan
10.20.0.5
! 10.10.0.66

[RULES]

IN SSH(ACCEPT) -source +management -log nolog
IN ACCEPT -source bastion -p tcp -dport 8006
IN ACCEPT -source +monitoring -p tcp -dport 9100
IN accept -p tcp -dport 443
IN ACCEPT -dport 3128
IN ACCEPT -source local_network -p tcp -dport 22
IN DNS(ACCEPT) -p udp
IN ACCEPT -p tcp -dport 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16
IN ACCEPT -source 10.1.2.3/24 -p tcp -dport 22
IN ACCEPT -source 10.1.2.0/24,10.9.0.1-10.9.0.9 -p tcp
IN ACCEPT -p tcp -dport www
IN ACCEPT -p udp -sport ntp -dport ssh
IN LOG -p tcp
GROUP webservers -i vmbr0

[IPSET monitoring]

10.30.0.0/28

[group webservers]

IN HTTPS(ACCEPT)
IN ACCEPT -i vmbr0 -p tcp -dport 80
`;

test('realistic cluster.fw: every kind of silently ignored rule is kept with its reason and line', () => {
  const { value: conf, diagnostics } = parseClusterFw(CLUSTER);
  const byLine = new Map(conf.rules.map((r) => [r.line, r]));
  assert.equal(byLine.get(18)!.ignored, undefined, 'SSH macro from +management (defined above) applies');
  assert.deepEqual(byLine.get(18)!.matches, [{ action: 'ACCEPT', proto: 'tcp', dport: [{ from: 22, to: 22, text: '22' }] }]);
  assert.equal(byLine.get(19)!.ignored, undefined);
  assert.match(byLine.get(20)!.ignored!, /no such ipset 'monitoring'/, 'ipset defined later in the file');
  assert.match(byLine.get(21)!.ignored!, /upper case/);
  assert.match(byLine.get(22)!.ignored!, /requires -p/);
  assert.match(byLine.get(23)!.ignored!, /local_network/);
  assert.match(byLine.get(24)!.ignored!, /-p udp conflicts with macro DNS/);
  assert.match(byLine.get(25)!.ignored!, /too many entries/);
  assert.match(byLine.get(26)!.ignored!, /host bits/);
  assert.match(byLine.get(27)!.ignored!, /range in a list/);
  assert.match(byLine.get(28)!.ignored!, /invalid port 'www'/, 'service aliases are not accepted');
  assert.equal(byLine.get(29)!.ignored, undefined, 'service names resolve (ntp 123, ssh 22)');
  assert.deepEqual(byLine.get(29)!.matches[0].sport, [{ from: 123, to: 123, text: 'ntp' }]);
  assert.match(byLine.get(30)!.ignored!, /invalid action 'LOG'/);
  assert.equal(byLine.get(31)!.ignored, undefined, 'GROUP with -i is allowed in [RULES]');
  assert.equal(byLine.get(31)!.iface, 'vmbr0');
  const group = conf.groups.get('webservers')!;
  assert.equal(group.rules[0].ignored, undefined);
  assert.match(group.rules[1].ignored!, /-i not allowed inside a security group/);
  assert.equal(byLine.get(19)!.sourceAddr?.kind, 'alias');
  const mgmt = conf.ipsets.get('management')!;
  assert.equal(mgmt.comment, 'Proxmox management');
  assert.deepEqual(mgmt.entries.map((e) => [e.cidr, e.nomatch]), [['adminlan', false], ['10.20.0.5', false], ['10.10.0.66', true]]);
  assert.equal(conf.aliases.get('bastion')!.comment, 'jump host');
  assert.ok(diagnostics.some((d) => d.line === 20 && /ignored/.test(d.message)));
  assert.ok(diagnostics.every((d) => d.file === '/etc/pve/firewall/cluster.fw'));
});

test('host.fw: options, rules verified against cluster aliases; a stray [ALIASES] header is read as a rule line', () => {
  const cluster = parseClusterFw(CLUSTER).value;
  const { value, diagnostics } = parseHostFw(`[OPTIONS]
enable: 0
nftables: 1
log_level_in: info
tcpflags: yes

[RULES]
IN ACCEPT -source bastion -p tcp -dport 22 # ops
|IN DROP -p tcp -dport 8006
IN ACCEPT -source +Management -p tcp -dport 22

[ALIASES]
foo 1.2.3.4
`, '/etc/pve/nodes/pve1/host.fw', cluster);
  assert.equal(value.options.get('enable')?.value, 0);
  assert.equal(value.options.get('nftables')?.value, 1);
  assert.equal(value.options.get('log_level_in')?.value, 'info');
  assert.equal(value.options.has('tcpflags'), false);
  assert.ok(diagnostics.some((d) => d.line === 5 && /can't parse option/.test(d.message)));
  // host.fw knows only [OPTIONS] and [RULES]: pve-firewall reads `[ALIASES]` and `foo 1.2.3.4` as rules (and skips both).
  assert.equal(value.rules.length, 5);
  assert.equal(value.rules[0].comment, 'ops');
  assert.equal(value.rules[0].ignored, undefined);
  assert.equal(value.rules[1].enabled, false);
  assert.match(value.rules[2].ignored!, /no such ipset 'Management'/);
  assert.match(value.rules[3].ignored!, /section header \[ALIASES\] is not allowed in host\.fw: read as a rule/);
  assert.match(value.rules[4].ignored!, /unknown rule type 'foo'/);
  assert.ok(diagnostics.some((d) => d.line === 12));
});

test('host.fw: a valid rule below a stray [group x] header still applies as a host rule (pve-firewall has no such section in host.fw)', () => {
  const { value } = parseHostFw('[RULES]\nIN ACCEPT -p tcp -dport 22\n[group admins]\nIN DROP -p tcp -dport 8006\n', '/etc/pve/nodes/pve1/host.fw');
  assert.deepEqual(value.rules.map((r) => [r.line, r.ignored === undefined]), [[2, true], [3, false], [4, true]]);
  assert.equal(value.rules[2].action, 'DROP');
});

test('datacenter switch: enable values and the anti-lockout timestamp', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  const opt = (s: string) => clusterFirewallEnabled(parseClusterFw(`[OPTIONS]\n${s}\n`).value, now).enabled;
  assert.equal(opt('enable: 1'), true);
  assert.equal(opt('enable: 0'), false);
  assert.equal(opt('enable: yes'), false);
  assert.equal(opt('policy_in: DROP'), false);
  assert.equal(opt('enable: 2'), false);
  assert.equal(opt('enable: 4102444800'), true);
  assert.equal(opt(`enable: ${Math.floor(now.getTime() / 1000) - 30}`), true);
});

test('IPv6 addresses, ipset entries with zero prefix, lines before any section', () => {
  const { value, diagnostics } = parseClusterFw(`enable: 1
[IPSET v6]
2001:db8::/32
0.0.0.0/0
[RULES]
IN ACCEPT -source 2001:db8::1 -p tcp -dport 22
IN ACCEPT -source 2001:db8::1 -dest 10.0.0.1 -p tcp -dport 22
`);
  assert.ok(diagnostics.some((d) => d.line === 1 && /no section/.test(d.message)));
  assert.equal(value.ipsets.get('v6')!.entries[1].error !== undefined, true);
  assert.equal(value.rules[0].ignored, undefined);
  assert.equal(value.rules[0].ipversion, 6);
  assert.match(value.rules[1].ignored!, /mixed/);
});

test('never throws on garbage, rejects binary input with a located ParseError', () => {
  assert.throws(() => parseClusterFw(Buffer.from('[RULES]\nIN ACCEPT\0')), ParseError);
  const junk = ['[RULES]', 'IN', '|', 'IN ACCEPT -p', 'GROUP', 'IN ACCEPT -source +', 'IN ACCEPT -source ,', '[group ]', '[IPSET x]', '!', '# c',
    'IN SSH(ACCEPT) -p tcp -dport 22 -sport 1:2:3', 'OUT ((ACCEPT)) -dest ::::', 'IN ACCEPT -source 1.2.3.4-1.2.3.1 -p tcp'];
  for (let i = 0; i < 500; i++) {
    const text = Array.from({ length: 6 }, (_, j) => junk[(i * 7 + j * 13) % junk.length]).join('\n');
    parseClusterFw(text);
    parseHostFw(text);
  }
});

test('long lines are parsed in linear time (no regexp backtracking on blanks or many options)', () => {
  const t0 = Date.now();
  parseClusterFw(`[ALIASES]\nweb 192.0.2.1${' '.repeat(200_000)}x\n[RULES]\nIN ACCEPT ${'-p tcp '.repeat(30_000)}\nIN ACCEPT -p tcp # ${' '.repeat(200_000)}x\n[IPSET s]\n10.0.0.1 #${' \t'.repeat(100_000)}y\n`);
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
});

test('zone suffixes never reach the address arithmetic', () => {
  assert.match(String(parseClusterFw('[RULES]\nIN ACCEPT -source fe80::1%vmbVersion:r0 -p tcp\n').value.rules[0].ignored), /invalid IP address/);
});

test('the oracle\'s generated cases: exactly the 392 rules in 161 cases that pve-firewall skips are ignored', async () => {
  const { loadOracle } = await import('../../test/support/oracle.js');
  const cases = loadOracle('pve-firewall').filter((c) => c.source === 'generated');
  let ignored = 0;
  const withIgnored = new Set<string>();
  for (const c of cases) {
    const cluster = parseClusterFw(c.files['cluster.fw']).value;
    const host = c.files['host.fw'] === undefined ? [] : parseHostFw(c.files['host.fw'], '/etc/pve/nodes/pve1/host.fw', cluster).value.rules;
    const rules = [...cluster.rules, ...host, ...[...cluster.groups.values()].flatMap((g) => g.rules)];
    const n = rules.filter((r) => r.ignored).length;
    ignored += n;
    if (n) withIgnored.add(c.case);
  }
  assert.deepEqual([ignored, withIgnored.size], [392, 161]);
});

const crlf = (s: string | Buffer) => String(s).replace(/\n/g, '\r\n');

test('CRLF cluster.fw: [OPTIONS]/[ALIASES]/[RULES] headers keep their CR and match nothing, so enable is never read', () => {
  const { value, diagnostics } = parseClusterFw(crlf(fixture('generated-0001/cluster.fw')));
  assert.equal(value.options.size, 0);
  assert.equal(clusterFirewallEnabled(value, new Date('2026-11-25T12:00:00Z')).enabled, false);
  assert.equal(value.aliases.size, 0);
  assert.equal(value.rules.length, 0);
  assert.deepEqual(value.crlf?.unreadHeaders, [{ line: 1, text: '[OPTIONS]' }, { line: 7, text: '[ALIASES]' }, { line: 19, text: '[RULES]' }]);
  assert.equal(value.crlf?.lines, fixture('generated-0001/cluster.fw').toString().split('\n').length - 1);
  // [IPSET x] and [group x] allow trailing blanks (\s* eats the CR): those sections are read, and the
  // [RULES] lines below [IPSET blacklist] become (invalid) entries of that ipset.
  const blacklist = value.ipsets.get('blacklist')!;
  assert.deepEqual(blacklist.entries.filter((e) => !e.error).map((e) => e.cidr), ['1.32.197.150']);
  assert.equal(blacklist.entries.filter((e) => e.error).length, 14, 'the [RULES] line itself and its 13 rules');
  assert.deepEqual([...value.groups.keys()], ['ceph', 'mail']);
  assert.equal(value.groups.get('mail')!.rules[0].ignored, undefined);
  assert.match(value.groups.get('mail')!.rules[1].ignored!, /no such alias 'jumphost'/, 'aliases were never read');
  assert.ok(diagnostics.some((d) => d.line === 5 && /no section/.test(d.message)), '`enable: 1` skipped: no section');
  assert.ok(value.crlf!.affectedLines.includes(5) && value.crlf!.affectedLines.includes(21) && !value.crlf!.affectedLines.includes(36));
});

test('CRLF host.fw: every line is outside a section; its options and rules have no effect', () => {
  const cluster = parseClusterFw(fixture('generated-0001/cluster.fw')).value;
  const { value, diagnostics } = parseHostFw(crlf(fixture('generated-0001/host.fw')), '/etc/pve/nodes/pve1/host.fw', cluster);
  assert.equal(value.options.size, 0);
  assert.equal(value.rules.length, 0);
  assert.deepEqual(value.crlf?.unreadHeaders, [{ line: 1, text: '[OPTIONS]' }, { line: 5, text: '[RULES]' }]);
  assert.equal(diagnostics.filter((d) => /no section/.test(d.message)).length, 12, 'both headers, enable: 1 and the 9 rules');
  assert.equal(parseHostFw(fixture('generated-0001/host.fw'), '/etc/pve/nodes/pve1/host.fw', cluster).value.crlf, undefined);
});

test('lines are trimmed of blanks and tabs as pve-firewall does (indented headers and comments count), a CR is not', () => {
  const { value } = parseClusterFw('  [OPTIONS]\n\tenable: 1\n  # note\n [ALIASES]\nadmin 10.0.0.1\r\nbastion 10.0.0.2 # jump\r\n[RULES]  \nIN ACCEPT -source bastion -p tcp -dport 22\r\n');
  assert.equal(value.options.get('enable')?.value, 1);
  assert.deepEqual([...value.aliases.keys()], ['bastion'], 'an alias line without comment keeps its CR and fails `^(\\S+)\\s(\\S+)$`');
  assert.equal(value.rules[0].ignored, undefined, 'the CR after the last option is blank space to the rule parser');
  assert.deepEqual(value.crlf?.affectedLines, [5]);
  assert.deepEqual(value.crlf?.unreadHeaders, []);  // An option line's CR is eaten by `\s*$` in parse_clusterfw_option: `enable: 1\r` counts once its header was recognised.
  assert.equal(parseClusterFw('[OPTIONS]\nenable: 1\r\n').value.options.get('enable')?.value, 1);
  assert.equal(parseClusterFw('[OPTIONS]\r\nenable: 1\n').value.options.size, 0);
});

test('security group names longer than 18 characters are refused: the section is skipped ($max_group_name_length)', () => {
  const { value, diagnostics } = parseClusterFw('[group monitoring-agents]\nIN ACCEPT -p tcp -dport 9100\n[group monitoring-agents-v2]\nIN ACCEPT -p tcp -dport 9100\n');
  assert.deepEqual([...value.groups.keys()], ['monitoring-agents']);
  assert.ok(diagnostics.some((d) => d.line === 3 && /invalid security group name 'monitoring-agents-v2' \(longer than 18 characters\)/.test(d.message)));
  assert.ok(diagnostics.some((d) => d.line === 4 && /no section/.test(d.message)));
});

test('icmp types: -icmp-type takes names only (a number is refused), -dport takes a number for icmp/icmpv6', () => {
  const rules = parseClusterFw(`[RULES]
IN ACCEPT -p icmp -icmp-type 8
IN ACCEPT -p icmp -dport 8
IN ACCEPT -p icmpv6 -icmp-type neighbour-solicitation
IN ACCEPT -p icmpv6 -icmp-type any
IN ACCEPT -p icmpv6 -icmp-type timestamp-request
`).value.rules;
  assert.match(rules[0].ignored!, /invalid icmp-type '8' for proto 'icmp'/);
  assert.equal(rules[1].ignored, undefined);
  assert.deepEqual(rules[1].matches, [{ action: 'ACCEPT', proto: 'icmp', icmpType: '8' }]);
  assert.equal(rules[2].ignored, undefined);
  assert.match(rules[3].ignored!, /invalid icmp-type 'any' for proto 'icmpv6'/);
  assert.match(rules[4].ignored!, /invalid icmp-type 'timestamp-request' for proto 'icmpv6'/);
});

test('runs of identical ignored rule lines are one rule and one diagnostic that say how many lines', () => {
  const text = [
    '[OPTIONS]', 'enable: 1', '', '[RULES]',
    '{', '{', '# a comment inside the run', '', '{', // 5, 6, 9: one run of 3
    '}', '}', // 10, 11: another run (different text)
    'IN ACCEPT -p tcp -dport 22', // 12: applied, ends the run
    '}', // 13: alone
    'IN ACCEPT -dport 80', 'IN ACCEPT -dport 80', // 14, 15: ignored (no -p), a run of 2
    '|IN ACCEPT -dport 80', '|IN ACCEPT -dport 80', // 16, 17: disabled: a run of their own, no diagnostic
    '[group web]', '{', '{', // 19, 20 in the group
    '[RULES]', '{', // 22: back in [RULES] after another section: not part of the run at 5
    '',
  ].join('\n');
  const { value, diagnostics } = parseClusterFw(text);
  const shape = (r: FwRule) => [r.line, r.text, r.run?.count ?? 1, r.run?.lastLine ?? r.line];
  assert.deepEqual(value.rules.map(shape), [
    [5, '{', 3, 9], [10, '}', 2, 11], [12, 'IN ACCEPT -p tcp -dport 22', 1, 12], [13, '}', 1, 13],
    [14, 'IN ACCEPT -dport 80', 2, 15], [16, '|IN ACCEPT -dport 80', 2, 17], [22, '{', 1, 22],
  ]);
  assert.deepEqual(value.groups.get('web')!.rules.map(shape), [[19, '{', 2, 20]]);
  assert.deepEqual(diagnostics.map((d) => `${d.line}: ${d.message}`), [
    '5: rule ignored by Proxmox: unable to parse rule: expected "TYPE ACTION [options]" (3 identical lines, 5-9)',
    '10: rule ignored by Proxmox: unable to parse rule: expected "TYPE ACTION [options]" (2 identical lines, 10-11)',
    '13: rule ignored by Proxmox: unable to parse rule: expected "TYPE ACTION [options]"',
    '14: rule ignored by Proxmox: -dport requires -p (protocol) (2 identical lines, 14-15)',
    '19: rule ignored by Proxmox: unable to parse rule: expected "TYPE ACTION [options]" (2 identical lines, 19-20)',
    '22: rule ignored by Proxmox: unable to parse rule: expected "TYPE ACTION [options]"',
  ]);
});

test('host.fw: a million `{` lines are one rule (issue 8)', () => {
  const n = 1_000_000;
  const { value, diagnostics } = parseHostFw('[RULES]\n' + '{\n'.repeat(n) + 'IN ACCEPT -p tcp -dport 22\n');
  assert.deepEqual(value.rules.map((r) => [r.line, r.run?.count ?? 1, r.run?.lastLine ?? r.line]), [[2, n, n + 1], [n + 2, 1, n + 2]]);
  assert.equal(diagnostics.length, 1);
  assert.match(diagnostics[0].message, / \(1000000 identical lines, 2-1000001\)$/);
});

test('past MAX_IGNORED_RULES ignored rules a file keeps only their line numbers, and one diagnostic says how many', () => {
  const extra = 5;
  // alternating { and }: no run merges; a disabled one and an applied rule among those past the cap
  const lines = ['[OPTIONS]', 'enable: 1', '[RULES]'];
  for (let i = 0; i < MAX_IGNORED_RULES + extra; i++) lines.push(i % 2 ? '}' : '{');
  lines.push('|{', 'IN ACCEPT -p tcp -dport 22', '}');
  const { value, diagnostics } = parseClusterFw(lines.join('\n') + '\n');
  const first = 4 + MAX_IGNORED_RULES;
  assert.equal(value.rules.length, MAX_IGNORED_RULES + 1);
  assert.deepEqual(value.rules.at(-1)!.text, 'IN ACCEPT -p tcp -dport 22');
  assert.deepEqual(value.ignoredNotKept, [first, first + 1, first + 2, first + 3, first + 4, first + 7]);
  assert.equal(diagnostics.length, MAX_IGNORED_RULES + 1);
  assert.deepEqual(diagnostics.at(-1), {
    file: '/etc/pve/firewall/cluster.fw', line: first, severity: 'warning',
    message: `rule ignored by Proxmox: 7 more ignored rule lines between lines ${first} and ${first + 7} (6 of them enabled), not listed one by one (a file lists its first ${MAX_IGNORED_RULES})`,
  });
});

test('option lines that start with no letter are reported like any unparsable option (cluster.fw and host.fw)', () => {
  const lines = ['{', '}', '1: 0', '[x]', '_enable: 1', '@enable: 1', 'Enable: 1', 'ENABLE:1'];
  const text = `[OPTIONS]\n${lines.join('\n')}\n`;
  const cluster = parseClusterFw(text);
  const host = parseHostFw(text);
  for (const parsed of [cluster, host]) {
    assert.deepEqual(parsed.diagnostics.map((d) => [d.line, d.message]), lines.slice(0, 6).map((l, i) => [i + 2, `can't parse option '${l}'`]));
  }
  assert.equal(cluster.value.options.get('enable')?.value, 1);
  assert.equal(host.value.options.get('enable')?.value, 1);
});
