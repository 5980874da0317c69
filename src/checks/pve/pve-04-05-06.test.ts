import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { pve04 } from './pve-04.js';
import { pve05 } from './pve-05.js';
import { pve06 } from './pve-06.js';
import { noPve, pveNode } from './testing.js';

const tfa = (users: Record<string, unknown>) => JSON.stringify({ users });
const totp = { totp: [{ id: 't', created: 1761000000, entry: 'otpauth://totp/x?secret=JBSWY3DPEHPK3PXP' }] };

test('PVE-04 recovery keys', () => assertCases(pve04, [
  { name: 'all have unused recovery keys', node: pveNode(), expect: 'PASS', message: 'all 3' },
  { name: 'TOTP without recovery', node: pveNode({ '/etc/pve/priv/tfa.cfg': tfa({ 'dave@pve': totp }) }), expect: 'FAIL', message: 'dave@pve' },
  { name: 'all recovery keys used', node: pveNode({ '/etc/pve/priv/tfa.cfg': tfa({ 'dave@pve': { ...totp, recovery: { secret: 's', entries: [null, null], created: 1 } } }) }), expect: 'FAIL', message: 'dave@pve' },
  { name: 'nobody uses TOTP/WebAuthn', node: pveNode({ '/etc/pve/priv/tfa.cfg': '{"users":{}}' }), expect: 'PASS', message: 'no user has TOTP' },
  { name: 'not collected', node: noPve, expect: 'SKIP' },
]));

test('PVE-05 TFA locks', () => assertCases(pve05, [
  { name: 'none locked', node: pveNode(), expect: 'PASS' },
  { name: 'totp-locked', node: pveNode({ '/etc/pve/priv/tfa.cfg': tfa({ 'dave@pve': { ...totp, 'totp-locked': true } }) }), expect: 'FAIL', message: 'dave@pve (totp-locked)' },
  { name: 'tfa-locked-until in the future', node: pveNode({ '/etc/pve/priv/tfa.cfg': tfa({ 'dave@pve': { ...totp, 'tfa-locked-until': 1795610000 } }) }), now: new Date('2026-11-25T12:00:00Z'), expect: 'FAIL', message: 'tfa-locked until' },
  { name: 'tfa lock expired', node: pveNode({ '/etc/pve/priv/tfa.cfg': tfa({ 'dave@pve': { ...totp, 'tfa-locked-until': 1700000000 } }) }), expect: 'PASS' },
  { name: 'unreadable', node: pveNode({ '/etc/pve/priv/tfa.cfg': undefined }, { errors: { '/etc/pve/priv': 'permission denied (not collected as root)' } }), expect: 'SKIP', message: 'permission denied' },
]));

test('PVE-06 root@pam second factor', () => assertCases(pve06, [
  { name: 'root has TOTP', node: pveNode(), expect: 'PASS', message: 'root@pam has totp' },
  { name: 'root has no entry', node: pveNode({ '/etc/pve/priv/tfa.cfg': tfa({ 'alice@pve': totp }) }), expect: 'FAIL', message: 'root@pam has no second factor' },
  { name: 'root entry disabled', node: pveNode({ '/etc/pve/priv/tfa.cfg': tfa({ 'root@pam': { totp: [{ id: 't', enable: false, created: 1, entry: 'x' }] } }) }), expect: 'FAIL', message: 'no enabled second factor' },
  { name: 'root waived as break-glass', node: pveNode({ '/etc/pve/priv/tfa.cfg': '{}' }), config: { waivers: [{ id: 'PVE-06', reason: 'sealed break-glass' }] }, expect: 'NOTICE', message: 'sealed break-glass' },
  { name: 'not collected', node: noPve, expect: 'SKIP' },
]));
