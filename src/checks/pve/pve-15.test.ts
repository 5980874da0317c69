import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { assertCases } from '../testing.js';
import { pve15 } from './pve-15.js';
import { matrixFile, MATRIX_OF_USER_CFG, noPve, pveNode, USER_CFG } from './testing.js';


// Exactly what USER_CFG grants: @admins Administrator on /, @ops PVEVMUser on /pool/prod, bob's privsep token Monitor on /.
const EXACT = matrixFile('exact.yaml', MATRIX_OF_USER_CFG);
// Wants carol directly on one guest instead of the whole pool for @ops, and no monitoring token grant.
const DRIFT = matrixFile('drift.yaml', `groups:
  admins:
    grants:
      - { path: /, roles: [Administrator] }
users:
  carol@pve:
    grants:
      - { path: /vms/102, roles: [PVEVMUser], propagate: false }
`);
const BAD = matrixFile('bad.yaml', 'users:\n  alice:\n    grants: []\n');

test('PVE-15 desired access matrix', () => assertCases(pve15, [
  { name: 'matrix equals the effective grants', node: pveNode(), config: { access_matrix: EXACT }, expect: 'PASS', message: 'effective grants equal' },
  { name: 'drift: pool grant to @ops, token grant, carol lacks a direct grant', node: pveNode(), config: { access_matrix: DRIFT }, expect: 'FAIL',
    message: /bob@pam holds PVEVMUser on \/pool\/prod and 3 more path\(s\), which the matrix does not grant \(user.cfg line 15: @ops PVEVMUser on \/pool\/prod\).*bob@pam!monitoring holds Monitor on \/.*carol@pve holds PVEVMUser on \/pool\/prod and 3 more.*carol@pve lacks PVEVMUser on \/vms\/102/ },
  { name: 'a token without privilege separation not allowed by the matrix', node: pveNode({ '/etc/pve/user.cfg': USER_CFG.replace('token:bob@pam!monitoring:1798761600:1:', 'token:bob@pam!monitoring:1798761600::') }),
    config: { access_matrix: EXACT }, expect: 'FAIL', message: 'token bob@pam!monitoring has privilege separation off' },
  { name: 'no matrix configured', node: pveNode(), expect: 'SKIP', message: 'access_matrix' },
  { name: 'invalid matrix: the error names file, line and key', node: pveNode(), config: { access_matrix: BAD }, expect: 'SKIP', message: /bad\.yaml:2: users\.alice: is not a user id/ },
  { name: 'matrix file missing', node: pveNode(), config: { access_matrix: path.join(path.dirname(EXACT), 'nope.yaml') }, expect: 'SKIP', message: 'cannot read: no such file or directory' },
  { name: 'user.cfg not collected', node: noPve, config: { access_matrix: EXACT }, expect: 'SKIP' },
]));

test('PVE-15 lists a missing grant with the matrix entry it comes from', async () => {
  const { runCheck } = await import('../testing.js');
  const [f] = runCheck(pve15, { node: pveNode(), config: { access_matrix: DRIFT } });
  assert.match(f.message, /carol@pve lacks PVEVMUser on \/vms\/102, which the matrix grants \(access matrix users.carol@pve grant 1: PVEVMUser on \/vms\/102 \(not propagating\)\)/);
});
