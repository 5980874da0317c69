/**
 * user.cfg as the pvesh/pveum STAND-IN keeps it (test code, not Proxmox's): read with the project's own
 * parser (exactly Proxmox's parse_user_config), edited as a mutable model, written back the way
 * PVE::AccessControl::write_user_config writes it (users with their tokens, groups, pools, non-built-in
 * roles, then per ACL path one line per propagate flag and role list; every list sorted; text fields
 * through encode_text). Like Proxmox, whatever the parser drops (invalid lines, ACLs of unknown roles
 * or tokens, extensions of built-in roles) is gone after the first write.
 */
import { parseUserCfg, type AclMemberKind } from '../../src/parse/user-cfg.js';

export interface DbToken { expire: number; privsep: boolean; comment?: string }
export interface DbUser {
  id: string;
  enable: boolean;
  expire: number;
  firstname?: string;
  lastname?: string;
  email?: string;
  comment?: string;
  keys?: string;
  tokens: Map<string, DbToken>;
}
export interface DbPool { comment?: string; vms: number[]; storage: string[] }
/** member -> role -> propagate */
export type AclMembers = Map<string, Map<string, boolean>>;
export type AclNodeDb = Record<AclMemberKind, AclMembers>;

export interface UserDb {
  users: Map<string, DbUser>;
  groups: Map<string, { members: Set<string>; comment?: string }>;
  pools: Map<string, DbPool>;
  /** Every role, built-in ones included (only the others are written). */
  roles: Map<string, { privileges: string[]; builtin: boolean }>;
  acl: Map<string, AclNodeDb>;
}

export function readUserDb(text: string, file = '/etc/pve/user.cfg'): UserDb {
  const cfg = parseUserCfg(text, file).value;
  const db: UserDb = { users: new Map(), groups: new Map(), pools: new Map(), roles: new Map(), acl: new Map() };
  for (const u of cfg.users.values()) {
    db.users.set(u.id, {
      id: u.id, enable: u.enable, expire: u.expire, firstname: u.firstname, lastname: u.lastname, email: u.email, comment: u.comment, keys: u.keys,
      tokens: new Map([...u.tokens.values()].map((t) => [t.name, { expire: t.expire, privsep: t.privsep, comment: t.comment }])),
    });
  }
  for (const g of cfg.groups.values()) db.groups.set(g.name, { members: new Set(g.members), comment: g.comment });
  for (const p of cfg.pools.values()) db.pools.set(p.name, { comment: p.comment, vms: [...p.vms], storage: [...p.storage] });
  for (const r of cfg.roles.values()) db.roles.set(r.name, { privileges: [...r.privileges], builtin: r.builtin });
  for (const e of cfg.aclEntries) aclMembers(db, e.path, e.kind).set(e.member, (aclMembers(db, e.path, e.kind).get(e.member) ?? new Map()).set(e.role, e.propagate));
  return db;
}

export function aclMembers(db: UserDb, path: string, kind: AclMemberKind): AclMembers {
  let node = db.acl.get(path);
  if (!node) db.acl.set(path, (node = { user: new Map(), group: new Map(), token: new Map() }));
  return node[kind];
}

/** PVE::Tools::encode_text: control, high-bit characters and ':' as %XX (UTF-8). */
export function encodeText(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) out += b >= 0x20 && b <= 0x7e && b !== 0x3a ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

const sorted = <T>(xs: Iterable<T>, key: (x: T) => string = String): T[] => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
const text = (s: string | undefined) => (s ? encodeText(s) : '');

export function writeUserDb(db: UserDb): string {
  let data = '';
  for (const u of sorted(db.users.values(), (u) => u.id)) {
    data += `user:${u.id}:${u.enable ? 1 : 0}:${Math.trunc(u.expire || 0)}:${text(u.firstname)}:${text(u.lastname)}:${u.email ?? ''}:${text(u.comment)}:${u.keys ?? ''}:\n`;
    for (const [name, t] of sorted(u.tokens, ([n]) => n)) data += `token:${u.id}!${name}:${Math.trunc(t.expire || 0)}:${t.privsep ? 1 : 0}:${text(t.comment)}:\n`;
  }
  data += '\n';
  for (const [name, g] of sorted(db.groups, ([n]) => n)) data += `group:${name}:${sorted(g.members).join(',')}:${text(g.comment)}:\n`;
  data += '\n';
  for (const [name, p] of sorted(db.pools, ([n]) => n)) data += `pool:${name}:${text(p.comment)}:${sorted(p.vms.map(String)).join(',')}:${sorted(p.storage).join(',')}:\n`;
  data += '\n';
  for (const [name, r] of sorted(db.roles, ([n]) => n)) if (!r.builtin) data += `role:${name}:${sorted(r.privileges).join(',')}:\n`;
  data += '\n';
  for (const [path, node] of sorted(db.acl, ([p]) => p)) {
    // propagate -> role list -> members, as write_user_config's collect_rolelist_members
    const byFlag: [Map<string, Set<string>>, Map<string, Set<string>>] = [new Map(), new Map()];
    for (const [kind, prefix] of [['group', '@'], ['user', ''], ['token', '']] as const) {
      for (const [member, roles] of node[kind]) {
        for (const flag of [0, 1] as const) {
          const list = sorted([...roles].filter(([, p]) => (p ? 1 : 0) === flag).map(([r]) => r)).join(',');
          if (!list) continue;
          const set = byFlag[flag].get(list) ?? new Set();
          byFlag[flag].set(list, set.add(prefix + member));
        }
      }
    }
    for (const flag of [0, 1] as const) {
      for (const [roles, members] of sorted(byFlag[flag], ([r]) => r)) data += `acl:${flag}:${path}:${sorted(members).join(',')}:${roles}:\n`;
    }
  }
  return data;
}
