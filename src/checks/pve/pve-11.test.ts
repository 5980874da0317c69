import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertCases, runCheck } from '../testing.js';
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

// Tokens without privilege separation (privsep 0, as `pveum user token add alice@pve terraform --privsep 0` writes
// them) act as their owner: they hold the owner's administration roles.
const withTokens = (...lines: string[]) => USER_CFG.replace('user:carol@pve:1:0:Carol::carol@example.com:::\n', `user:carol@pve:1:0:Carol::carol@example.com:::\n${lines.join('\n')}\n`);

test('PVE-11 names privsep-0 tokens holding their owner\'s administration roles', () => assertCases(pve11, [
  { name: 'a declared admin\'s privsep-0 token is named', node: pveNode({ '/etc/pve/user.cfg': withTokens('token:alice@pve!terraform:0:0:Terraform:') }), config: { admin_users: ['alice@pve'] },
    expect: 'PASS', message: "tokens holding an administrator's roles: alice@pve!terraform (privilege separation off: acts as alice@pve, Administrator on / via @admins (line 15))" },
  { name: 'root@pam\'s privsep-0 token holds every privilege', node: pveNode({ '/etc/pve/user.cfg': USER_CFG.replace('user:root@pam:1:0:::root@example.com:::\n', 'user:root@pam:1:0:::root@example.com:::\ntoken:root@pam!gitlab:0:0:CI pipeline:\n') }), config: { admin_users: ['alice@pve'] },
    expect: 'PASS', message: 'root@pam!gitlab (privilege separation off: acts as root@pam, every privilege)' },
  { name: 'an undeclared operator\'s privsep-0 token is over-broad with its owner', node: pveNode({ '/etc/pve/user.cfg': `${USER_CFG.replace('token:bob@pam!monitoring:1798761600:1:Zabbix:', 'token:bob@pam!monitoring:1798761600:0:Zabbix:')}acl:1:/vms:@ops:PVEVMAdmin:\n` }), config: { admin_users: ['alice@pve'] },
    expect: 'FAIL', message: /3 identities.*bob@pam: PVEVMAdmin on \/vms via @ops \(line 17\).*bob@pam!monitoring: privilege separation off: acts as bob@pam, PVEVMAdmin on \/vms via @ops \(line 17\)/ },
  { name: 'a privsep-0 token of a user without administration roles is not named', node: pveNode({ '/etc/pve/user.cfg': withTokens('token:carol@pve!backup:0:0::') }), config: { admin_users: ['alice@pve'] },
    expect: 'PASS', message: /^(?![\s\S]*carol@pve!backup)/ },
]));

test('PVE-11 with many over-broad identities: the first 5 named, the others counted; the first 8 grant lines as evidence', () => {
  // lines 1-12: users u00..u11; line 13: @ops (u00..u02); 14: @ops Administrator on /; 15-23: u03..u11 PVEVMAdmin on /vms (one line each)
  const users = Array.from({ length: 12 }, (_, i) => `user:u${String(i).padStart(2, '0')}@pve:1:0::::::`);
  const text = `${users.join('\n')}\ngroup:ops:u00@pve,u01@pve,u02@pve::\nacl:1:/:@ops:Administrator:\n` +
    `${Array.from({ length: 9 }, (_, i) => `acl:1:/vms:u${String(i + 3).padStart(2, '0')}@pve:PVEVMAdmin:`).join('\n')}\nacl:1:/:u11@pve:PVEAuditor:\n`;
  const [f] = runCheck(pve11, { node: pveNode({ '/etc/pve/user.cfg': text }), config: { admin_users: ['u00@pve'] } });
  assert.equal(f.status, 'FAIL');
  assert.match(f.message, /^11 identities hold administration roles on \/, \/vms or \/storage without being declared admins: u01@pve: Administrator on \/ via @ops \(line 14\), u02@pve: Administrator on \/ via @ops \(line 14\), u03@pve: PVEVMAdmin on \/vms \(line 15\), u04@pve: PVEVMAdmin on \/vms \(line 16\), u05@pve: PVEVMAdmin on \/vms \(line 17\) and 6 more; /);
  assert.deepEqual(f.evidence.map((e) => e.line), [14, 15, 16, 17, 18, 19, 20, 21]);
});

test('PVE-11 names the first 10 holders of Permissions.Modify (root@pam first) and counts the others', () => {
  const ids = Array.from({ length: 12 }, (_, i) => `u${String(i).padStart(2, '0')}@pve`);
  const text = `${ids.map((u) => `user:${u}:1:0::::::`).join('\n')}\n${ids.map((u) => `acl:1:/:${u}:Administrator:`).join('\n')}\n`;
  const [f] = runCheck(pve11, { node: pveNode({ '/etc/pve/user.cfg': text }), config: { admin_users: ids } });
  assert.equal(f.status, 'PASS');
  assert.match(f.message, /; Permissions\.Modify held by: root@pam \(everywhere\), u00@pve \(\/ and 8 more\), (u0\d@pve \(\/ and 8 more\), ){7}u08@pve \(\/ and 8 more\) and 3 more$/);
});
