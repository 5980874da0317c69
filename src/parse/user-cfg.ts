import { asText, type Diagnostic, type Parsed } from './diagnostics.js';
import { DEFAULT_RELEASE, releaseBuiltinRoles, releasePrivileges, type PveRelease } from '../engines/permissions/versions.js';

/**
 * /etc/pve/user.cfg, parsed exactly like PVE::AccessControl::parse_user_config (pve-access-control 9.1.1):
 * Perl truthiness ("" and "0" are false), split_list, URI-unescaped text fields, later user lines
 * replacing earlier ones (and wiping their tokens), ACL entries dropped when their role or token is
 * not defined yet, ACL paths normalised. Every warning Proxmox prints becomes a diagnostic with the line.
 */

/** The 47 privileges of Proxmox VE 9.1 (PVE 8: see src/engines/permissions/versions.ts). */
export const PVE_PRIVILEGES: readonly string[] = releasePrivileges('pve9');

/** Built-in roles of PVE 9.1 (PVE::AccessControl::create_roles). */
export const BUILTIN_ROLES: Readonly<Record<string, readonly string[]>> = releaseBuiltinRoles('pve9');

export interface PveToken {
  /** Full token id: user@realm!name */
  id: string;
  user: string;
  name: string;
  /** Epoch seconds, 0 = never. */
  expire: number;
  /** Privilege separation; a missing field in user.cfg means false. */
  privsep: boolean;
  comment?: string;
  line: number;
}

export interface PveUser {
  id: string;
  realm: string;
  enable: boolean;
  /** Epoch seconds, 0 = never. */
  expire: number;
  firstname?: string;
  lastname?: string;
  email?: string;
  comment?: string;
  /** `x` or `x!<types>`: factors live in priv/tfa.cfg. Legacy inline secrets are never kept. */
  keys?: string;
  /** The keys field held legacy (pre-tfa.cfg) key material; its value is not retained. */
  legacyKeys: boolean;
  /** Groups listing this user that were read after the user line (Proxmox's users->groups). */
  groups: Set<string>;
  tokens: Map<string, PveToken>;
  line: number;
}

export interface PveGroup {
  name: string;
  /** Members as listed (valid user ids, defined or not): what ACL evaluation uses. */
  members: Set<string>;
  comment?: string;
  line: number;
}

export interface PvePool {
  name: string;
  comment?: string;
  vms: Set<number>;
  storage: Set<string>;
  parent?: string;
  children: Set<string>;
  /** Line of its pool: line; undefined for a parent only implied by a nested pool name. */
  line?: number;
}

export interface PveRole {
  name: string;
  privileges: Set<string>;
  builtin: boolean;
  /** Line of the last role: line that defined or extended it. */
  line?: number;
}

export type AclMemberKind = 'user' | 'group' | 'token';

/** A role granted at a path to one member (propagate flag and the line that set it last). */
export interface AclGrant {
  propagate: boolean;
  line: number;
}

export interface AclNode {
  path: string;
  /** member id -> role -> grant */
  users: Map<string, Map<string, AclGrant>>;
  groups: Map<string, Map<string, AclGrant>>;
  tokens: Map<string, Map<string, AclGrant>>;
}

/** One accepted (path, member, role) entry, in file order. */
export interface AclEntry {
  line: number;
  path: string;
  propagate: boolean;
  kind: AclMemberKind;
  /** user@realm, group name (without @) or user@realm!token */
  member: string;
  role: string;
}

/** Something Proxmox ignores on an acl: line (role or token not defined yet, bad path or member). */
export interface DroppedAcl {
  line: number;
  text: string;
  reason: string;
}

export interface UserConfig {
  /** The Proxmox VE release whose privileges and built-in roles were used. */
  release: PveRelease;
  users: Map<string, PveUser>;
  groups: Map<string, PveGroup>;
  pools: Map<string, PvePool>;
  roles: Map<string, PveRole>;
  /** vmid -> pool */
  vms: Map<number, string>;
  /** Normalised ACL path -> node. */
  acl: Map<string, AclNode>;
  aclEntries: AclEntry[];
  droppedAcls: DroppedAcl[];
}

