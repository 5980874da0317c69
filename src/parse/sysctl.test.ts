import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeSysctlKey, parseSysctlA, parseSysctlConf, persistedValue } from './sysctl.js';

const SYSCTL_A = `kernel.dmesg_restrict = 0
kernel.panic = 0
net.ipv4.conf.all.accept_redirects = 1
net.ipv4.conf.vmbr0/100.forwarding = 1
net.ipv4.ip_forward = 1
net.ipv4.tcp_rmem = 4096\t131072\t6291456
net.ipv4.tcp_syncookies = 1
`;

test('sysctl -a: values by key, whitespace of multi-value entries collapsed', () => {
  const { value, diagnostics } = parseSysctlA(SYSCTL_A);
  assert.equal(value.get('kernel.dmesg_restrict')?.value, '0');
  assert.equal(value.get('net.ipv4.tcp_rmem')?.value, '4096 131072 6291456');
  assert.equal(value.get('net.ipv4.tcp_syncookies')?.line, 7);
  assert.equal(value.get('net.ipv4.conf.vmbr0/100.forwarding')?.value, '1');
  assert.deepEqual(diagnostics, []);
});

test('sysctl.d syntax: comments, "-" prefix, slash-separated keys, lines without "="', () => {
  const text = [
    '# /etc/sysctl.d/90-hardening.conf',
    '; also a comment',
    'net.ipv4.conf.all.accept_redirects = 0',
    '-net/ipv6/conf/all/accept_redirects=0',
    'net/ipv4/conf/vmbr0.100/forwarding = 1',
    'kernel.dmesg_restrict',
    'net.ipv4.conf.*.log_martians = 1',
  ].join('\n');
  const { value, diagnostics } = parseSysctlConf(text, '/etc/sysctl.d/90-hardening.conf');
  assert.deepEqual(value.map((s) => [s.key, s.value, s.line, s.ignoreErrors]), [
    ['net.ipv4.conf.all.accept_redirects', '0', 3, false],
    ['net.ipv6.conf.all.accept_redirects', '0', 4, true],
    ['net.ipv4.conf.vmbr0/100.forwarding', '1', 5, false],
    ['net.ipv4.conf.*.log_martians', '1', 7, false],
  ]);
  assert.deepEqual(diagnostics.map((d) => d.line), [6]);
  assert.equal(normalizeSysctlKey('kernel/dmesg_restrict'), 'kernel.dmesg_restrict');
});

test('precedence: later setting wins, an explicit key beats a glob regardless of order', () => {
  const a = parseSysctlConf('net.ipv4.conf.all.log_martians = 0\nkernel.dmesg_restrict = 1\n', '/etc/sysctl.d/10-a.conf').value;
  const b = parseSysctlConf('net.ipv4.conf.*.log_martians = 1\nkernel.dmesg_restrict = 0\n', '/etc/sysctl.d/20-b.conf').value;
  const all = [...a, ...b];
  assert.equal(persistedValue(all, 'net.ipv4.conf.all.log_martians')?.value, '0');
  assert.equal(persistedValue(all, 'net.ipv4.conf.eth0.log_martians')?.file, '/etc/sysctl.d/20-b.conf');
  assert.equal(persistedValue(all, 'kernel.dmesg_restrict')?.value, '0');
  assert.equal(persistedValue(all, 'net.ipv4.tcp_syncookies'), undefined);
});
