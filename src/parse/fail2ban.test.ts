import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fail2banReadOrder, parseFail2banIni, parseFail2banTime, resolveFail2ban, resolveFilterRegexes, splitFilterSpec } from './fail2ban.js';
import { ParseError } from './diagnostics.js';

const fx = (p: string) => readFileSync(new URL(`../../test/fixtures/system/fail2ban/${p}`, import.meta.url), 'utf8');
const debianFiles = () => [
  { path: '/etc/fail2ban/jail.conf', content: fx('jail.conf') },
  { path: '/etc/fail2ban/jail.d/defaults-debian.conf', content: fx('jail.d/defaults-debian.conf') },
];
const paths = () => [
  { path: '/etc/fail2ban/paths-common.conf', content: fx('paths-common.conf') },
  { path: '/etc/fail2ban/paths-debian.conf', content: fx('paths-debian.conf') },
];

test('Debian 12 stock configuration: sshd enabled, defaults inherited, paths interpolated', () => {
  const { value, diagnostics } = resolveFail2ban(debianFiles(), paths());
  const sshd = value.jails.find((j) => j.name === 'sshd')!;
  assert.equal(sshd.enabled, true);
  assert.equal(sshd.options.get('logpath')?.value, '/var/log/auth.log');
  assert.equal(sshd.options.get('backend')?.value, 'auto');
  assert.equal(sshd.options.get('port')?.value, 'ssh');
  assert.equal(sshd.options.get('bantime')?.value, '10m');
  assert.equal(sshd.options.get('filter')?.value, 'sshd[mode=normal]');
  assert.deepEqual({ file: sshd.options.get('enabled')?.file, line: sshd.options.get('enabled')?.line },
    { file: '/etc/fail2ban/jail.d/defaults-debian.conf', line: 2 });
  assert.equal(value.jails.find((j) => j.name === 'recidive')?.enabled, false);
  assert.equal(value.jails.find((j) => j.name === 'recidive')?.options.get('bantime')?.value, '1w');
  assert.deepEqual(diagnostics, []);
});

test('jail.local overrides DEFAULT and jail options, and adds the proxmox jail', () => {
  const files = [...debianFiles(), { path: '/etc/fail2ban/jail.local', content: fx('jail.local') }];
  const { value } = resolveFail2ban(files, paths());
  const sshd = value.jails.find((j) => j.name === 'sshd')!;
  assert.equal(sshd.options.get('backend')?.value, 'systemd');
  assert.equal(sshd.options.get('maxretry')?.value, '3');
  assert.equal(sshd.options.get('maxretry')?.file, '/etc/fail2ban/jail.local');
  assert.equal(sshd.options.get('maxmatches')?.value, '3', 'interpolation sees the overriding maxretry');
  const pm = value.jails.find((j) => j.name === 'proxmox')!;
  assert.equal(pm.enabled, true);
  assert.equal(pm.options.get('port')?.value, 'https,http,8006');
  assert.equal(pm.options.get('journalmatch')?.value, '_SYSTEMD_UNIT=pvedaemon.service');
});

test('read order: jail.conf, jail.d/*.conf, jail.local, jail.d/*.local', () => {
  const order = fail2banReadOrder([
    '/etc/fail2ban/jail.local', '/etc/fail2ban/jail.d/b.local', '/etc/fail2ban/jail.d/z.conf', '/etc/fail2ban/jail.d/a.conf',
    '/etc/fail2ban/jail.conf', '/etc/fail2ban/jail.d/a.local', '/etc/fail2ban/jail.d/notes.txt',
  ]);
  assert.deepEqual(order, ['/etc/fail2ban/jail.conf', '/etc/fail2ban/jail.d/a.conf', '/etc/fail2ban/jail.d/z.conf',
    '/etc/fail2ban/jail.local', '/etc/fail2ban/jail.d/a.local', '/etc/fail2ban/jail.d/b.local']);
});

test('continuation lines, inline ; comments, ":" delimiter, case-insensitive keys', () => {
  const { value } = parseFail2banIni('[sshd]\nEnabled: true ; on\nlogpath = /var/log/auth.log\n          /var/log/secure\n');
  assert.equal(value.get('sshd')?.get('enabled')?.value, 'true');
  assert.equal(value.get('sshd')?.get('logpath')?.value, '/var/log/auth.log\n/var/log/secure');
});

test('%(known/x)s refers to the overridden value; undefined names and loops are diagnostics', () => {
  const files = [
    { path: '/etc/fail2ban/jail.conf', content: '[DEFAULT]\nport = ssh\n[sshd]\nenabled = true\nlogpath = %(nope)s\nmaxretry = %(findtime)s\nfindtime = %(maxretry)s\n' },
    { path: '/etc/fail2ban/jail.local', content: '[sshd]\nport = %(known/port)s,2222\n' },
  ];
  const { value, diagnostics } = resolveFail2ban(files);
  const sshd = value.jails[0];
  assert.equal(sshd.options.get('port')?.value, 'ssh,2222');
  assert.equal(sshd.options.has('logpath'), false);
  assert.ok(diagnostics.some((d) => /nope/.test(d.message) && d.line === 5));
  assert.ok(diagnostics.some((d) => /deeper|itself/.test(d.message)));
});

test('time values', () => {
  assert.equal(parseFail2banTime('600'), 600);
  assert.equal(parseFail2banTime('10m'), 600);
  assert.equal(parseFail2banTime('1h'), 3600);
  assert.equal(parseFail2banTime('1d'), 86400);
  assert.equal(parseFail2banTime('1w'), 604800);
  assert.equal(parseFail2banTime('1h 30m'), 5400);
  assert.equal(parseFail2banTime('-1'), -1);
  assert.equal(parseFail2banTime('soon'), undefined);
});

test('proxmox filter failregex and filter spec options', () => {
  const { value } = resolveFilterRegexes([{ path: '/etc/fail2ban/filter.d/proxmox.conf', content: fx('filter.d/proxmox.conf') }]);
  assert.equal(value.length, 1);
  assert.match(value[0], /authentication \(verification \)\?failure; rhost=<HOST>/);
  assert.deepEqual(splitFilterSpec('sshd[mode=aggressive]'), { name: 'sshd', options: { mode: 'aggressive' } });
});

test('garbage lines are diagnostics, binary input is a ParseError', () => {
  const r = parseFail2banIni('orphan = 1\n[sshd]\n=novalue\n');
  assert.equal(r.diagnostics.length, 2);
  assert.throws(() => parseFail2banIni(Buffer.from([0x5b, 0, 0x5d])), ParseError);
});
