/**
 * ACL convergence (issue 11): the `pveum acl modify|delete` calls that make user.cfg's ACL grant exactly
 * what access-matrix.yaml declares, each with the calls that undo it, proven with the permission engine
 * before anything runs: the ACL the calls leave, evaluated, must give every identity on every path the
 * same roles and privileges as the matrix (compareWithMatrix finds no difference).
 *
 * Proxmox keeps an ACL as path -> member -> role -> propagate; `pveum acl modify` sets the propagate flag
 * of (path, member, role), `pveum acl delete` removes it. So convergence works on those keys: a key the
 * matrix lacks is deleted, a key it adds or whose propagate flag differs is modified. Grants come before
 * revocations (nobody is left without access half-way); calls are batched per (path, member, flag).
 */
import type { AccessMatrix } from '../config/access-matrix.js';
import { compareWithMatrix, describeDifference } from '../engines/permissions/desired.js';
import { isTokenId, PermissionEngine } from '../engines/permissions/engine.js';
import type { AclEntry as EngineAclEntry } from '../engines/permissions/model.js';
import { findToken, type AclMemberKind, type UserConfig } from '../parse/user-cfg.js';

/** One grant as Proxmox stores it: role on path for a member, with the propagate flag. */
export interface AclKey {
  path: string;
  kind: AclMemberKind;
  /** user@realm, group name (without @), or user@realm!token */
  member: string;
  role: string;
}
export interface AclGrantState extends AclKey {
  propagate: boolean;
  /** The user.cfg line that set it (absent for grants from the matrix). */
  line?: number;
}

/** One pveum call of a convergence, with the calls that undo it on the state the plan read. */
export interface AclCall {
  action: 'modify' | 'delete';
  /** The flag a modify sets. */
  propagate?: boolean;
  argv: string[];
  inverse: string[][];
  /** "grant PVEAuditor on /vms to bob@pve (propagating)" */
  summary: string;
  /** The grants it sets (modify) or removes (delete). */
  keys: AclKey[];
}

/** Convergence is refused: each reason is one line naming what would go wrong. */
export class AclRefused extends Error {
  constructor(readonly reasons: string[]) {
    super(`ACL convergence refused: ${reasons.join('; ')}`);
    this.name = 'AclRefused';
  }
}

const OPTION: Record<AclMemberKind, string> = { user: '--users', group: '--groups', token: '--tokens' };
const keyOf = (k: AclKey) => `${k.path}\0${k.kind}\0${k.member}\0${k.role}`;
const memberText = (kind: AclMemberKind, member: string) => (kind === 'group' ? `@${member}` : member);

/** The grants of a parsed user.cfg, keyed like Proxmox keeps them (a later line's propagate flag wins). */
export function currentGrants(cfg: UserConfig): Map<string, AclGrantState> {
  const out = new Map<string, AclGrantState>();
  for (const e of cfg.aclEntries) {
    const g: AclGrantState = { path: e.path, kind: e.kind, member: e.member, role: e.role, propagate: e.propagate, line: e.line };
    out.set(keyOf(g), g);
  }
  return out;
}

/** The grants an access matrix declares (a later grant of the same key wins, as a later pveum call would). */
export function declaredGrants(matrix: AccessMatrix): Map<string, AclGrantState> {
  const out = new Map<string, AclGrantState>();
  const add = (kind: AclMemberKind, member: string, grants: AccessMatrix['users'][string]['grants']) => {
    for (const g of grants) for (const role of g.roles) {
      const s: AclGrantState = { path: g.path, kind, member, role, propagate: g.propagate };
      out.set(keyOf(s), s);
    }
  };
  for (const [id, v] of Object.entries(matrix.users)) add('user', id, v.grants);
  for (const [g, v] of Object.entries(matrix.groups)) add('group', g, v.grants);
  for (const [t, v] of Object.entries(matrix.tokens)) add('token', t, v.grants);
  return out;
}

function modifyArgv(path: string, kind: AclMemberKind, member: string, roles: string[], propagate: boolean): string[] {
  return ['pveum', 'acl', 'modify', path, '--roles', roles.join(','), OPTION[kind], member, '--propagate', propagate ? '1' : '0'];
}
function deleteArgv(path: string, kind: AclMemberKind, member: string, roles: string[]): string[] {
  return ['pveum', 'acl', 'delete', path, '--roles', roles.join(','), OPTION[kind], member];
}

