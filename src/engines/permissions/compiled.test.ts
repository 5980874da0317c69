import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadOracle } from '../../../test/support/oracle.js';
import { parseUserCfg } from '../../parse/user-cfg.js';
import { PermissionEngine } from './engine.js';
import { accessInputFromUserCfg } from './from-user-cfg.js';
import { releasePrivileges } from './versions.js';

const engineFor = (text: string) => new PermissionEngine(accessInputFromUserCfg(parseUserCfg(text).value));
const sorted = (it: Iterable<string>) => [...it].sort();

/** Every cell of the matrix equals the single query, and every path without a cell has no privileges. */
function assertMatrixMatchesQueries(e: PermissionEngine, label: string): number {
  const m = e.matrix();
  const paths = m.pathList();
  assert.deepEqual([...paths].sort(), e.matrixPaths(), `${label}: matrix paths`);
  let cells = 0;
  for (const row of m.rows) {
    const got = new Map([...m.cells(row)].map((c) => [c.path, c.privileges]));
    for (const path of paths) {
      assert.deepEqual([...(got.get(path) ?? [])], [...e.privileges(row.id, path)], `${label}: matrix ${row.id} ${path}`);
    }
    cells += got.size;
  }
  assert.equal(m.cellCount(), cells, `${label}: cell count`);
  return cells;
}

test('the matrix equals single queries on every oracle configuration', () => {
  let n = 0;
  for (const c of loadOracle('pve-access-control')) {
    for (const [name, text] of Object.entries(c.files)) {
      if (!name.endsWith('.cfg')) continue;
      n += assertMatrixMatchesQueries(engineFor(text), `${c.case}/${name}`);
    }
  }
  assert.ok(n > 1000, `only ${n} cells compared`);
});

// Deterministic pseudo-random numbers (mulberry32) so a failure reproduces.
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random but well-formed user.cfg (lines in random order, so some ACLs are dropped as Proxmox does). */
function randomUserCfg(rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const users = ['root@pam', 'a@pve', 'b@pve', 'c@pam', 'd@ldap', 'ghost@pve'];
  const tokens = ['a@pve!t1', 'b@pve!t2', 'root@pam!r', 'c@pam!t3'];
  const groups = ['g1', 'g2', 'g3'];
  const roles = ['NoAccess', 'PVEAuditor', 'PVEVMUser', 'PVEVMAdmin', 'Administrator', 'PVEDatastoreUser', 'R1', 'R2'];
  const paths = ['/', '/vms', '/vms/100', '/vms/101', '/vms/100/x', '/storage', '/storage/local', '/pool/p1', '/pool/p2', '/pool/p1/sub', '/nodes/pve1', '/access'];
  const privs = releasePrivileges('pve9');
  const lines: string[] = [];
  for (const u of users.slice(1, 5)) lines.push(`user:${u}:1:0::::::`);
  for (const t of tokens) lines.push(`token:${t}:0:${pick(['0', '1', ''])}::`);
  for (const g of groups) lines.push(`group:${g}:${users.filter(() => rand() < 0.4).join(',')}::`);
  lines.push(`role:R1:${[pick(privs), pick(privs)].join(',')}:`, `role:R2:${pick(privs)}:`);
  if (rand() < 0.3) lines.push(`role:NoAccess:${pick(privs)}:`);
  lines.push(`pool:p1::100:local:`, `pool:p2::101:local:`, `pool:p1/sub::102::`);
  const n = 3 + Math.floor(rand() * 12);
  for (let i = 0; i < n; i++) {
    const member = rand() < 0.4 ? `@${pick(groups)}` : rand() < 0.5 ? pick(users) : pick(tokens);
    lines.push(`acl:${pick(['0', '1'])}:${pick(paths)}:${member}:${pick(roles)}:`);
  }
  for (let i = lines.length - 1; i > 0; i--) {
    if (rand() < 0.3) {
      const j = Math.floor(rand() * (i + 1));
      [lines[i], lines[j]] = [lines[j], lines[i]];
    }
  }
  return lines.join('\n') + '\n';
}

