import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccessMatrixError, parseAccessMatrix } from './access-matrix.js';
import { parseConfig } from './load.js';

test('a valid matrix: paths normalised as Proxmox does, propagate and privsep defaults', () => {
  const m = parseAccessMatrix(`users:
  alice@pve:
    grants:
      - { path: /pool//prod/, roles: [PVEVMUser, PVEAuditor] }
groups:
  admins:
    grants:
      - path: /
        roles: [Administrator]
tokens:
  backup@pve!vzdump:
    allow_privsep_0: true
    grants:
      - { path: /storage/pbs, roles: [PVEDatastoreUser], propagate: false }
`, 'access-matrix.yaml');
  assert.deepEqual(m.users['alice@pve'].grants, [{ path: '/pool/prod', roles: ['PVEVMUser', 'PVEAuditor'], propagate: true }]);
  assert.equal(m.groups.admins.grants[0].path, '/');
  assert.equal(m.tokens['backup@pve!vzdump'].allow_privsep_0, true);
  assert.equal(m.tokens['backup@pve!vzdump'].grants[0].propagate, false);
  assert.deepEqual(parseAccessMatrix('', 'empty.yaml'), { users: {}, groups: {}, tokens: {} });
});

test('every wrong key is reported with file, line and key path', () => {
  const text = `users:
  alice:
    grants: []
groups:
  admins:
    grants:
      - { path: "/vms 100", roles: [] }
      - { path: /, roles: [Administrator], propogate: false }
tokens:
  ci@pve!build:
    allow_privsep_0: "no"
extra: 1
`;
  assert.throws(() => parseAccessMatrix(text, 'am.yaml'), (e: unknown) => {
    assert.ok(e instanceof AccessMatrixError);
    const lines = e.message.split('\n');
    assert.deepEqual(lines, [
      'am.yaml:2: users.alice: is not a user id like alice@pve',
      'am.yaml:7: groups.admins.grants.0.path: "/vms 100" is not an ACL path (e.g. /, /vms/100, /pool/prod)',
      'am.yaml:7: groups.admins.grants.0.roles: list at least one role',
      'am.yaml:8: groups.admins.grants.1: unknown key(s) "propogate"',
      'am.yaml:11: tokens.ci@pve!build.allow_privsep_0: must be true or false',
      'am.yaml:12: (top level): unknown key(s) "extra"',
    ]);
    return true;
  });
  assert.throws(() => parseAccessMatrix('users: [\n', 'broken.yaml'), /broken\.yaml:\d+: invalid YAML/);
});

test('pvesec.yaml names the matrix file with access_matrix', () => {
  assert.equal(parseConfig('access_matrix: /etc/pvesec/access-matrix.yaml\n', 'pvesec.yaml').access_matrix, '/etc/pvesec/access-matrix.yaml');
  assert.equal(parseConfig('', 'pvesec.yaml').access_matrix, undefined);
});
