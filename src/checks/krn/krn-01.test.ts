import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { krn01 } from './krn-01.js';

// `sysctl -a` excerpt of a fresh PVE 9 node (unsorted keys trimmed)
const FRESH = `kernel.dmesg_restrict = 0
kernel.kptr_restrict = 0
net.ipv4.conf.all.accept_redirects = 1
net.ipv4.conf.all.log_martians = 0
net.ipv4.conf.all.send_redirects = 1
net.ipv4.icmp_echo_ignore_broadcasts = 1
net.ipv4.ip_forward = 1
net.ipv4.tcp_syncookies = 1
net.ipv6.conf.all.accept_redirects = 1
`;
const HARD = FRESH.replace('dmesg_restrict = 0', 'dmesg_restrict = 1').replace(/accept_redirects = 1/g, 'accept_redirects = 0')
  .replace('log_martians = 0', 'log_martians = 1').replace('send_redirects = 1', 'send_redirects = 0');
const CONF = `# /etc/sysctl.d/90-hardening.conf
net.ipv4.conf.all.accept_redirects = 0
net/ipv6/conf/all/accept_redirects = 0
net.ipv4.conf.all.send_redirects = 0
net.ipv4.tcp_syncookies = 1
net.ipv4.conf.all.log_martians = 1
net.ipv4.icmp_echo_ignore_broadcasts = 1
kernel.dmesg_restrict = 1
`;
const ALL = (s: string) => Array(7).fill(s);

test('KRN-01 one verdict per sysctl key', () => {
  assertCases(krn01, [
    { name: 'hardened live and persisted', node: { commands: { 'sysctl -a': HARD }, files: { '/etc/sysctl.d/90-hardening.conf': CONF } }, expect: ALL('PASS'), message: 'kernel.dmesg_restrict = 1 live and persisted in /etc/sysctl.d/90-hardening.conf:8' },
    { name: 'fresh install, nothing persisted', node: { commands: { 'sysctl -a': FRESH } },
      expect: ['FAIL', 'FAIL', 'FAIL', 'FAIL', 'FAIL', 'FAIL', 'FAIL'], message: /net\.ipv4\.conf\.all\.accept_redirects = 1 live \(expected 0\)[\s\S]*net\.ipv4\.tcp_syncookies = 1 live but not persisted/ },
    { name: 'persisted but not applied', node: { commands: { 'sysctl -a': FRESH }, files: { '/etc/sysctl.d/90-hardening.conf': CONF } },
      expect: ['FAIL', 'FAIL', 'FAIL', 'PASS', 'FAIL', 'PASS', 'FAIL'], message: 'although /etc/sysctl.d/90-hardening.conf:2 sets 0 (not applied: run sysctl --system)' },
    { name: 'a later file (sysctl.conf as 99-sysctl.conf) undoes a setting', node: { commands: { 'sysctl -a': HARD }, files: { '/etc/sysctl.d/90-hardening.conf': CONF, '/etc/sysctl.conf': '#kernel.domainname = example.com\nkernel.dmesg_restrict = 0\n' } },
      expect: ['PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'FAIL'], message: 'kernel.dmesg_restrict is persisted as 0 in /etc/sysctl.conf:2 (expected 1): wrong after the next reboot' },
    { name: 'IPv6 disabled: key absent', node: { commands: { 'sysctl -a': HARD.replace(/^net\.ipv6.*\n/m, '') }, files: { '/etc/sysctl.d/90-hardening.conf': CONF } },
      expect: ['PASS', 'SKIP', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS'], message: 'IPv6 disabled?' },
    { name: 'sysctl -a not collected', node: { errors: { 'sysctl -a': 'not installed' }, files: { '/etc/sysctl.d/90-hardening.conf': CONF } }, expect: ALL('SKIP'), message: 'live value unknown (sysctl -a: not installed)' },
    { name: 'sysctl.d unreadable', node: { commands: { 'sysctl -a': HARD }, errors: { '/etc/sysctl.d': 'permission denied' } }, expect: ALL('SKIP'), message: 'persistence unknown (/etc/sysctl.d: permission denied)' },
  ]);
});