test('fuzz: 400 random configurations, compiled answers equal the explaining walk, the matrix equals queries', () => {
  const rand = rng(20261125);
  const ids = ['root@pam', 'a@pve', 'b@pve', 'c@pam', 'd@ldap', 'ghost@pve', 'nobody@pve', 'a@pve!t1', 'b@pve!t2', 'root@pam!r', 'c@pam!t3', 'a@pve!missing', 'not an id', ''];
  const paths = ['/', '/vms', '/vms/100', '/vms/101', '/vms/102', '/vms/100/x', '/storage', '/storage/local', '/storage/local/x', '/pool/p1', '/pool/p1/sub', '/nodes', '/nodes/pve1', '/access', '', 'vms', '//vms//100/', '/unknown/deep/path'];
  let nonEmpty = 0;
  let cells = 0;
  for (let i = 0; i < 400; i++) {
    const text = randomUserCfg(rand);
    const e = engineFor(text);
    for (const id of ids) {
      for (const path of paths) {
        const ex = e.explain(id, path, true);
        assert.deepEqual([...e.privileges(id, path)], sorted(ex.privileges), `config ${i} permissions(${id}, ${path})\n${text}`);
        if (ex.privileges.size && id !== 'root@pam') nonEmpty++;
        assert.deepEqual([...e.roleNames(id, path)], sorted(e.roles(id, path).keys()), `config ${i} roles(${id}, ${path})\n${text}`);
      }
    }
    cells += assertMatrixMatchesQueries(e, `config ${i}`);
  }
  assert.ok(nonEmpty > 5000 && cells > 5000, `the random configurations grant too little: ${nonEmpty} answers, ${cells} cells`);
});

test('fuzz: mayHoldAny is false only for identities that hold none of the privileges on any path or matrix cell', () => {
  const rand = rng(20261207);
  const ids = ['root@pam', 'a@pve', 'b@pve', 'c@pam', 'd@ldap', 'ghost@pve', 'nobody@pve', 'a@pve!t1', 'b@pve!t2', 'root@pam!r', 'c@pam!t3', 'a@pve!missing'];
  const paths = ['/', '/vms', '/vms/100', '/vms/101', '/vms/102', '/vms/100/x', '/storage', '/storage/local', '/pool/p1', '/pool/p1/sub', '/nodes/pve1', '/access', '/unknown/deep'];
  const privs = releasePrivileges('pve9');
  let excluded = 0;
  let included = 0;
  for (let i = 0; i < 300; i++) {
    const text = randomUserCfg(rand);
    const e = engineFor(text);
    const m = e.matrix([...new Set([...ids, ...e.identities()])]);
    for (const row of m.rows) {
      const asked = [[privs[Math.floor(rand() * privs.length)]], ['Permissions.Modify', 'Sys.Modify', 'Realm.Allocate', 'User.Modify'], ['VM.Audit', 'Datastore.Audit']];
      for (const want of asked) {
        const held = (names: readonly string[]) => want.some((p) => names.includes(p));
        const holds = [...m.cells(row)].some((c) => held(c.privileges)) || paths.some((p) => held(e.privileges(row.id, p)));
        if (e.mayHoldAny(row.id, want)) included++;
        else {
          excluded++;
          assert.equal(holds, false, `config ${i}: ${row.id} holds one of ${want.join(',')}\n${text}`);
        }
      }
    }
  }
  assert.ok(excluded > 2000 && included > 2000, `too one-sided: ${excluded} excluded, ${included} included`);
});