// Perl semantics helpers ---------------------------------------------------------------------------

const PERL_SPACE = '[ \\t\\n\\r\\f\\v]';
const LIST_SEPARATORS = /[,; \t\n\r\f\v]+/;
const TRIM_RE = new RegExp(`^${PERL_SPACE}+|${PERL_SPACE}+$`, 'g');

/** Perl truthiness of a string field: undef, "" and "0" are false. */
export function perlTrue(v: string | undefined): v is string {
  return v !== undefined && v !== '' && v !== '0';
}

export function perlTrim(s: string): string {
  // most fields have nothing to trim: no regex for them
  if (s === '' || (!isPerlSpace(s.charCodeAt(0)) && !isPerlSpace(s.charCodeAt(s.length - 1)))) return s;
  return s.replace(TRIM_RE, '');
}

/** Perl's \s: blank, tab, LF, CR, form feed, vertical tab. */
function isPerlSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** PVE::Tools::split_list: items separated by commas, semicolons or whitespace. */
export function splitList(text: string | undefined): string[] {
  if (!text) return [];
  if (!LIST_SEPARATORS.test(text)) return [text]; // one item (LIST_SEPARATORS has no g flag: test keeps no state)
  // what `s/[,;]/ /g; s/^\s+//; split(/\s+/)` gives, in one split (empty parts are dropped)
  return text.split(LIST_SEPARATORS).filter((s) => s !== '');
}

const NEEDS_DECODING = /[%\uD800-\uDFFF]/;

/** PVE::Tools::decode_text: URI unescape (%XX), then UTF-8 decode; never throws. */
export function decodeText(s: string): string {
  // nothing escaped and no lone surrogate (which UTF-8 encoding would replace): the text as it is
  if (!NEEDS_DECODING.test(s)) return s;
  const bytes: number[] = [];
  const raw = Buffer.from(s, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x25 && i + 2 < raw.length && /^[0-9A-Fa-f]{2}$/.test(String.fromCharCode(raw[i + 1], raw[i + 2]))) {
      bytes.push(parseInt(String.fromCharCode(raw[i + 1], raw[i + 2]), 16));
      i += 2;
    } else bytes.push(raw[i]);
  }
  return Buffer.from(bytes).toString('utf8');
}

const USER_PART = '[^\\t\\n\\v\\f\\r :/]+';
const REALM = '[A-Za-z][A-Za-z0-9.\\-_]+';
const USERNAME_RE = new RegExp(`^(${USER_PART})@(${REALM})$`);
const TOKEN_RE = new RegExp(`^((${USER_PART})@(${REALM}))!(${REALM})$`);
const NAME_RE = /^[A-Za-z0-9.\-_]+$/;
const POOL_RE = /^[A-Za-z0-9.\-_]+(?:\/[A-Za-z0-9.\-_]+){0,2}$/;
const STORAGE_RE = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;

/** PVE::Auth::Plugin::verify_username: `name@realm`, 3..64 bytes; returns the realm or undefined. */
export function userRealm(userid: string): string | undefined {
  const len = Buffer.byteLength(userid);
  if (len < 3 || len > 64) return undefined;
  return USERNAME_RE.exec(userid)?.[2];
}

/** PVE::AccessControl::split_tokenid: `user@realm!name` -> [user, name]. */
export function splitTokenId(tokenid: string): [string, string] | undefined {
  const m = TOKEN_RE.exec(tokenid);
  return m ? [m[1], m[4]] : undefined;
}

const CANONICAL_ACL_PATH = /^(?:\/[A-Za-z0-9.\-_]+)+$/;

