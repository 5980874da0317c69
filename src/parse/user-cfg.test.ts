import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PermissionEngine } from '../engines/permissions/engine.js';
import { accessInputFromUserCfg } from '../engines/permissions/from-user-cfg.js';
import { BUILTIN_ROLES, PVE_PRIVILEGES, decodeText, normalizeAclPath, parseUserCfg, splitList, type UserConfig } from './user-cfg.js';

/** ACL-only roles (PVE::AccessControl::roles) of a parsed configuration, as the permission engine answers them. */
const engines = new WeakMap<UserConfig, PermissionEngine>();
function aclRoles(cfg: UserConfig, id: string, path: string): Set<string> {
  let engine = engines.get(cfg);
  if (!engine) engines.set(cfg, (engine = new PermissionEngine(accessInputFromUserCfg(cfg))));
  return new Set(engine.roleNames(id, path));
}

const FIX = fileURLToPath(new URL('../../test/fixtures/pve-access-control/', import.meta.url));
const jsonl = (file: string) => readFileSync(FIX + file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

/** The parsed configuration in the shape of Proxmox's Perl hash (as the upstream test data prints it). */
function toPerl(cfg: UserConfig): Record<string, unknown> {
  const users: Record<string, unknown> = {};
  for (const u of cfg.users.values()) {
    if (u.line === 0) {
      users[u.id] = { enable: 1 }; // implicit root@pam
      continue;
    }
    const o: Record<string, unknown> = { enable: u.enable ? 1 : 0, expire: u.expire, email: u.email ?? null };
    if (u.firstname) o.firstname = u.firstname;
    if (u.lastname) o.lastname = u.lastname;
    if (u.comment) o.comment = u.comment;
    if (u.keys) o.keys = u.keys;
    if (u.groups.size) o.groups = Object.fromEntries([...u.groups].map((g) => [g, 1]));
    if (u.tokens.size) {
      o.tokens = Object.fromEntries([...u.tokens.values()].map((t) => [t.name, { expire: t.expire, privsep: t.privsep ? 1 : 0, ...(t.comment ? { comment: t.comment } : {}) }]));
    }
    users[u.id] = o;
  }
  const roles: Record<string, unknown> = {};
  for (const r of cfg.roles.values()) if (!r.builtin) roles[r.name] = Object.fromEntries([...r.privileges].map((p) => [p, 1]));
  const aclRoot: Record<string, any> = {};
  for (const node of cfg.acl.values()) {
    let n = aclRoot;
    for (const seg of node.path.split('/').filter(Boolean)) n = ((n.children ??= {})[seg] ??= {});
    for (const kind of ['users', 'groups', 'tokens'] as const) {
      for (const [member, grants] of node[kind]) {
        ((n[kind] ??= {})[member] = Object.fromEntries([...grants].map(([r, g]) => [r, g.propagate ? 1 : 0])));
      }
    }
  }
  const out: Record<string, unknown> = { acl_root: aclRoot, roles, users };
  if (cfg.groups.size) {
    out.groups = Object.fromEntries([...cfg.groups.values()].map((g) => [g.name, {
      users: Object.fromEntries([...g.members].map((m) => [m, 1])), ...(g.comment ? { comment: g.comment } : {}),
    }]));
  }
  if (cfg.pools.size) {
    out.pools = Object.fromEntries([...cfg.pools.values()].map((p) => [p.name, {
      vms: Object.fromEntries([...p.vms].map((v) => [v, 1])), storage: Object.fromEntries([...p.storage].map((s) => [s, 1])),
      pools: Object.fromEntries([...p.children].map((c) => [c, 1])), ...(p.comment ? { comment: p.comment } : {}), ...(p.parent ? { parent: p.parent } : {}),
    }]));
  }
  if (cfg.vms.size) out.vms = Object.fromEntries(cfg.vms);
  return out;
}

/** Port of PVE::AccessControl::write_user_config (test-only: checks the parsed structure the way upstream does). */
function writeUserCfg(cfg: UserConfig): string {
  const enc = (s?: string) => (s ? s.replace(/%/g, '%25').replace(/:/g, '%3A') : '');
  const sorted = <T,>(xs: Iterable<T>) => [...xs].map(String).sort();
  let out = '';
  for (const id of sorted(cfg.users.keys())) {
    const u = cfg.users.get(id)!;
    out += `user:${id}:${u.enable ? 1 : 0}:${u.expire}:${enc(u.firstname)}:${enc(u.lastname)}:${u.email ?? ''}:${enc(u.comment)}:${u.keys ?? ''}:\n`;
    for (const name of sorted(u.tokens.keys())) {
      const t = u.tokens.get(name)!;
      out += `token:${id}!${name}:${t.expire}:${t.privsep ? 1 : 0}:${enc(t.comment)}:\n`;
    }
  }
  out += '\n';
  for (const name of sorted(cfg.groups.keys())) {
    const g = cfg.groups.get(name)!;
    out += `group:${name}:${sorted(g.members).join(',')}:${enc(g.comment)}:\n`;
  }
  out += '\n';
  for (const name of sorted(cfg.pools.keys())) {
    const p = cfg.pools.get(name)!;
    out += `pool:${name}:${enc(p.comment)}:${sorted(p.vms).join(',')}:${sorted(p.storage).join(',')}:\n`;
  }
  out += '\n';
  for (const name of sorted(cfg.roles.keys())) {
    const r = cfg.roles.get(name)!;
    if (!r.builtin) out += `role:${name}:${sorted(r.privileges).join(',')}:\n`;
  }
  out += '\n';
  const paths = ['/', ...sorted(cfg.acl.keys()).filter((p) => p !== '/')].sort((a, b) => {
    const sa = a.split('/').filter(Boolean), sb = b.split('/').filter(Boolean); // tree order: parent, then children by name
    for (let i = 0; i < Math.min(sa.length, sb.length); i++) if (sa[i] !== sb[i]) return sa[i] < sb[i] ? -1 : 1;
    return sa.length - sb.length;
  });
  for (const path of paths) {
    const node = cfg.acl.get(path);
    if (!node) continue;
    const byProp: Record<number, Map<string, string[]>> = { 0: new Map(), 1: new Map() };
    const collect = (members: Map<string, Map<string, { propagate: boolean }>>, prefix: string, exclude?: string) => {
      for (const [member, grants] of members) {
        if (member === exclude) continue;
        for (const prop of [0, 1]) {
          const list = sorted([...grants].filter(([, g]) => (g.propagate ? 1 : 0) === prop).map(([r]) => r)).join(',');
          if (list) byProp[prop].set(list, [...(byProp[prop].get(list) ?? []), prefix + member]);
        }
      }
    };
    collect(node.groups, '@');
    collect(node.users, '', 'root@pam');
    collect(node.tokens, '');
    for (const prop of [0, 1]) {
      for (const list of sorted(byProp[prop].keys())) out += `acl:${prop}:${path}:${sorted(byProp[prop].get(list)!).join(',')}:${list}:\n`;
    }
  }
  return out;
}

test('built-in roles and privileges equal builtin-roles.json of pve-access-control 9.1.1', () => {
  const ref = JSON.parse(readFileSync(FIX + 'builtin-roles.json', 'utf8'));
  assert.deepEqual([...PVE_PRIVILEGES].sort(), [...ref.privileges].sort());
  assert.equal(PVE_PRIVILEGES.length, 47);
  assert.deepEqual(Object.keys(BUILTIN_ROLES).sort(), Object.keys(ref.roles).sort());
  for (const [name, privs] of Object.entries(ref.roles)) assert.deepEqual([...BUILTIN_ROLES[name]].sort(), [...(privs as string[])].sort(), name);
});

test('upstream parser_writer.pl cases: parsed structure and warnings equal the real parser', () => {
  const cases = jsonl('parser-writer-cases.jsonl');
  assert.equal(cases.length, 33);
  for (const c of cases) {
    const { value, diagnostics } = parseUserCfg(c.raw);
    const expected = c.expected_config ?? c.config;
    if (expected) {
      const { _note, ...want } = expected;
      void _note;
      assert.deepEqual(toPerl(value), want, c.name);
    } else {
      assert.equal(writeUserCfg(value), c.expected_raw, `${c.name}: write(parse(raw))`);
    }
    assert.equal(writeUserCfg(value), c.parsed_written, `${c.name}: written like Proxmox writes it`);
    assert.deepEqual(diagnostics.map((d) => d.message), c.parse_warnings, `${c.name}: warnings`);
  }
  console.log(`# user.cfg: ${cases.length}/33 upstream parser cases pass`);
});

test('upstream perm-test*.pl ACL role assertions (kind roles) on test1..8.cfg', () => {
  const cases = jsonl('perm-cases.jsonl').filter((c) => c.kind === 'roles');
  assert.ok(cases.length > 40);
  const cfgs = new Map<string, UserConfig>();
  for (const f of readdirSync(FIX).filter((f) => /^test\d\.cfg$/.test(f))) {
    const parsed = parseUserCfg(readFileSync(FIX + f), f);
    assert.deepEqual(parsed.diagnostics, [], f);
    cfgs.set(f, parsed.value);
  }
  assert.equal(cfgs.size, 8);
  for (const c of cases) assert.deepEqual([...aclRoles(cfgs.get(c.cfg)!, c.id, c.path)].sort(), c.expected, `${c.cfg} ${c.id} ${c.path}`);
  console.log(`# user.cfg: ${cases.length} upstream perm-test role assertions pass`);
});

test('generated differential cases: ACL roles of every query equal Proxmox', () => {
  let n = 0;
  for (const dir of readdirSync(FIX + 'generated')) {
    const cfg = parseUserCfg(readFileSync(`${FIX}generated/${dir}/user.cfg`)).value;
    for (const q of jsonl(`generated/${dir}/roles.jsonl`)) {
      assert.deepEqual([...aclRoles(cfg, q.id, q.path)].sort(), q.roles, `${dir} ${q.id} ${q.path}`);
      n++;
    }
  }
  assert.ok(n > 500);
  console.log(`# user.cfg: ${n} generated role queries pass`);
});

const REALISTIC = `user:root@pam:1:0:::root@example.com:::
user:alice@pve:1:1767225600:Alice:Smith:alice@example.com:ops%20lead%3A%20night:x!oath:
token:alice@pve!ci01:0:1:CI%20token:
token:bob@corp!early:0:1::
user:bob@corp:0:0:Bob::::
token:bob@corp!deploy:1700000000::
user:legacy@pve:1:0::::old:JBSWY3DPEHPK3PXP:

group:ops:alice@pve,bob@corp,ghost@pve:Operators:
pool:prod:Production:100,101:local-zfs,nfs1:
pool:prod/db::102,100::
role:VMOperator:VM.Audit,VM.Console,VM.PowerMgmt,VM.Monitor:
role:NoAccess:Sys.Audit:

acl:1:/pool/prod/:@ops,alice@pve!ci01:VMOperator:
acl:1:/:alice@pve!later:PVEAuditor:
acl:0://storage:@nogroup,nobody@pve:Later:
acl:1:/vms/100:bob@corp!deploy:PVEVMUser:
token:alice@pve!later:0:1::
role:Later:VM.Audit:
`;

test('realistic user.cfg: fields, tokens, pools, roles, dropped ACL entries with line numbers', () => {
  const { value: cfg, diagnostics } = parseUserCfg(REALISTIC);
  const alice = cfg.users.get('alice@pve')!;
  assert.equal(alice.comment, 'ops lead: night');
  assert.equal(alice.expire, 1767225600);
  assert.equal(alice.keys, 'x!oath');
  assert.equal(alice.tokens.get('ci01')?.privsep, true);
  assert.equal(alice.tokens.get('later')?.line, 19);
  const bob = cfg.users.get('bob@corp')!;
  assert.equal(bob.enable, false);
  assert.deepEqual([...bob.tokens.keys()], ['deploy'], 'a token line before its user line is wiped');
  assert.equal(bob.tokens.get('deploy')?.privsep, false, 'missing privsep field means 0');
  const legacy = cfg.users.get('legacy@pve')!;
  assert.equal(legacy.keys, undefined);
  assert.equal(legacy.legacyKeys, true);
  assert.ok(!JSON.stringify([...cfg.users.values()].map((u) => ({ ...u, groups: [], tokens: [] }))).includes('JBSWY3DP'), 'legacy secret not retained');
  assert.deepEqual([...cfg.groups.get('ops')!.members], ['alice@pve', 'bob@corp', 'ghost@pve']);
  assert.deepEqual([...cfg.pools.get('prod')!.children], ['prod/db']);
  assert.deepEqual([...cfg.pools.get('prod/db')!.vms], [102]);
  assert.deepEqual([...cfg.roles.get('VMOperator')!.privileges], ['VM.Audit', 'VM.Console', 'VM.PowerMgmt']);
  assert.deepEqual([...cfg.roles.get('NoAccess')!.privileges], ['Sys.Audit']);
  assert.deepEqual([...cfg.acl.keys()], ['/pool/prod', '/vms/100']);
  assert.deepEqual(cfg.droppedAcls.map((d) => [d.line, d.reason]), [
    [16, "ignore invalid acl token 'alice@pve!later'"],
    [17, "ignore invalid acl role 'Later'"],
  ]);
  assert.deepEqual(diagnostics.map((d) => d.line), [4, 9, 11, 12, 16, 17]);
  assert.match(diagnostics[0].message, /ignore token 'bob@corp!early' - user does not exist/);
  assert.deepEqual(diagnostics.slice(1, 4).map((d) => d.message), [
    "user config - ignore invalid group member 'ghost@pve'",
    "user config - ignore duplicate vmid '100' in pool 'prod/db'",
    "user config - ignore invalid privilege 'VM.Monitor'",
  ]);
  assert.deepEqual([...aclRoles(cfg, 'alice@pve', '/pool/prod/db')], ['VMOperator']);
});

test('garbage never throws anything but a ParseError', () => {
  for (const s of ['user', ':::::', 'acl:1', 'acl:1:/:@:x', 'pool:a/b/c/d', 'user:%ZZ@pve:1:0:%E2%28%A1', 'token:!!:x', '\u00e9:\u2028']) {
    assert.doesNotThrow(() => parseUserCfg(s));
  }
  assert.throws(() => parseUserCfg(Buffer.from([0x75, 0, 0x73])), /NUL/);
});

test('helpers keep Perl semantics on their fast and slow paths alike', () => {
  // normalize_path: already-normal paths are returned as they are, the others normalized or refused
  for (const [raw, want] of [['/vms/100', '/vms/100'], ['/vms//100/', '/vms/100'], ['vms/100', '/vms/100'], ['/', '/'], ['//', '/'],
    ['/pool/a.b-c_d', '/pool/a.b-c_d'], ['/vms/1 0', undefined], ['', undefined], ['0', undefined], ['/storage/ü', undefined]] as const) {
    assert.equal(normalizeAclPath(raw), want, raw);
  }
  // split_list: one item, separators of every kind, leading/trailing separators
  assert.deepEqual(splitList('alice@pve'), ['alice@pve']);
  assert.deepEqual(splitList(' a@pve,b@pve;c@pve\td@pve  '), ['a@pve', 'b@pve', 'c@pve', 'd@pve']);
  assert.deepEqual(splitList(',;'), []);
  // decode_text: plain text unchanged, %XX unescaped as UTF-8, a lone surrogate becomes U+FFFD
  assert.equal(decodeText('Jane Doe'), 'Jane Doe');
  assert.equal(decodeText('J%C3%BCrgen%20x%zz'), 'Jürgen x%zz');
  assert.equal(decodeText('a\uD800b'), 'a\uFFFDb');
});
