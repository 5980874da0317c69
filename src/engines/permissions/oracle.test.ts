import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadOracle } from '../../../test/support/oracle.js';
import { parseUserCfg, PVE_PRIVILEGES } from '../../parse/user-cfg.js';
import { PermissionEngine } from './engine.js';
import { accessInputFromUserCfg } from './from-user-cfg.js';

// Every answer Proxmox's Perl code (pve-access-control 9.1.1) gives in ../shared/oracle, packed into
// test/fixtures/oracle/pve-access-control.jsonl.gz. The engine must agree with all of them.
const oracle = loadOracle('pve-access-control');
const engineFor = (userCfg: string) => new PermissionEngine(accessInputFromUserCfg(parseUserCfg(userCfg).value, PVE_PRIVILEGES));
const sorted = (it: Iterable<string>) => [...it].sort();

test('upstream perm-test1..8 assertions (roles and permissions)', () => {
  const upstream = oracle.find((c) => c.case === 'upstream')!;
  const engines = new Map<string, PermissionEngine>();
  let n = 0;
  for (const q of upstream.jsonl['perm-cases.jsonl']) {
    if (!engines.has(q.cfg)) engines.set(q.cfg, engineFor(upstream.files[q.cfg]));
    const e = engines.get(q.cfg)!;
    const where = `${q.test} ${q.kind}(${q.id}, ${JSON.stringify(q.path)})`;
    if (q.kind === 'roles') {
      assert.deepEqual([...e.roleNames(q.id, q.path)], q.expected, where);
      assert.deepEqual(sorted(e.roles(q.id, q.path).keys()), q.expected, `${where} (explaining walk)`);
    } else {
      assert.deepEqual([...e.privileges(q.id, q.path)], q.expected, where);
      assert.deepEqual(sorted(e.explain(q.id, q.path).privileges), q.expected, `${where} (explaining walk)`);
    }
    n++;
  }
  assert.equal(n, 100);
});

test('150 generated configurations: 31458 permission and role queries', () => {
  const cases = oracle.filter((c) => c.source === 'generated' && c.files['user.cfg']);
  assert.equal(cases.length, 150);
  let privs = 0;
  let roles = 0;
  for (const c of cases) {
    const e = engineFor(c.files['user.cfg']);
    for (const q of c.jsonl['expected.jsonl']) {
      assert.deepEqual([...e.privileges(q.id, q.path)], q.privs, `${c.case}: permissions(${q.id}, ${q.path})`);
      assert.deepEqual(sorted(e.explain(q.id, q.path).privileges), q.privs, `${c.case}: explain(${q.id}, ${q.path})`);
      privs++;
    }
    for (const q of c.jsonl['roles.jsonl']) {
      assert.deepEqual([...e.roleNames(q.id, q.path)], q.roles, `${c.case}: roles(${q.id}, ${q.path})`);
      assert.deepEqual(sorted(e.roles(q.id, q.path).keys()), q.roles, `${c.case}: roles walk(${q.id}, ${q.path})`);
      roles++;
    }
  }
  assert.equal(privs, 31458);
  assert.equal(roles, 31458);
});

test('upstream api-get-permissions: effective permissions per path with propagate flags', () => {
  const upstream = oracle.find((c) => c.case === 'upstream')!;
  const e = engineFor(upstream.files['api-get-permissions-test.cfg']);
  const rows = upstream.jsonl['api-get-permissions-effective.jsonl'];
  assert.equal(rows.length, 6);
  for (const row of rows) {
    const got: Record<string, Record<string, number>> = {};
    for (const [path, privs] of e.effectivePermissions(row.id)) got[path] = Object.fromEntries(privs);
    assert.deepEqual(got, row.effective, row.id);
  }
});
