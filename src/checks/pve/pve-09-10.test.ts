import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { pve09 } from './pve-09.js';
import { pve10 } from './pve-10.js';
import { noPve, pveNode } from './testing.js';

const cfg = (tokens: string) => `user:root@pam:1:0::::::\nuser:ci@pve:1:0::::::\n${tokens}user:old@pve:0:0::::::\ntoken:old@pve!backup:1798761600:1::\n`;

test('PVE-09 token privilege separation', () => assertCases(pve09, [
  { name: 'privsep token', node: pveNode(), expect: 'PASS', message: 'all 1 API tokens' },
  { name: 'no tokens', node: pveNode({ '/etc/pve/user.cfg': 'user:a@pve:1:0::::::\n' }), expect: 'PASS', message: 'no API tokens' },
  { name: 'privsep 0', node: pveNode({ '/etc/pve/user.cfg': cfg('token:ci@pve!deploy:0:0::\n') }), expect: 'FAIL', message: 'ci@pve!deploy' },
  { name: 'missing privsep field means 0', node: pveNode({ '/etc/pve/user.cfg': cfg('token:ci@pve!deploy:1798761600\n') }), expect: 'FAIL', message: 'ci@pve!deploy' },
  { name: 'not collected', node: noPve, expect: 'SKIP' },
]));

test('PVE-10 token lifetime and owners', () => assertCases(pve10, [
  { name: 'expiring token of active user', node: pveNode(), expect: 'PASS' },
  { name: 'never expires', node: pveNode({ '/etc/pve/user.cfg': 'user:ci@pve:1:0::::::\ntoken:ci@pve!deploy:0:1::\n' }), expect: 'FAIL', message: 'ci@pve!deploy never expires' },
  { name: 'expired but present', node: pveNode({ '/etc/pve/user.cfg': 'user:ci@pve:1:0::::::\ntoken:ci@pve!deploy:1700000000:1::\n' }), expect: 'FAIL', message: 'expired 2023-11-14' },
  { name: 'owner disabled', node: pveNode({ '/etc/pve/user.cfg': cfg('') }), expect: 'FAIL', message: 'belongs to disabled user old@pve' },
  { name: 'owner expired', node: pveNode({ '/etc/pve/user.cfg': 'user:ci@pve:1:1700000000::::::\ntoken:ci@pve!deploy:1798761600:1::\n' }), expect: 'FAIL', message: 'expired user ci@pve' },
  { name: 'not collected', node: noPve, expect: 'SKIP' },
]));
