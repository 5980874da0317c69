import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { acc02 } from './acc-02.js';
import { accountFiles } from './testing.js';

const PASSWD_OK = 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\nbob:x:1001:1001:Bob:/home/bob:/usr/bin/zsh\n';

test('ACC-02 admin shells', () => {
  assertCases(acc02, [
    { name: 'bash and zsh', node: { files: accountFiles({ '/etc/passwd': PASSWD_OK }) }, expect: 'PASS', message: 'alice (/bin/bash), bob (/usr/bin/zsh)' },
    { name: 'bob has /bin/sh', node: { files: accountFiles() }, expect: 'FAIL', message: 'bob has /bin/sh' },
    { name: 'declared admin with nologin', node: { files: accountFiles({ '/etc/passwd': PASSWD_OK + 'svc-backup:x:1002:1002::/var/lib/svc-backup:/usr/sbin/nologin\n' }) }, config: { admin_users: ['svc-backup'] }, expect: 'FAIL', message: 'svc-backup has /usr/sbin/nologin' },
    { name: 'no admin', node: { files: accountFiles({ '/etc/group': 'sudo:x:27:\n', '/etc/sudoers': 'root ALL=(ALL:ALL) ALL\n' }) }, expect: 'SKIP', message: 'no admin account found' },
    { name: 'passwd missing', node: {}, expect: 'SKIP' },
  ]);
});

test('ACC-02 without sudoers: never PASS (admins granted there are unknown)', () => {
  assertCases(acc02, [
    { name: 'group sudo fine, sudoers unreadable', node: { files: accountFiles({ '/etc/passwd': PASSWD_OK, '/etc/sudoers': undefined }), errors: { '/etc/sudoers': 'permission denied' } }, expect: 'SKIP', message: 'other admins may be granted in sudoers: /etc/sudoers: permission denied' },
    { name: 'bad shell seen is still a FAIL', node: { files: accountFiles({ '/etc/sudoers': undefined }), errors: { '/etc/sudoers': 'permission denied' } }, expect: 'FAIL', message: 'bob has /bin/sh' },
  ]);
});
