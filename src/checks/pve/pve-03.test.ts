import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { pve03 } from './pve-03.js';
import { DOMAINS_CFG, noPve, pveNode } from './testing.js';

const ENFORCED = DOMAINS_CFG.replace('\tdefault 1\n', '\tdefault 1\n\ttfa type=oath\n');

test('PVE-03 realm-enforced TFA lockouts', () => assertCases(pve03, [
  { name: 'no realm enforces TFA', node: pveNode(), expect: 'PASS', message: 'no realm enforces TFA' },
  { name: 'pve realm enforces, alice and carol have factors', node: pveNode({ '/etc/pve/domains.cfg': ENFORCED }), expect: 'PASS', message: 'realm pve' },
  { name: 'pve realm enforces, a new user lacks a factor', node: pveNode({ '/etc/pve/domains.cfg': ENFORCED, '/etc/pve/user.cfg': 'user:alice@pve:1:0::::::\nuser:newbie@pve:1:0::::::\nuser:gone@pve:0:0::::::\n' }), expect: 'FAIL', message: 'newbie@pve' },
  { name: 'a locked-out user who can administer is marked', node: pveNode({ '/etc/pve/domains.cfg': ENFORCED, '/etc/pve/user.cfg': 'user:newbie@pve:1:0::::::\nuser:boss@pve:1:0::::::\nacl:1:/access:boss@pve:PVEUserAdmin:\n' }), expect: 'FAIL', message: 'newbie@pve, boss@pve (administrator)' },
  { name: 'tfa.cfg missing entirely: nobody has a factor', node: pveNode({ '/etc/pve/domains.cfg': ENFORCED, '/etc/pve/priv/tfa.cfg': undefined }), expect: 'FAIL', message: 'alice@pve (administrator), carol@pve' },
  { name: 'tfa.cfg unreadable', node: pveNode({ '/etc/pve/domains.cfg': ENFORCED, '/etc/pve/priv/tfa.cfg': undefined }, { errors: { '/etc/pve/priv/tfa.cfg': 'permission denied' } }), expect: 'SKIP', message: 'permission denied' },
  { name: '/etc/pve not collected', node: noPve, expect: 'SKIP' },
]));
