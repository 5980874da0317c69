import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { pve02 } from './pve-02.js';
import { DOMAINS_CFG, noPve, pveNode, USER_CFG } from './testing.js';

// USER_CFG: alice@pve (WebAuthn) is Administrator on / via @admins; carol has TOTP; bob has no factor.
const BOB_ADMIN = `${USER_CFG}acl:1:/access:bob@pam:PVEUserAdmin:\n`;

test('PVE-02 administrators have a second factor', () => assertCases(pve02, [
  { name: 'the only administrator has WebAuthn', node: pveNode(), expect: 'PASS', message: 'all 1 administrator(s) have a second factor' },
  { name: 'bob can modify users on /access and has no factor', node: pveNode({ '/etc/pve/user.cfg': BOB_ADMIN }), expect: 'FAIL', message: 'bob@pam (User.Modify on /access)' },
  { name: 'realm-enforced TFA covers bob', node: pveNode({ '/etc/pve/user.cfg': BOB_ADMIN, '/etc/pve/domains.cfg': DOMAINS_CFG.replace('pam: pam\n', 'pam: pam\n\ttfa type=oath\n') }), expect: 'PASS' },
  { name: 'Sys.Modify through a pool-free custom role on a node', node: pveNode({ '/etc/pve/user.cfg': `${USER_CFG}role:NodeOps:Sys.Modify:\nacl:0:/nodes/pve1:@ops:NodeOps:\n` }), expect: 'FAIL', message: /bob@pam \(Sys.Modify on \/nodes\/pve1\)/ },
  { name: 'a disabled administrator without a factor is not counted', node: pveNode({ '/etc/pve/user.cfg': BOB_ADMIN.replace('user:bob@pam:1:', 'user:bob@pam:0:') }), expect: 'PASS' },
  { name: 'a group NoAccess at the same level is shadowed by bob own entry', node: pveNode({ '/etc/pve/user.cfg': `${BOB_ADMIN}acl:1:/access:@ops:NoAccess:\n` }), expect: 'FAIL', message: 'bob@pam' },
  { name: 'nobody but root administers', node: pveNode({ '/etc/pve/user.cfg': 'user:bob@pam:1:0::::::\nacl:1:/vms:bob@pam:PVEVMAdmin:\n' }), expect: 'PASS', message: 'no enabled user other than root@pam' },
  { name: 'tfa.cfg unreadable', node: pveNode({ '/etc/pve/priv/tfa.cfg': undefined }, { errors: { '/etc/pve/priv/tfa.cfg': 'permission denied' } }), expect: 'SKIP', message: 'permission denied' },
  { name: 'not collected', node: noPve, expect: 'SKIP' },
]));