/** PVE::AccessControl::normalize_path; undefined when Proxmox rejects the path. */
export function normalizeAclPath(pathtxt: string | undefined): string | undefined {
  if (!perlTrue(pathtxt)) return undefined;
  if (CANONICAL_ACL_PATH.test(pathtxt)) return pathtxt; // already normal: what the replacements below leave as it is
  let p = pathtxt.replace(/\/+/g, '/').replace(/\/$/, '');
  if (!perlTrue(p)) p = '/';
  if (!p.startsWith('/')) p = '/' + p;
  return /^[A-Za-z0-9.\-_/]+$/.test(p) ? p : undefined;
}

function perlInt(s: string): number {
  return Number(s);
}

// Parser -------------------------------------------------------------------------------------------

function newRoles(release: PveRelease): Map<string, PveRole> {
  const roles = new Map<string, PveRole>();
  for (const [name, privs] of Object.entries(releaseBuiltinRoles(release))) roles.set(name, { name, privileges: new Set(privs), builtin: true });
  return roles;
}

function newUser(id: string, realm: string, line: number): PveUser {
  return { id, realm, enable: true, expire: 0, legacyKeys: false, groups: new Set(), tokens: new Map(), line };
}

/** `release` chooses the privilege set and built-in roles (PVE 8 knows VM.Monitor, PVE 9 VM.GuestAgent.*). */
export function parseUserCfg(input: string | Buffer, file = '/etc/pve/user.cfg', release: PveRelease = DEFAULT_RELEASE): Parsed<UserConfig> {
  const text = asText(input, file);
  const diagnostics: Diagnostic[] = [];
  const cfg: UserConfig = {
    users: new Map([['root@pam', newUser('root@pam', 'pam', 0)]]),
    groups: new Map(),
    pools: new Map(),
    roles: newRoles(release),
    release,
    vms: new Map(),
    acl: new Map(),
    aclEntries: [],
    droppedAcls: [],
  };
  // The tree is read by few (the permission engine reads aclEntries): built on first read, from the entries in file order.
  let acl: Map<string, AclNode> | undefined;
  Object.defineProperty(cfg, 'acl', { enumerable: true, configurable: true, get: () => (acl ??= aclTree(cfg.aclEntries)) });
  const privileges = new Set(releasePrivileges(release));

  // lines read one at a time (no object per line); numbered like numberedLines
  let line = 0;
  // one function for every line (it reads the current line number), not a closure per line
  const warn = (message: string) => diagnostics.push({ file, line, message: `user config - ${message}`, severity: 'warning' });
  for (let start = 0; start < text.length;) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    const rawLine = text.charCodeAt(end - 1) === 13 && end > start ? text.slice(start, end - 1) : text.slice(start, end);
    start = end + 1;
    line++;
    const lineText = perlTrim(rawLine);
    if (lineText === '') continue;
    const data = lineText.split(':');
    for (let i = 0; i < data.length; i++) data[i] = perlTrim(data[i]);
    while (data.length && data[data.length - 1] === '') data.pop(); // Perl split drops trailing empty fields
    const et = data.length ? data.shift() : undefined;

    if (et === 'user') {
      const [user = '', enable, expireTxt, firstname, lastname, email, comment, keys] = data;
      const realm = userRealm(user);
      if (!realm) {
        warn(`ignore user '${user}' - invalid user name`);
        continue;
      }
      const expire = perlTrue(expireTxt) ? expireTxt : '0';
      if (!/^\d+$/.test(expire)) {
        warn(`ignore user '${user}' - (illegal characters in expire '${expire}')`);
        continue;
      }
      const u = newUser(user, realm, line);
      u.enable = perlTrue(enable);
      u.expire = perlInt(expire);
      if (perlTrue(firstname)) u.firstname = decodeText(firstname);
      if (perlTrue(lastname)) u.lastname = decodeText(lastname);
      if (email !== undefined) u.email = email;
      if (perlTrue(comment)) u.comment = decodeText(comment);
      if (perlTrue(keys)) {
        if (/^x(!.*)?$/.test(keys)) u.keys = keys;
        else u.legacyKeys = true;
      }
      cfg.users.set(user, u); // replaces an earlier line for the same user, with its tokens and groups
    } else if (et === 'group') {
      const [group = '', userlist, comment] = data;
      if (!NAME_RE.test(group)) {
        warn(`ignore group '${group}' - invalid characters in group name`);
        continue;
      }
      let g = cfg.groups.get(group);
      if (!g) cfg.groups.set(group, (g = { name: group, members: new Set(), line }));
      if (perlTrue(comment)) g.comment = decodeText(comment);
      for (const user of splitList(userlist)) {
        if (!userRealm(user)) {
          warn(`ignore invalid group member '${user}'`);
          continue;
        }
        const u = cfg.users.get(user);
        if (u) u.groups.add(group);
        else warn(`ignore invalid group member '${user}'`);
        g.members.add(user); // kept even when the user is not defined: it still counts for ACLs
      }
    } else if (et === 'role') {
      const [role = '', privlist] = data;
      if (!NAME_RE.test(role)) {
        warn(`ignore role '${role}' - invalid characters in role name`);
        continue;
      }
      let r = cfg.roles.get(role);
      if (!r) cfg.roles.set(role, (r = { name: role, privileges: new Set(), builtin: false }));
      r.line = line;
      for (const priv of splitList(privlist)) {
        if (privileges.has(priv)) r.privileges.add(priv); // a built-in name gets the privileges added
        else warn(`ignore invalid privilege '${priv}'`);
      }
    } else if (et === 'acl') {
      parseAclLine(cfg, data, line, lineText, warn);
    } else if (et === 'pool') {
      parsePoolLine(cfg, data, line, warn);
    } else if (et === 'token') {
      const [tokenid = '', expireTxt, privsep, comment] = data;
      const split = splitTokenId(tokenid);
      if (!split) {
        warn(`ignore invalid tokenid '${tokenid}'`);
        continue;
      }
      const expire = perlTrue(expireTxt) ? expireTxt : '0';
      if (!/^\d+$/.test(expire)) {
        warn(`ignore token '${tokenid}' - (illegal characters in expire '${expire}')`);
        continue;
      }
      const [user, name] = split;
      const u = cfg.users.get(user);
      if (!u) {
        warn(`ignore token '${tokenid}' - user does not exist`);
        continue;
      }
      let t = u.tokens.get(name);
      if (!t) u.tokens.set(name, (t = { id: tokenid, user, name, expire: 0, privsep: false, line }));
      t.privsep = perlTrue(privsep);
      t.expire = perlInt(expire);
      t.line = line;
      if (perlTrue(comment)) t.comment = decodeText(comment);
    } else {
      warn(`ignore config line starting with '${et ?? ''}'`); // the rest may hold secrets
    }
  }
  return { value: cfg, diagnostics };
}

