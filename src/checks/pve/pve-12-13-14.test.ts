import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { pve12 } from './pve-12.js';
import { pve13 } from './pve-13.js';
import { pve14 } from './pve-14.js';
import { noPve, pveNode, USER_CFG } from './testing.js';

const LATENT = `user:alice@pve:1:0::::::
acl:1:/vms:@future:PVEVMUser:
acl:1:/:ghost@pve:PVEAuditor:
acl:1:/:alice@pve!ci:PVEAuditor:
acl:1:/storage:alice@pve:Later:
token:alice@pve!ci:0:1::
role:Later:Datastore.Audit:
`;

test('PVE-12 latent and dropped ACL entries', () => assertCases(pve12, [
  { name: 'clean', node: pveNode(), expect: 'PASS', message: 'no line is dropped' },
  { name: 'unknown group, unknown user, token and role defined later', node: pveNode({ '/etc/pve/user.cfg': LATENT }), expect: 'FAIL',
    message: /line 2: group @future on \/vms does not exist.*line 3: user ghost@pve.*line 4: dropped by Proxmox \(ignore invalid acl token 'alice@pve!ci'\).*line 5: dropped/s },
  { name: 'token wiped by a later user line', node: pveNode({ '/etc/pve/user.cfg': 'user:a@pve:1:0::::::\ntoken:a@pve!tok1:0:1::\nacl:1:/:a@pve!tok1:PVEAuditor:\nuser:a@pve:1:0::::::\n' }), expect: 'FAIL', message: 'token a@pve!tok1 on / does not exist' },
  { name: 'a PVE 8 privilege on a PVE 9 cluster', node: pveNode({ '/etc/pve/user.cfg': `${USER_CFG}role:Mon:VM.Monitor,VM.Audit:\n` }), expect: 'FAIL', message: 'line 17: privilege VM.Monitor does not exist in PVE 9 and is dropped from the role' },
  { name: 'a role: line extending NoAccess', node: pveNode({ '/etc/pve/user.cfg': `${USER_CFG}role:NoAccess:VM.Audit:\n` }), expect: 'FAIL', message: 'line 17: role:NoAccess changes the built-in role' },
  { name: 'PVE 8 node: VM.Monitor role defined later drops the ACL line', node: pveNode({ '/etc/pve/user.cfg': 'user:a@pve:1:0::::::\nacl:1:/vms:a@pve:Mon:\nrole:Mon:VM.Monitor:\n' }, { commands: { 'pveversion -v': 'pve-manager: 8.4.1 (running version: 8.4.1/2a5fa54a)\n' } }), expect: 'FAIL', message: "line 2: dropped by Proxmox (ignore invalid acl role 'Mon')" },
  { name: 'not collected', node: noPve, expect: 'SKIP' },
]));

test('PVE-13 disabled or expired users with ACLs', () => assertCases(pve13, [
  { name: 'all active', node: pveNode(), expect: 'PASS' },
  { name: 'disabled user holds ACL', node: pveNode({ '/etc/pve/user.cfg': `${USER_CFG}user:gone@pve:0:0::::::\nacl:1:/vms/100:gone@pve:PVEVMAdmin:\n` }), expect: 'FAIL', message: 'gone@pve (disabled, line 18)' },
  { name: 'expired user token holds ACL', node: pveNode({ '/etc/pve/user.cfg': 'user:tmp@pve:1:1700000000::::::\ntoken:tmp@pve!tok1:0:1::\nacl:1:/:tmp@pve!tok1:PVEAuditor:\n' }), expect: 'FAIL', message: 'tmp@pve (expired, line 3)' },
  { name: 'not collected', node: noPve, expect: 'SKIP' },
]));

test('PVE-14 pve realm users', () => assertCases(pve14, [
  { name: 'pve users exist', node: pveNode(), expect: 'NOTICE', message: '2 pve-realm user(s) (alice@pve, carol@pve)' },
  { name: 'only pam users', node: pveNode({ '/etc/pve/user.cfg': 'user:root@pam:1:0::::::\nuser:bob@pam:1:0::::::\n' }), expect: 'PASS' },
  { name: 'not collected', node: noPve, expect: 'SKIP' },
]));
