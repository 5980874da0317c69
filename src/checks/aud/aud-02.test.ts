import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { aud02 } from './aud-02.js';
import { dpkgStatus } from '../../../test/fixtures/system/helpers.js';

const pkgs = { '/var/lib/dpkg/status': dpkgStatus({ auditd: '1:4.0.2-2+b2' }) };
const LIVE = `-w /etc/sudoers -p wa -k scope
-w /etc/sudoers.d -p wa -k scope
-w /etc/ssh/sshd_config -p wa -k sshd
-w /etc/passwd -p wa -k identity
-w /etc/group -p wa -k identity
-w /etc/pve -p wa -k pve-config
-a always,exit -F arch=b64 -S execve -F euid=0 -F auid>=1000 -F auid!=-1 -F key=admin-exec
`;
const STOCK_PART = '## First rule - delete all\n-D\n\n## Increase the buffers to survive stress events.\n-b 8192\n--backlog_wait_time 60000\n-f 1\n';
const PART = LIVE.replace('/etc/sudoers.d', '/etc/sudoers.d/');
const files = (rules: string) => ({ ...pkgs, '/etc/audit/rules.d/50-pvesec.rules': rules, '/etc/audit/rules.d/audit.rules': STOCK_PART });

test('AUD-02 audit watches', () => {
  assertCases(aud02, [
    { name: 'loaded and persisted (stock audit.rules with -D sorts after)', node: { files: files(PART), commands: { 'auditctl -l': LIVE } }, expect: 'PASS', message: 'loaded audit rules watch /etc/sudoers' },
    { name: 'no rules loaded', node: { files: files(PART), commands: { 'auditctl -l': 'No rules\n' } }, expect: 'FAIL', message: '(no rules loaded)' },
    { name: '/etc/pve only read-watched', node: { files: files(PART), commands: { 'auditctl -l': LIVE.replace('/etc/pve -p wa', '/etc/pve -p r') } }, expect: 'FAIL', message: 'no loaded audit rule watches /etc/pve' },
    { name: 'syscall-style path rules', node: { files: files(PART), commands: { 'auditctl -l': LIVE.replace('-w /etc/passwd -p wa -k identity', '-a always,exit -F path=/etc/passwd -F perm=wa -F key=identity') } }, expect: 'PASS' },
    { name: 'loaded by hand, not persisted', node: { files: files('-w /etc/shadow -p wa -k identity\n'), commands: { 'auditctl -l': LIVE } }, expect: 'WARN', message: 'lost at reboot' },
    { name: 'only the files, gap', node: { files: files('-w /etc/passwd -p wa\n'), errors: { 'auditctl -l': 'permission denied (not collected as root)' } }, expect: 'FAIL', message: 'do not watch /etc/sudoers' },
    { name: 'only the files, complete', node: { files: files(PART), errors: { 'auditctl -l': 'permission denied (not collected as root)' } }, expect: 'WARN', message: 'loaded rules are unknown' },
    { name: 'auditd not installed', node: { files: { '/var/lib/dpkg/status': dpkgStatus({ 'openssh-server': '1:10.0p1-7' }) }, errors: { 'auditctl -l': 'not installed' } }, expect: 'FAIL', message: 'auditd is not installed' },
    { name: 'nothing collected', node: { files: pkgs }, expect: 'SKIP', message: '/etc/audit/rules.d' },
  ]);
});