/** The inverse of setting or removing `keys`: what each key was before (absent -> delete, present -> modify with its flag). */
function inverseOf(keys: AclKey[], before: Map<string, AclGrantState>): string[][] {
  const groups = new Map<string, { key: AclKey; propagate?: boolean; roles: string[] }>();
  for (const k of keys) {
    const prev = before.get(keyOf(k));
    const g = `${prev ? (prev.propagate ? '1' : '0') : '-'}`;
    const id = `${g}\0${k.path}\0${k.kind}\0${k.member}`;
    const e = groups.get(id) ?? { key: k, propagate: prev?.propagate, roles: [] };
    e.roles.push(k.role);
    groups.set(id, e);
  }
  return [...groups.values()].map((g) => (g.propagate === undefined
    ? deleteArgv(g.key.path, g.key.kind, g.key.member, g.roles)
    : modifyArgv(g.key.path, g.key.kind, g.key.member, g.roles, g.propagate)));
}

/** The calls that turn `current` into `desired`: grants first, then revocations, each batched per (path, member, flag). */
export function aclCalls(current: Map<string, AclGrantState>, desired: Map<string, AclGrantState>): AclCall[] {
  const batches = new Map<string, { action: 'modify' | 'delete'; propagate: boolean; keys: AclKey[] }>();
  const add = (action: 'modify' | 'delete', s: AclGrantState) => {
    const id = `${action}\0${s.propagate}\0${s.path}\0${s.kind}\0${s.member}`;
    const b = batches.get(id) ?? { action, propagate: s.propagate, keys: [] };
    b.keys.push({ path: s.path, kind: s.kind, member: s.member, role: s.role });
    batches.set(id, b);
  };
  for (const [k, want] of desired) {
    const have = current.get(k);
    if (!have || have.propagate !== want.propagate) add('modify', want);
  }
  for (const [k, have] of current) if (!desired.has(k)) add('delete', have);
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const rank = { modify: 0, delete: 1 };
  const sorted = [...batches.values()].sort((a, b) => rank[a.action] - rank[b.action]
    || order(a.keys[0].path, b.keys[0].path) || order(a.keys[0].member, b.keys[0].member) || Number(b.propagate) - Number(a.propagate));
  return sorted.map((b) => {
    const { path, kind, member } = b.keys[0];
    const roles = b.keys.map((k) => k.role).sort();
    const flag = b.propagate ? 'propagating' : 'not propagating';
    return b.action === 'modify'
      ? { action: 'modify', propagate: b.propagate, argv: modifyArgv(path, kind, member, roles, b.propagate), inverse: inverseOf(b.keys, current), keys: b.keys, summary: `grant ${roles.join(', ')} on ${path} to ${memberText(kind, member)} (${flag})` }
      : { action: 'delete', argv: deleteArgv(path, kind, member, roles), inverse: inverseOf(b.keys, current), keys: b.keys, summary: `revoke ${roles.join(', ')} on ${path} from ${memberText(kind, member)}` };
  });
}

/** The grants left after the calls, as Proxmox applies them (modify sets the flag of each key, delete removes it). */
export function applyCalls(current: Map<string, AclGrantState>, calls: AclCall[]): Map<string, AclGrantState> {
  const out = new Map(current);
  for (const c of calls) {
    for (const k of c.keys) {
      if (c.action === 'delete') out.delete(keyOf(k));
      else out.set(keyOf(k), { ...k, propagate: c.propagate === true });
    }
  }
  return out;
}

/** The permission engine over the same users, groups, tokens, pools and roles, with these grants as the ACL. */
export function engineWithGrants(engine: PermissionEngine, grants: Map<string, AclGrantState>): PermissionEngine {
  const acl: EngineAclEntry[] = [...grants.values()].map((g) => ({ path: g.path, propagate: g.propagate, kind: g.kind, ugid: g.member, role: g.role, line: g.line }));
  return new PermissionEngine({ ...engine.input, acl });
}

/** Users other than root@pam holding Permissions.Modify on / (tokens do not count: they cannot log in). */
export function permissionAdmins(engine: PermissionEngine): string[] {
  return engine.identities().filter((id) => id !== 'root@pam' && !isTokenId(id) && engine.isDefinedUser(id) && engine.privileges(id, '/').includes('Permissions.Modify'));
}