test('PVE 8 tables: VM.Monitor is a privilege, VM.GuestAgent.* are unknown (dropped with a warning)', () => {
  const text = 'user:a@pve:1:0::::::\nrole:Mon:VM.Monitor,VM.GuestAgent.Audit:\nacl:1:/vms:a@pve:Mon:\nacl:1:/nodes:a@pve:PVEVMAdmin:\n';
  const v8 = parseUserCfg(text, 'user.cfg', 'pve8');
  const e8 = new PermissionEngine(accessInputFromUserCfg(v8.value));
  assert.deepEqual([...e8.privileges('a@pve', '/vms/100')], ['VM.Monitor']);
  assert.ok(e8.privileges('a@pve', '/nodes').includes('VM.Monitor'));
  assert.ok(!e8.privileges('a@pve', '/nodes').includes('VM.Replicate'));
  assert.match(v8.diagnostics.map((d) => `${d.line}: ${d.message}`).join('\n'), /2: .*invalid privilege 'VM.GuestAgent.Audit'/);
  assert.equal(e8.privileges('root@pam', '/').length, 42);
  const v9 = parseUserCfg(text);
  assert.deepEqual([...new PermissionEngine(accessInputFromUserCfg(v9.value)).privileges('a@pve', '/vms/100')], ['VM.GuestAgent.Audit']);
  assert.match(v9.diagnostics.map((d) => d.message).join('\n'), /invalid privilege 'VM.Monitor'/);
});

test('fuzz: mutated user.cfg text never makes the parser or the engine throw anything but a ParseError', () => {
  const rand = rng(7);
  const base = randomUserCfg(rand).split('\n');
  const junk = [':', '::', '!', '@', '/', '//', ',', ' ', '%', '%zz', '0', '1', 'NoAccess', '@g1', 'a@pve!', '!t', '\t', 'é', '../', '*'];
  for (let i = 0; i < 500; i++) {
    const lines = base.map((l) => {
      if (rand() > 0.3) return l;
      const at = Math.floor(rand() * (l.length + 1));
      return rand() < 0.5 ? l.slice(0, at) + junk[Math.floor(rand() * junk.length)] + l.slice(at) : l.slice(0, at);
    });
    const text = lines.join('\n');
    let parsed;
    try {
      parsed = parseUserCfg(text);
    } catch (e) {
      assert.equal((e as Error).name, 'ParseError', text);
      continue;
    }
    const e = new PermissionEngine(accessInputFromUserCfg(parsed.value));
    for (const id of e.identities()) for (const path of ['/', '/vms/100', '/pool/p1', '', '%', '/x//y/']) {
      e.privileges(id, path);
      e.explain(id, path, true);
    }
    e.matrix().cellCount();
  }
});

test('fuzz: the run-by-run diff of two configurations equals comparing every (identity, path) by query', async () => {
  const { diffEngines } = await import('./diff.js');
  const rand = rng(99);
  let changes = 0;
  for (let i = 0; i < 150; i++) {
    const [ta, tb] = [randomUserCfg(rand), randomUserCfg(rand)];
    const got = diffEngines(engineFor(ta), engineFor(tb)).map((d) => `${d.id} ${d.path} ${d.privilegesBefore.join(',')} > ${d.privilegesAfter.join(',')} | ${d.rolesBefore.join(',')} > ${d.rolesAfter.join(',')}`);
    const a = engineFor(ta);
    const b = engineFor(tb);
    const want: string[] = [];
    const value = (e: PermissionEngine, id: string, path: string) => {
      const privs = e.privileges(id, path);
      return { privs, roles: privs.length ? e.effectiveRoleNames(id, path) : [] };
    };
    const paths = [...new Set([...a.matrixPaths(), ...b.matrixPaths()])];
    for (const id of [...new Set([...a.identities(), ...b.identities()])].sort()) {
      for (const path of paths) {
        const x = value(a, id, path);
        const y = value(b, id, path);
        if (x.privs.join() === y.privs.join() && x.roles.join() === y.roles.join()) continue;
        want.push(`${id} ${path} ${x.privs.join(',')} > ${y.privs.join(',')} | ${x.roles.join(',')} > ${y.roles.join(',')}`);
      }
    }
    assert.deepEqual([...got].sort(), want.sort(), `configs ${i}\n${ta}\n---\n${tb}`);
    changes += got.length;
  }
  assert.ok(changes > 1000, `${changes}`);
});
