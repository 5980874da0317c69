import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { acc06 } from './acc-06.js';

const PASSWD = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash
`;
const USERS = 'user:root@pam:1:0::::::\nuser:alice@pam:1:0::::::\nuser:bob@pve:1:0::::::\n';
const node = (userCfg: string, passwd: string | null = PASSWD) => ({
  files: { '/etc/hostname': 'pve1\n', '/etc/pve/user.cfg': userCfg, ...(passwd === null ? {} : { '/etc/passwd': passwd }) },
});

test('ACC-06 pam users have Linux accounts', () => assertCases(acc06, [
  { name: 'all pam users exist', node: node(USERS), expect: 'PASS', message: 'all 2 pam-realm users' },
  { name: 'pam user missing on this node', node: node(`${USERS}user:carol@pam:1:0:Carol::::\n`), expect: 'FAIL', message: 'carol@pam' },
  { name: 'pve users are not Linux accounts', node: node('user:root@pam:1:0::::::\nuser:zed@pve:1:0::::::\n'), expect: 'PASS' },
  { name: 'one of two nodes lacks the account', nodes: [
    { files: { '/etc/hostname': 'pve1\n', '/etc/pve/corosync.conf': 'totem {\n cluster_name: lab\n}\n', '/etc/pve/user.cfg': `${USERS}user:carol@pam:1:0::::::\n`, '/etc/passwd': `${PASSWD}carol:x:1001:1001::/home/carol:/bin/bash\n` } },
    { files: { '/etc/hostname': 'pve2\n', '/etc/pve/corosync.conf': 'totem {\n cluster_name: lab\n}\n', '/etc/pve/user.cfg': `${USERS}user:carol@pam:1:0::::::\n`, '/etc/passwd': PASSWD } },
  ], expect: ['PASS', 'FAIL'], message: 'without a Linux account on pve2: carol@pam' },
  { name: 'passwd not collected', node: node(USERS, null), expect: 'SKIP', message: '/etc/passwd' },
  { name: 'user.cfg not collected', node: { files: { '/etc/hostname': 'pve1\n', '/etc/passwd': PASSWD } }, expect: 'SKIP', message: '/etc/pve/user.cfg' },
]));