export interface AclConvergenceInput {
  cfg: UserConfig;
  engine: PermissionEngine;
  matrix: AccessMatrix;
  /** The operator's own Proxmox identities (declared admins: alice -> alice@pam, alice@pve as is). */
  operators: string[];
}

export interface AclConvergence {
  calls: AclCall[];
  /** The engine over the ACL the calls leave (equal to the matrix: proven before this is returned). */
  after: PermissionEngine;
}

/**
 * The calls that converge user.cfg's ACL to the matrix, or AclRefused with every reason: the matrix names
 * roles or identities Proxmox does not know (pveum would refuse them), a grant to remove names a member
 * that does not exist (Proxmox refuses ACL calls for unknown members: the line must be deleted by hand),
 * the result would leave nobody but root@pam with Permissions.Modify on /, or would take it from an
 * operator who holds it now. Throws Error when the simulated result is not equal to the matrix (a bug).
 */
export function planAclConvergence(input: AclConvergenceInput): AclConvergence {
  const { cfg, engine, matrix } = input;
  const reasons = unknownNames(cfg, matrix);
  if (reasons.length) throw new AclRefused(reasons);

  const current = currentGrants(cfg);
  const desired = declaredGrants(matrix);
  const calls = aclCalls(current, desired);
  for (const c of calls) for (const k of c.keys) {
    const exists = k.kind === 'user' ? cfg.users.has(k.member) : k.kind === 'group' ? cfg.groups.has(k.member) : findToken(cfg, k.member) !== undefined;
    if (!exists) {
      const line = current.get(keyOf(k))?.line;
      reasons.push(`user.cfg${line !== undefined ? ` line ${line}` : ''} grants ${k.role} on ${k.path} to ${k.kind} ${memberText(k.kind, k.member)}, which does not exist: Proxmox refuses ACL calls for unknown members, so delete that line by hand`);
    }
  }

  const after = engineWithGrants(engine, applyCalls(current, calls));
  const adminsBefore = permissionAdmins(engine);
  const adminsAfter = permissionAdmins(after);
  if (adminsBefore.length > 0 && adminsAfter.length === 0) {
    reasons.push(`it would leave no user besides root@pam with Permissions.Modify on / (now: ${adminsBefore.join(', ')})`);
  }
  for (const op of input.operators) {
    if (adminsBefore.includes(op) && !adminsAfter.includes(op)) reasons.push(`it would take Permissions.Modify on / from ${op}, a declared administrator (admin_users)`);
  }
  if (reasons.length) throw new AclRefused(reasons);

  const left = compareWithMatrix(after, matrix).filter((d) => d.kind === 'extra' || d.kind === 'missing');
  if (left.length) throw new Error(`ACL convergence does not reach the matrix (a pvesec bug): ${left.map(describeDifference).join('; ')}`);
  return { calls, after };
}

/** Roles, users, tokens and groups the matrix names that user.cfg does not define (pveum would refuse them). */
function unknownNames(cfg: UserConfig, matrix: AccessMatrix): string[] {
  const out: string[] = [];
  const roles = new Set<string>();
  for (const section of [matrix.users, matrix.groups, matrix.tokens]) {
    for (const v of Object.values(section)) for (const g of v.grants) for (const r of g.roles) {
      if (!cfg.roles.has(r) && !roles.has(r)) {
        roles.add(r);
        out.push(`the matrix names role ${r} (on ${g.path}), which user.cfg does not define`);
      }
    }
  }
  for (const u of Object.keys(matrix.users)) if (!cfg.users.has(u)) out.push(`the matrix lists ${u}, which user.cfg does not define`);
  for (const t of Object.keys(matrix.tokens)) if (!findToken(cfg, t)) out.push(`the matrix lists ${t}, which user.cfg does not define`);
  for (const g of Object.keys(matrix.groups)) if (!cfg.groups.has(g)) out.push(`the matrix lists group ${g}, which user.cfg does not define`);
  return out;
}

/** The operator's Proxmox identities from admin_users: plain host names are name@pam, realm ids stay as they are. */
export function operatorIdentities(adminNames: string[]): string[] {
  return adminNames.map((n) => (n.includes('@') ? n : `${n}@pam`));
}
