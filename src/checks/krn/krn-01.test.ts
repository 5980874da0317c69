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
// the same keys on a node running a Proxmox (or Debian) kernel, built with CONFIG_SECURITY_DMESG_RESTRICT=y
const PVE_KERNEL = FRESH.replace('dmesg_restrict = 0', 'dmesg_restrict = 1');
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
    { name: 'fresh install, nothing persisted: syncookies and broadcast pings are kernel defaults', node: { commands: { 'sysctl -a': FRESH } },
      expect: ['FAIL', 'FAIL', 'FAIL', 'PASS', 'FAIL', 'PASS', 'FAIL'], message: /net\.ipv4\.conf\.all\.accept_redirects = 1 live \(expected 0\)[\s\S]*net\.ipv4\.tcp_syncookies = 1 live, the kernel default \(net\/ipv4\/tcp_ipv4\.c\): no \/etc\/sysctl\.d line needed/ },
    { name: 'persisted but not applied', node: { commands: { 'sysctl -a': FRESH }, files: { '/etc/sysctl.d/90-hardening.conf': CONF } },
      expect: ['FAIL', 'FAIL', 'FAIL', 'PASS', 'FAIL', 'PASS', 'FAIL'], message: 'although /etc/sysctl.d/90-hardening.conf:2 sets 0 (not applied: run sysctl --system)' },
    { name: 'a later file (sysctl.conf as 99-sysctl.conf) undoes a setting', node: { commands: { 'sysctl -a': HARD }, files: { '/etc/sysctl.d/90-hardening.conf': CONF, '/etc/sysctl.conf': '#kernel.domainname = example.com\nkernel.dmesg_restrict = 0\n' } },
      expect: ['PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'FAIL'], message: 'kernel.dmesg_restrict is persisted as 0 in /etc/sysctl.conf:2 (expected 1): wrong after the next reboot' },
    { name: 'IPv6 disabled: key absent', node: { commands: { 'sysctl -a': HARD.replace(/^net\.ipv6.*\n/m, '') }, files: { '/etc/sysctl.d/90-hardening.conf': CONF } },
      expect: ['PASS', 'SKIP', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS'], message: 'IPv6 disabled?' },
    { name: 'Proxmox kernel, nothing persisted: dmesg_restrict=1 is its default', node: { commands: { 'sysctl -a': PVE_KERNEL, 'uname -r': '6.17.2-1-pve\n' } },
      expect: ['FAIL', 'FAIL', 'FAIL', 'PASS', 'FAIL', 'PASS', 'PASS'], message: 'kernel.dmesg_restrict = 1 live, the kernel default (CONFIG_SECURITY_DMESG_RESTRICT=y of Proxmox (-pve) and Debian kernels)' },
    { name: 'Debian kernel, nothing persisted', node: { commands: { 'sysctl -a': PVE_KERNEL, 'uname -r': '6.12.57+deb13-amd64\n' } },
      expect: ['FAIL', 'FAIL', 'FAIL', 'PASS', 'FAIL', 'PASS', 'PASS'] },
    { name: 'self-built kernel: dmesg_restrict default unknown, set only live', node: { commands: { 'sysctl -a': PVE_KERNEL, 'uname -r': '6.18.0-custom\n' } },
      expect: ['FAIL', 'FAIL', 'FAIL', 'PASS', 'FAIL', 'PASS', 'FAIL'], message: 'kernel.dmesg_restrict = 1 live but not persisted under /etc/sysctl.d or /etc/sysctl.conf (1 is the default only of Proxmox (-pve) and Debian kernels; this one is 6.18.0-custom)' },
    { name: 'running kernel unknown: dmesg_restrict keeps its FAIL and says why', node: { commands: { 'sysctl -a': PVE_KERNEL } },
      expect: ['FAIL', 'FAIL', 'FAIL', 'PASS', 'FAIL', 'PASS', 'FAIL'], message: "whether 1 is this kernel's default is unknown: uname -r is not in the bundle" },
    { name: 'hardened only live (sysctl -w): non-default values stay FAIL', node: { commands: { 'sysctl -a': HARD, 'uname -r': '6.17.2-1-pve\n' } },
      expect: ['FAIL', 'FAIL', 'FAIL', 'PASS', 'FAIL', 'PASS', 'PASS'], message: 'net.ipv4.conf.all.log_martians = 1 live but not persisted' },
    { name: 'a kernel default undone by a file is still a FAIL', node: { commands: { 'sysctl -a': PVE_KERNEL, 'uname -r': '6.17.2-1-pve\n' }, files: { '/etc/sysctl.d/99-debug.conf': 'kernel.dmesg_restrict = 0\n' } },
      expect: ['FAIL', 'FAIL', 'FAIL', 'PASS', 'FAIL', 'PASS', 'FAIL'], message: 'kernel.dmesg_restrict is persisted as 0 in /etc/sysctl.d/99-debug.conf:1' },
    { name: 'sysctl -a not collected', node: { errors: { 'sysctl -a': 'not installed' }, files: { '/etc/sysctl.d/90-hardening.conf': CONF } }, expect: ALL('SKIP'), message: 'live value unknown (sysctl -a: not installed)' },
    { name: 'sysctl.d unreadable', node: { commands: { 'sysctl -a': HARD }, errors: { '/etc/sysctl.d': 'permission denied' } }, expect: ALL('SKIP'), message: 'persistence unknown (/etc/sysctl.d: permission denied)' },
  ]);
});
