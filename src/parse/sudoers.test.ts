import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseSudoers, sudoAllRule, type SudoersResolver } from './sudoers.js';
import { ParseError } from './diagnostics.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function files(map: Record<string, string>): SudoersResolver {
  return {
    read: (p) => map[p],
    list: (dir) => Object.keys(map).filter((p) => p.startsWith(dir + '/') && !p.slice(dir.length + 1).includes('/')).sort().map((p) => ({ path: p, content: map[p] })),
  };
}

test('Debian 12 sudoers: root and %sudo get ALL; Defaults ignored; @includedir followed', () => {
  const resolver = files({
    '/etc/sudoers.d/README': '#\n# Files in this directory are included by @includedir\n#\n',
    '/etc/sudoers.d/90-ops': 'carol ALL=(ALL) NOPASSWD: ALL\n',
    '/etc/sudoers.d/ops.dpkg-old': 'dave ALL=(ALL) ALL\n',
    '/etc/sudoers.d/old~': 'erin ALL=(ALL) ALL\n',
  });
  const { value: s, diagnostics } = parseSudoers(fixture('debian12-sudoers'), '/etc/sudoers', resolver);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(s.files, ['/etc/sudoers', '/etc/sudoers.d/90-ops', '/etc/sudoers.d/README']);
  assert.deepEqual(s.rules.map((r) => `${r.users.map((u) => (u.kind === 'group' ? '%' : '') + u.name).join(',')}@${r.file}:${r.line}${r.nopasswd ? ' NOPASSWD' : ''}`), [
    'root@/etc/sudoers:47', '%sudo@/etc/sudoers:50', 'carol@/etc/sudoers.d/90-ops:1 NOPASSWD',
  ]);
  assert.equal(sudoAllRule(s.rules, 'alice', ['alice', 'sudo'])?.line, 50);
  assert.equal(sudoAllRule(s.rules, 'carol', ['carol'])?.file, '/etc/sudoers.d/90-ops');
  assert.equal(sudoAllRule(s.rules, 'dave', ['dave']), undefined);
  assert.equal(sudoAllRule(s.rules, 'erin', ['erin']), undefined);
});

test('aliases, negation, runas, limited commands, #include forms, continuation lines', () => {
  const main = [
    'User_Alias ADMINS = alice, %wheel, !mallory',
    'Cmnd_Alias EVERYTHING = ALL',
    'Cmnd_Alias BACKUP = /usr/bin/vzdump, /usr/sbin/pct',
    'Runas_Alias OP = root',
    'ADMINS ALL = (OP) EVERYTHING',
    'backup ALL=(root) NOPASSWD: BACKUP',
    'web ALL=(www-data) ALL',
    'grp ALL=(:adm) ALL',
    'frank,\\',
    '  gina ALL=(ALL:ALL) ALL',
    'alice ALL=(ALL) !ALL',
    '#include /etc/sudoers.local',
    'Defaults:alice !requiretty',
  ].join('\n') + '\n';
  const resolver = files({ '/etc/sudoers.local': 'Host_Alias PVE = pve1, pve2\nhenry PVE = (ALL) ALL : ALL = (root) NOPASSWD: /usr/bin/id\n' });
  const { value: s, diagnostics } = parseSudoers(main, '/etc/sudoers', resolver);
  assert.deepEqual(diagnostics, []);
  const who = (u: string, g: string[] = []) => sudoAllRule(s.rules, u, g);
  assert.equal(who('alice'), undefined, 'alice is revoked by the later !ALL');
  assert.equal(who('zoe', ['wheel'])?.line, 5);
  assert.equal(who('mallory', ['wheel']), undefined);
  assert.equal(who('backup'), undefined);
  assert.equal(who('web'), undefined);
  assert.equal(who('grp'), undefined);
  assert.equal(who('frank')?.line, 9);
  assert.equal(who('gina')?.line, 9);
  const henry = who('henry');
  assert.equal(henry?.file, '/etc/sudoers.local');
  assert.deepEqual(henry?.hosts, ['pve1', 'pve2']);
});

