import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUserCfg, PVE_PRIVILEGES } from '../../parse/user-cfg.js';
import { PermissionEngine } from './engine.js';
import { accessInputFromUserCfg } from './from-user-cfg.js';

const CFG = `user:alice@pve:1:0::::::
user:bob@pve:1:0::::::
token:alice@pve!ci:0:1::
token:alice@pve!legacy:0::
group:ops:alice@pve,bob@pve,ghost@pve::
role:Lurker:VM.Audit:
pool:prod::100,101:local-zfs:
acl:1:/vms:@ops:PVEVMAdmin:
acl:1:/vms/100:alice@pve:Lurker:
acl:0:/storage:bob@pve:PVEDatastoreAdmin:
acl:1:/pool/prod:bob@pve:PVEVMUser:
acl:1:/vms:alice@pve!ci:PVEVMAdmin:
acl:1:/vms:alice@pve!legacy:Administrator:
acl:1:/nodes:@ops:PVEAuditor:
acl:1:/nodes/pve1:ghost@pve:NoAccess:
`;
const engine = new PermissionEngine(accessInputFromUserCfg(parseUserCfg(CFG).value, PVE_PRIVILEGES));
const privs = (id: string, path: string) => [...engine.permissions(id, path)].sort();

test('a deeper level replaces the inherited roles instead of adding to them', () => {
  assert.ok(privs('alice@pve', '/vms/101').includes('VM.PowerMgmt'));
  assert.deepEqual(privs('alice@pve', '/vms/100'), ['VM.Audit']);
  const ex = engine.explain('alice@pve', '/vms/100', true);
  const last = ex.trace!.at(-1)!;
  assert.equal(last.decidedBy, 'user');
  assert.deepEqual(last.replaced.map((g) => g.role), ['PVEVMAdmin']);
  assert.deepEqual(last.applied.map((g) => [g.role, g.entries[0].line]), [['Lurker', 9]]);
});

test('a user entry shadows group entries only at its own level', () => {
  const ex = engine.explain('alice@pve', '/vms/100', true);
  assert.deepEqual(ex.trace!.find((s) => s.path === '/vms')!.decidedBy, 'groups');
  assert.deepEqual(privs('bob@pve', '/vms/100').includes('VM.Allocate'), true, 'bob keeps the group role');
});

test('pool roles reach only the exact /vms/<id> members, without propagation', () => {
  assert.ok(privs('bob@pve', '/vms/100').includes('VM.Backup'));
  assert.deepEqual(privs('bob@pve', '/storage/local-zfs/x'), [], 'pool roles do not propagate below a member');
  assert.equal(engine.explain('bob@pve', '/vms/101').poolRoles?.get('PVEVMUser')?.pool, 'prod');
});

test('a non-propagating entry applies only on its own path', () => {
  assert.ok(privs('bob@pve', '/storage').includes('Datastore.Allocate'));
  assert.deepEqual(privs('bob@pve', '/storage/local-zfs'), ['VM.Audit', 'VM.Backup', 'VM.Config.CDROM', 'VM.Config.Cloudinit', 'VM.Console', 'VM.GuestAgent.Audit', 'VM.GuestAgent.FileRead', 'VM.GuestAgent.FileSystemMgmt', 'VM.GuestAgent.FileWrite', 'VM.PowerMgmt'].sort());
});

test('a privsep token is limited to its owner; a token without privsep field acts as its owner', () => {
  assert.deepEqual(privs('alice@pve!ci', '/vms/100'), ['VM.Audit']);
  assert.deepEqual(privs('alice@pve!legacy', '/vms/100'), ['VM.Audit'], 'own Administrator ACL ignored');
  assert.equal(engine.explain('alice@pve!legacy', '/vms').tokenWithoutPrivsep, true);
  assert.deepEqual(privs('alice@pve!nosuch', '/vms'), []);
});

test('NoAccess wins; unknown users still count; root@pam has everything', () => {
  assert.deepEqual(privs('ghost@pve', '/nodes/pve1'), []);
  assert.ok(privs('ghost@pve', '/nodes').includes('Sys.Audit'), 'an undefined group member still gets the group role');
  assert.equal(privs('root@pam', '/anything').length, 47);
});

test('the matrix paths are the top-level paths, every ACL path and every pool member', () => {
  const paths = engine.matrixPaths();
  for (const p of ['/', '/access', '/vms/100', '/vms/101', '/storage/local-zfs', '/nodes/pve1', '/pool/prod']) assert.ok(paths.includes(p), p);
});

test('privilegeRuns sums up exactly what cells() expands: first path, privileges and path count per run', async () => {
  const { generateUserCfg } = await import('../../../scripts/gen-user-cfg.js');
  const cfg = parseUserCfg(generateUserCfg({ seed: 7, users: 300, groups: 40, tokens: 120, pools: 20, aclEntries: 3000 }).text).value;
  const m = new PermissionEngine(accessInputFromUserCfg(cfg)).matrix();
  let runs = 0;
  for (const row of m.rows) {
    const expanded: { privileges: string; paths: string[] }[] = [];
    for (const cell of m.cells(row)) {
      const key = cell.privileges.join(',');
      const last = expanded[expanded.length - 1];
      if (last && last.privileges === key && last.paths.length) last.paths.push(cell.path);
      else expanded.push({ privileges: key, paths: [cell.path] });
    }
    const fromRuns = [...m.privilegeRuns(row)];
    runs += fromRuns.length;
    // adjacent runs may share a privilege set: merge them as the expansion does
    const merged: { privileges: string; first: string; paths: number }[] = [];
    for (const r of fromRuns) {
      const key = r.privileges.join(',');
      const last = merged[merged.length - 1];
      if (last && last.privileges === key) last.paths += r.paths;
      else merged.push({ privileges: key, first: r.firstPath, paths: r.paths });
    }
    assert.deepEqual(merged, expanded.map((e) => ({ privileges: e.privileges, first: e.paths[0], paths: e.paths.length })), row.id);
  }
  assert.ok(runs > 1000, `only ${runs} runs: the generated configuration is too small to mean anything`);
});
