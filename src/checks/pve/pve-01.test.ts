import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertCases, runCheck } from '../testing.js';
import { pve01 } from './pve-01.js';
import { noPve, pveNode, USER_CFG } from './testing.js';

test('PVE-01 named administrator', () => assertCases(pve01, [
  { name: 'admin via group on /', node: pveNode(), expect: 'PASS', message: 'alice@pve via @admins' },
  { name: 'direct custom role with Permissions.Modify + Sys.Modify', node: pveNode({ '/etc/pve/user.cfg': 'user:dave@pve:1:0::::::\nrole:Boss:Permissions.Modify,Sys.Modify:\nacl:1:/:dave@pve:Boss:\n' }), expect: 'PASS', message: 'dave@pve' },
  { name: 'only root', node: pveNode({ '/etc/pve/user.cfg': 'user:root@pam:1:0::::::\nuser:eve@pve:1:0::::::\nacl:1:/:eve@pve:PVEAdmin:\n' }), expect: 'FAIL', message: 'no enabled user other than root@pam' },
  { name: 'admin on /vms only does not count', node: pveNode({ '/etc/pve/user.cfg': 'user:eve@pve:1:0::::::\nacl:1:/vms:eve@pve:Administrator:\n' }), expect: 'FAIL' },
  { name: 'disabled admin', node: pveNode({ '/etc/pve/user.cfg': USER_CFG.replace('user:alice@pve:1:', 'user:alice@pve:0:') }), expect: 'FAIL', message: 'disabled or expired: alice@pve' },
  { name: 'user entry NoAccess at / shadows the group grant', node: pveNode({ '/etc/pve/user.cfg': `${USER_CFG}acl:1:/:alice@pve:NoAccess:\n` }), expect: 'FAIL' },
  { name: 'user.cfg not collected', node: noPve, expect: 'SKIP', message: '/etc/pve/user.cfg' },
]));

test('PVE-01 follows Proxmox semantics and the node release', () => assertCases(pve01, [
  { name: 'Administrator on / without propagation still counts on / itself', node: pveNode({ '/etc/pve/user.cfg': 'user:dave@pve:1:0::::::\nacl:0:/:dave@pve:Administrator:\n' }), expect: 'PASS', message: 'dave@pve' },
  { name: 'an undefined user granted Administrator is not a named administrator', node: pveNode({ '/etc/pve/user.cfg': 'user:eve@pve:1:0::::::\ngroup:admins:ghost@pve::\nacl:1:/:@admins:Administrator:\n' }), expect: 'FAIL' },
  { name: 'role defined after the ACL line: the grant is dropped', node: pveNode({ '/etc/pve/user.cfg': 'user:dave@pve:1:0::::::\nacl:1:/:dave@pve:Boss:\nrole:Boss:Permissions.Modify,Sys.Modify:\n' }), expect: 'FAIL' },
  { name: 'PVE 8 node: a role with VM.Monitor does not hide the admin', node: pveNode({ '/etc/pve/user.cfg': 'user:dave@pve:1:0::::::\nrole:Boss:Permissions.Modify,Sys.Modify,VM.Monitor:\nacl:1:/:dave@pve:Boss:\n' }, { commands: { 'pveversion -v': { output: 'proxmox-ve: 8.4.0 (running kernel: 6.8.12-9-pve)\npve-manager: 8.4.1 (running version: 8.4.1/2a5fa54a8503f96d)\n' } } }), expect: 'PASS', message: 'dave@pve' },
]));

test('PVE-01 with many administrators: the first 8 named (with their group), the others counted; the first 5 grant lines as evidence', () => {
  // 12 enabled admins: 6 through @ops (line 14), then 6 with a direct grant each (lines 15-20), and 3 disabled ones
  const users = Array.from({ length: 15 }, (_, i) => `user:a${String(i).padStart(2, '0')}@pve:${i < 12 ? 1 : 0}:0::::::`);
  const text = `${users.join('\n')}\ngroup:ops:a00@pve,a01@pve,a02@pve,a03@pve,a04@pve,a05@pve,a12@pve::\n` +
    `acl:1:/:@ops:Administrator:\n${Array.from({ length: 6 }, (_, i) => `acl:1:/:a${String(i + 6).padStart(2, '0')}@pve:Administrator:`).join('\n')}\n` +
    'acl:1:/:a13@pve,a14@pve:Administrator:\n';
  const [f] = runCheck(pve01, { node: pveNode({ '/etc/pve/user.cfg': text }) });
  assert.equal(f.status, 'PASS');
  assert.equal(f.message, 'administrators on / besides root@pam: a00@pve via @ops, a01@pve via @ops, a02@pve via @ops, a03@pve via @ops, ' +
    'a04@pve via @ops, a05@pve via @ops, a06@pve, a07@pve and 4 more');
  assert.deepEqual(f.evidence.map((e) => e.line), [17, 18, 19, 20, 21]);
  assert.deepEqual(f.evidence.map((e) => e.text), [17, 18, 19, 20, 21].map((l) => text.split('\n')[l - 1]));
});