test('syntax errors are located; missing include is a warning', () => {
  const { value, diagnostics } = parseSudoers('this is not sudoers\n@include missing.conf\n%sudo ALL=(ALL:ALL) ALL\n', '/etc/sudoers', files({}));
  assert.deepEqual(diagnostics.map((d) => [d.line, d.severity]), [[1, 'error'], [2, 'warning']]);
  assert.match(diagnostics[1].message, /\/etc\/missing\.conf/);
  assert.equal(value.rules.length, 1);
});

test('an include loop stops', () => {
  const { diagnostics } = parseSudoers('@include /etc/sudoers\n', '/etc/sudoers', files({ '/etc/sudoers': '@include /etc/sudoers\n' }));
  assert.ok(diagnostics.some((d) => /too many levels/.test(d.message)));
});

test('fuzz: sudoers parser only throws ParseError', () => {
  const base = fixture('debian12-sudoers') + 'User_Alias A = b, !c\nA ALL=(ALL:ALL) NOPASSWD: ALL, !/bin/su : h = (x) ALL\n';
  let seed = 5;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const alphabet = ' \n=(),:!%#@\\ALLNOPASSWD';
  for (let i = 0; i < 1500; i++) {
    let s = base;
    for (let k = 0; k < 15; k++) {
      const p = Math.floor(rnd() * s.length);
      s = s.slice(0, p) + alphabet[Math.floor(rnd() * alphabet.length)] + s.slice(p + Math.floor(rnd() * 2));
    }
    try {
      const r = parseSudoers(s, '/etc/sudoers', files({ '/etc/sudoers.d/x': s.slice(0, 100) }));
      sudoAllRule(r.value.rules, 'a', ['sudo']);
    } catch (e) {
      assert.ok(e instanceof ParseError, String(e));
    }
  }
});

test('sudoAllRule: the last rule naming the user decides, among thousands of rules and accounts (rules indexed by whom they name)', () => {
  // every account asked about a sudoers of 20,000 user lines: rule by rule that is 4e8 comparisons
  const n = 20_000;
  const lines = ['%sudo ALL=(ALL:ALL) ALL', 'ALL ALL=(ALL) NOPASSWD: /usr/bin/uptime'];
  for (let i = 0; i < n; i++) lines.push(i % 7 === 3 ? `u${i} ALL=(ALL) !ALL` : `u${i} ALL=(ALL:ALL) NOPASSWD: ALL`);
  lines.push('User_Alias LATE = u5, %ops', 'LATE ALL=(root) ALL', '%ops, !u8 ALL=(ALL) !ALL', 'ALL, !u9 ALL=(ALL) ALL');
  const { rules } = parseSudoers(lines.join('\n') + '\n').value;
  const naive = (user: string, groups: string[]) => {
    let decided;
    for (const r of rules) {
      if (!r.asRoot) continue;
      let matched = false;
      let vetoed = false;
      for (const p of r.users) {
        const hit = p.kind === 'all' || (p.kind === 'user' && p.name === user) || (p.kind === 'group' && groups.includes(p.name));
        if (hit && p.negated) vetoed = true;
        else if (hit && !vetoed) matched = true;
        if (vetoed) break;
      }
      if (!vetoed && matched) decided = r.negated ? undefined : r;
    }
    return decided;
  };
  const groupsOf = (i: number) => (i % 5 === 0 ? ['sudo'] : i % 5 === 1 ? ['ops'] : i % 5 === 2 ? ['ops', 'sudo'] : []);
  // every account through the index; a sample (first ones, the aliased ones, a spread) against the plain walk
  const asked = new Map(Array.from({ length: n }, (_, i) => [i, sudoAllRule(rules, `u${i}`, groupsOf(i))]));
  for (const i of [...Array.from({ length: 30 }, (_, k) => k), 5, 8, 9, n - 1, ...Array.from({ length: 60 }, (_, k) => 331 * k + 17)]) {
    assert.equal(asked.get(i), naive(`u${i}`, groupsOf(i)), `u${i}`);
  }
  // the last line grants everyone but u9; %ops loses it again unless LATE names them
  assert.equal(sudoAllRule(rules, 'u9', [])?.text, 'u9 ALL=(ALL:ALL) NOPASSWD: ALL');
  assert.equal(sudoAllRule(rules, 'nobody', [])?.text, 'ALL, !u9 ALL=(ALL) ALL');
});
