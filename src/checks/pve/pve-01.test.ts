import { test } from 'node:test';
import { assertCases } from '../testing.js';
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