/** The ACL tree of the entries: later lines for the same path, member and role replace earlier ones. */
function aclTree(entries: readonly AclEntry[]): Map<string, AclNode> {
  const tree = new Map<string, AclNode>();
  for (const { path, kind, member, role, propagate, line } of entries) {
    let node = tree.get(path);
    if (!node) tree.set(path, (node = { path, users: new Map(), groups: new Map(), tokens: new Map() }));
    const table = kind === 'user' ? node.users : kind === 'group' ? node.groups : node.tokens;
    let roles = table.get(member);
    if (!roles) table.set(member, (roles = new Map()));
    roles.set(role, { propagate, line });
  }
  return tree;
}

function parseAclLine(cfg: UserConfig, data: string[], line: number, lineText: string, warn: (m: string) => void): void {
  const [propagateTxt, pathtxt, uglist, rolelist] = data;
  const propagate = perlTrue(propagateTxt);
  const drop = (reason: string) => {
    warn(reason);
    cfg.droppedAcls.push({ line, text: lineText, reason });
  };
  const path = normalizeAclPath(pathtxt);
  if (!path) {
    drop(`ignore invalid path in acl '${pathtxt ?? ''}'`);
    return;
  }
  // each member is classified once for all the roles of the line (nothing the line adds changes the answer)
  const members = splitList(uglist).map((ug) => classifyAclMember(cfg, ug));
  for (const role of splitList(rolelist)) {
    if (!NAME_RE.test(role)) {
      drop(`ignore invalid role name '${role}' in acl`);
      continue;
    }
    if (!cfg.roles.has(role)) {
      drop(`ignore invalid acl role '${role}'`);
      continue;
    }
    for (const m of members) {
      if (m.kind === undefined) {
        drop(m.problem);
        continue;
      }
      if (m.problem !== undefined) warn(m.problem); // kept: it still applies once defined
      cfg.aclEntries.push({ line, path, propagate, kind: m.kind, member: m.member, role });
    }
  }
}

