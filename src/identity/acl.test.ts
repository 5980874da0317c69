import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAccessMatrix } from '../config/access-matrix.js';
import { PermissionEngine } from '../engines/permissions/engine.js';
import { accessInputFromUserCfg } from '../engines/permissions/from-user-cfg.js';
import { parseUserCfg } from '../parse/user-cfg.js';
import { MATRIX_DRIFTED, MATRIX_OF_USER_CFG, USER_CFG } from '../checks/pve/testing.js';
import { assertValidPveArgv } from '../../test/support/pve-argv.js';
import { AclRefused, currentGrants, planAclConvergence, type AclGrantState } from './acl.js';

// user.cfg of a small cluster (src/checks/pve/testing.ts): @admins (alice) Administrator on /, @ops (bob,
// carol) PVEVMUser on /pool/prod, bob's privsep token Monitor on /.
const model = (text = USER_CFG) => {
  const cfg = parseUserCfg(text).value;
  return { cfg, engine: new PermissionEngine(accessInputFromUserCfg(cfg)) };
};
const matrix = (yaml: string) => parseAccessMatrix(yaml, 'access-matrix.yaml');
const converge = (yaml: string, operators: string[] = [], text = USER_CFG) => planAclConvergence({ ...model(text), matrix: matrix(yaml), operators });

/**
 * What `pveum acl modify|delete` does to Proxmox's path -> member -> role -> propagate table (PVE::API2::ACL
 * update_acl), written independently of the planner so that a call and its inverse can be replayed.
 */
function replay(grants: Map<string, AclGrantState>, argv: string[]): void {
  const [, , action, path] = argv;
  const opt = (name: string) => { const i = argv.indexOf(name); return i < 0 ? undefined : argv[i + 1]; };
  const roles = opt('--roles')!.split(',');
  const kind = opt('--users') !== undefined ? 'user' : opt('--groups') !== undefined ? 'group' : 'token';
  const member = (opt('--users') ?? opt('--groups') ?? opt('--tokens'))!;
  for (const role of roles) {
    const key = `${path}\0${kind}\0${member}\0${role}`;
    if (action === 'delete') grants.delete(key);
    else grants.set(key, { path, kind, member, role, propagate: (opt('--propagate') ?? '1') === '1' });
  }
}
const plain = (m: Map<string, AclGrantState>) => [...m].map(([k, g]) => `${k.replaceAll('\0', ' ')} ${g.propagate}`).sort();

