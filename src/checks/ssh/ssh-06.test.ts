import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { ssh06 } from './ssh-06.js';
import { accountFiles, DEBIAN12_CONFIG, hardenedNode, inCluster, sshNode } from './testing.js';

const withAccounts = (spec: ReturnType<typeof sshNode>) => ({ ...spec, files: { ...spec.files, ...accountFiles() } });

test('SSH-06 AllowUsers/AllowGroups', () => {
  assertCases(ssh06, [
    { name: 'absent', node: withAccounts(sshNode()), expect: 'WARN', message: 'no AllowUsers or AllowGroups' },
    { name: 'AllowGroups sudo root admits alice and bob', node: withAccounts(hardenedNode()), expect: 'PASS', message: 'AllowGroups sudo root admit alice, bob' },
    { name: 'AllowUsers names nobody who is admin: lockout', node: withAccounts(sshNode({ t: { allowusers: ['carol', 'root'] } })), expect: 'FAIL', message: 'admit no admin (admins: alice, bob)' },
    { name: 'AllowUsers with host part', node: withAccounts(sshNode({ t: { allowusers: ['alice@10.0.0.0/24'] } })), expect: 'PASS', message: 'AllowUsers alice@10.0.0.0/24 admit alice' },
    { name: 'DenyUsers beats AllowGroups', node: withAccounts(sshNode({ t: { allowgroups: 'sudo', denyusers: ['alice', 'bob'] } })), expect: 'FAIL' },
    { name: 'declared admin_users from config count', node: withAccounts(sshNode({ t: { allowusers: 'svc-backup' } })), config: { admin_users: ['svc-backup'] }, expect: 'PASS', message: 'admit svc-backup' },
    {
      name: 'cluster: AllowGroups without root refuses peers',
      node: inCluster(withAccounts(sshNode({ t: { allowgroups: 'sudo' } }))),
      expect: 'WARN', message: 'refuses root from cluster peers pve2 (10.0.0.12), pve3 (10.0.0.13)',
    },
    {
      name: 'cluster: root allowed from the peers only',
      node: inCluster(withAccounts(sshNode({ t: { allowusers: ['alice', 'bob', 'root@10.0.0.11', 'root@10.0.0.12', 'root@10.0.0.13'] } }))),
      expect: 'PASS',
    },
    {
      name: 'files only: allow-list in a drop-in',
      node: withAccounts(sshNode({ t: false, main: DEBIAN12_CONFIG, dropins: { '20-allow.conf': 'AllowUsers alice\n' } })),
      expect: 'PASS', message: 'decided on the files',
    },
    { name: 'accounts missing', node: sshNode({ t: { allowusers: 'alice' } }), expect: 'SKIP', message: '/etc/passwd' },
    { name: 'sshd not collected', node: { files: accountFiles() }, expect: 'SKIP' },
  ]);
});