type ClassifiedMember = { kind: AclMemberKind; member: string; problem?: string } | { kind: undefined; problem: string };

/** An acl: line's member as Proxmox takes it: a group, user or token (with the warning it prints), or dropped and why. */
function classifyAclMember(cfg: UserConfig, ug: string): ClassifiedMember {
  const group = /^@(\S+)$/.exec(ug)?.[1];
  if (perlTrue(group) && NAME_RE.test(group)) {
    return { kind: 'group', member: group, problem: cfg.groups.has(group) ? undefined : `ignore invalid acl group '${group}'` };
  }
  if (userRealm(ug)) return { kind: 'user', member: ug, problem: cfg.users.has(ug) ? undefined : `ignore invalid acl member '${ug}'` };
  const token = splitTokenId(ug);
  if (token) {
    return cfg.users.get(token[0])?.tokens.has(token[1]) ? { kind: 'token', member: ug } : { kind: undefined, problem: `ignore invalid acl token '${ug}'` };
  }
  return { kind: undefined, problem: `invalid user/group '${ug}' in acl` };
}

function parsePoolLine(cfg: UserConfig, data: string[], line: number, warn: (m: string) => void): void {
  const [pool = '', comment, vmlist, storelist] = data;
  if (!POOL_RE.test(pool)) {
    warn(`ignore pool '${pool}' - invalid characters in pool name`);
    return;
  }
  const getPool = (name: string): PvePool => {
    let p = cfg.pools.get(name);
    if (!p) cfg.pools.set(name, (p = { name, vms: new Set(), storage: new Set(), children: new Set() }));
    return p;
  };
  const p = getPool(pool);
  p.line ??= line;
  for (let curr = pool, m = /^(.+)\/[^/]+$/.exec(curr); m; curr = m[1], m = /^(.+)\/[^/]+$/.exec(curr)) {
    getPool(curr).parent = m[1];
    getPool(m[1]).children.add(curr);
  }
  if (perlTrue(comment)) p.comment = decodeText(comment);
  for (const vmidTxt of splitList(vmlist)) {
    if (!/^\d+$/.test(vmidTxt)) {
      warn(`ignore invalid vmid '${vmidTxt}' in pool '${pool}'`);
      continue;
    }
    const vmid = Number(vmidTxt);
    if (perlTrue(cfg.vms.get(vmid))) {
      warn(`ignore duplicate vmid '${vmid}' in pool '${pool}'`);
      continue;
    }
    p.vms.add(vmid);
    cfg.vms.set(vmid, pool);
  }
  for (const storeid of splitList(storelist)) {
    if (!STORAGE_RE.test(storeid)) {
      warn(`ignore invalid storage '${storeid}' in pool '${pool}'`);
      continue;
    }
    p.storage.add(storeid);
  }
}

// Queries ------------------------------------------------------------------------------------------

/** The token a full token id names, if it exists in the parsed configuration. */
export function findToken(cfg: UserConfig, tokenid: string): PveToken | undefined {
  const split = splitTokenId(tokenid);
  return split ? cfg.users.get(split[0])?.tokens.get(split[1]) : undefined;
}

/** Union of the privileges of some roles (unknown roles contribute nothing). */
export function privilegesOf(cfg: UserConfig, roles: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const r of roles) for (const p of cfg.roles.get(r)?.privileges ?? []) out.add(p);
  return out;
}