describe('ACL convergence to an access matrix', () => {
  it('the calls for a drifted matrix: grants first, then revocations, each with its inverse; the engine proves the result', () => {
    const { calls, after } = converge(MATRIX_DRIFTED);
    assert.deepEqual(calls.map((c) => c.argv.join(' ')), [
      'pveum acl modify / --roles Monitor --tokens bob@pam!monitoring --propagate 0',
      'pveum acl modify /vms/102 --roles PVEVMUser --users carol@pve --propagate 0',
      'pveum acl delete /pool/prod --roles PVEVMUser --groups ops',
    ]);
    assert.deepEqual(calls.map((c) => c.inverse.map((a) => a.join(' '))), [
      ['pveum acl modify / --roles Monitor --tokens bob@pam!monitoring --propagate 1'],
      ['pveum acl delete /vms/102 --roles PVEVMUser --users carol@pve'],
      ['pveum acl modify /pool/prod --roles PVEVMUser --groups ops --propagate 1'],
    ]);
    assert.deepEqual(calls.map((c) => c.summary), [
      'grant Monitor on / to bob@pam!monitoring (not propagating)',
      'grant PVEVMUser on /vms/102 to carol@pve (not propagating)',
      'revoke PVEVMUser on /pool/prod from @ops',
    ]);
    // independent of the planner: what the engine says of the result
    assert.deepEqual([...after.privileges('carol@pve', '/vms/102')].sort(), [...model().engine.privileges('carol@pve', '/vms/100')].sort());
    assert.deepEqual(after.privileges('carol@pve', '/vms/100'), []);
    assert.deepEqual(after.privileges('bob@pam!monitoring', '/vms/100'), []);
    assert.ok(after.privileges('alice@pve', '/').includes('Permissions.Modify'));
  });

  it('replaying the calls then their inverses newest first gives back exactly the grants user.cfg had', () => {
    const { cfg } = model();
    const { calls } = converge(`users:
  alice@pve:
    grants:
      - { path: /, roles: [Administrator, PVEAuditor] }
  carol@pve:
    grants:
      - { path: /pool/prod, roles: [PVEVMUser, PVEVMAdmin] }
groups:
  ops:
    grants:
      - { path: /pool/prod, roles: [PVEVMUser], propagate: false }
`);
    const grants = currentGrants(cfg);
    const before = plain(grants);
    for (const c of calls) replay(grants, c.argv);
    assert.notDeepEqual(plain(grants), before);
    for (const c of [...calls].reverse()) for (const inv of c.inverse) replay(grants, inv);
    assert.deepEqual(plain(grants), before);
  });

  it('every generated call and inverse is a valid Proxmox VE 9.1 API call', () => {
    const { calls } = converge(`users:
  alice@pve:
    grants:
      - { path: /, roles: [Administrator] }
  carol@pve:
    grants:
      - { path: /vms/102, roles: [PVEVMUser, PVEAuditor], propagate: false }
tokens:
  bob@pam!monitoring:
    grants:
      - { path: /storage, roles: [Monitor] }
`);
    assert.ok(calls.length >= 4);
    for (const c of calls) for (const argv of [c.argv, ...c.inverse]) assertValidPveArgv(argv, 'PUT /access/acl');
  });

  it('a matrix equal to the effective grants needs no call', () => {
    assert.deepEqual(converge(MATRIX_OF_USER_CFG).calls, []);
  });

  it('refuses a matrix that leaves nobody but root@pam with Permissions.Modify on /', () => {
    assert.throws(() => converge(`groups:
  ops:
    grants:
      - { path: /pool/prod, roles: [PVEVMUser] }
`), (e: unknown) => e instanceof AclRefused && e.reasons.some((r) => r === 'it would leave no user besides root@pam with Permissions.Modify on / (now: alice@pve)'));
  });

  it("refuses to take Permissions.Modify on / from a declared administrator (the operator's own access)", () => {
    const yaml = `users:
  carol@pve:
    grants:
      - { path: /, roles: [Administrator] }
`;
    assert.throws(() => converge(yaml, ['alice@pve']), (e: unknown) => e instanceof AclRefused
      && e.reasons.length === 1 && e.reasons[0] === 'it would take Permissions.Modify on / from alice@pve, a declared administrator (admin_users)');
    assert.equal(converge(yaml, ['bob@pam']).calls.length, 4, 'an operator without it loses nothing');
  });

  it('refuses unknown roles, identities and groups, and grants of members that do not exist', () => {
    assert.throws(() => converge(`users:
  alice@pve:
    grants:
      - { path: /, roles: [Administrator, NoSuchRole] }
  dave@pve:
    grants: []
groups:
  ghosts:
    grants: []
`), (e: unknown) => e instanceof AclRefused && e.reasons.length === 3
      && /role NoSuchRole/.test(e.reasons[0]) && /dave@pve/.test(e.reasons[1]) && /group ghosts/.test(e.reasons[2]));
    const latent = USER_CFG + 'acl:1:/vms:eve@pve:PVEAuditor:\n';
    assert.throws(() => converge('groups:\n  admins:\n    grants:\n      - { path: /, roles: [Administrator] }\n', [], latent),
      (e: unknown) => e instanceof AclRefused && e.reasons.some((r) => r.startsWith('user.cfg line 17 grants PVEAuditor on /vms to user eve@pve, which does not exist')));
  });
});
