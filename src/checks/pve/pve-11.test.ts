import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { pve11 } from './pve-11.js';
import { noPve, pveNode, USER_CFG } from './testing.js';

// USER_CFG: @admins (alice@pve) Administrator on /, @ops PVEVMUser on /pool/prod, bob's token a Monitor role on /.
test('PVE-11 over-broad grants', () => assertCases(pve11, [
  { name: 'the admin group member is declared', node: pveNode(), config: { admin_users: ['alice@pve'] }, expect: 'PASS', message: 'Permissions.Modify held by: root@pam (everywhere), alice@pve (/' },
  { name: 'nobody declared: Administrator on / to alice is listed for review', node: pveNode(), expect: 'WARN', message: 'alice@pve: Administrator on / via @admins (line 14)' },
  { name: 'alice is not among the declared admins: over-broad', node: pveNode(), config: { admin_users: ['bob@pve'] }, expect: 'FAIL', message: 'alice@pve: Administrator on / via @admins (line 14)' },
  { name: 'PVEVMAdmin on /vms to a group of operators', node: pveNode({ '/etc/pve/user.cfg': `${USER_CFG}acl:1:/vms:@ops:PVEVMAdmin:\n` }), config: { admin_users: ['alice@pve'] },
    expect: 'FAIL', message: /2 identities.*bob@pam: PVEVMAdmin on \/vms via @ops \(line 17\).*carol@pve: PVEVMAdmin on \/vms via @ops/ },
  { name: 'the same role without propagation on /storage is not broad', node: pveNode({ '/etc/pve/user.cfg': `${USER_CFG}acl:0:/storage:carol@pve:PVEDatastoreAdmin:\n` }), config: { admin_users: ['alice@pve'] }, expect: 'PASS' },
  { name: 'an auditor role on / is not an administration role', node: pveNode({ '/etc/pve/user.cfg': `${USER_CFG}acl:1:/:carol@pve:PVEAuditor:\n` }), config: { admin_users: ['alice@pve'] }, expect: 'PASS' },
  { name: 'a privsep token limited by its owner holds nothing broad', node: pveNode({ '/etc/pve/user.cfg': `${USER_CFG}acl:1:/vms:bob@pam!monitoring:PVEVMAdmin:\n` }), config: { admin_users: ['alice@pve'] }, expect: 'PASS' },
  { name: 'a user named in a group but never defined still gets the grant', node: pveNode({ '/etc/pve/user.cfg': `${USER_CFG}group:future:ghost@pve::\nacl:1:/storage:@future:PVEDatastoreAdmin:\n` }), config: { admin_users: ['alice@pve'] }, expect: 'FAIL', message: 'ghost@pve: PVEDatastoreAdmin on /storage via @future' },
  { name: 'not collected', node: noPve, expect: 'SKIP' },
]));
