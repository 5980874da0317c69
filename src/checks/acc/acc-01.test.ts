import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { acc01 } from './acc-01.js';
import { accountFiles } from './testing.js';

const NO_SUDO_GROUP = 'root:x:0:\nsudo:x:27:\nalice:x:1000:\nbob:x:1001:\nsvc-backup:x:1002:\n';

test('ACC-01 personal account with sudo', () => {
  assertCases(acc01, [
    { name: 'alice in group sudo, Debian sudoers', node: { files: accountFiles() }, expect: 'PASS', message: 'alice (uid 1000, /bin/bash) can run ALL as root via %sudo ALL=(ALL:ALL) ALL (/etc/sudoers:50) (also bob)' },
    { name: 'nobody in sudo', node: { files: accountFiles({ '/etc/group': NO_SUDO_GROUP }) }, expect: 'FAIL', message: 'login users alice, bob cannot run ALL as root' },
    {
      name: 'grant in sudoers.d',
      node: { files: { ...accountFiles({ '/etc/group': NO_SUDO_GROUP }), '/etc/sudoers.d/ops': 'bob ALL=(ALL) NOPASSWD: ALL\n' } },
      expect: 'PASS', message: 'bob (uid 1001, /bin/sh) can run ALL as root via bob ALL=(ALL) NOPASSWD: ALL (/etc/sudoers.d/ops:1)',
    },
    { name: 'sudo not installed', node: { files: accountFiles({ '/var/lib/dpkg/status': 'Package: sudo\nStatus: deinstall ok config-files\nVersion: 1.9.13p3-1\n' }) }, expect: 'FAIL', message: 'sudo is not installed' },
    { name: 'only root and system users', node: { files: accountFiles({ '/etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nsshd:x:102:65534::/run/sshd:/usr/sbin/nologin\n' }) }, expect: 'FAIL', message: 'there is no non-root login user' },
    { name: 'sudoers unreadable (non-root collection)', node: { files: accountFiles({ '/etc/sudoers': undefined }), errors: { '/etc/sudoers': 'permission denied' } }, expect: 'SKIP', message: 'alice, bob in group sudo, but the sudoers rules were not seen (sudoers not readable: /etc/sudoers: permission denied)' },
    { name: 'sudoers unreadable and sudo not installed', node: { files: accountFiles({ '/etc/sudoers': undefined, '/var/lib/dpkg/status': 'Package: sudo\nStatus: deinstall ok config-files\nVersion: 1.9.13p3-1\n' }) }, expect: 'FAIL', message: 'sudo is not installed' },
    { name: 'passwd missing', node: { files: accountFiles({ '/etc/passwd': undefined }) }, expect: 'SKIP', message: '/etc/passwd' },
    { name: 'dpkg status missing', node: { files: accountFiles({ '/var/lib/dpkg/status': undefined }) }, expect: 'SKIP', message: '/var/lib/dpkg/status' },
  ]);
});
