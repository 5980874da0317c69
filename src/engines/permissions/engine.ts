import type { AccessInput, AclEntry } from './model.js';
import { CompiledAccess, perlSplitPath, type MatrixRow } from './compiled.js';

const ROOT = 'root@pam';

/** Paths GET /access/permissions always evaluates. */
export const TOP_LEVEL_PATHS = ['/', '/access', '/access/groups', '/mapping', '/nodes', '/pool', '/sdn', '/storage', '/vms'] as const;

/** A role that applies at a path, and the ACL entries that made it apply. */
export interface RoleGrant {
  role: string;
  propagate: boolean;
  entries: AclEntry[];
}

interface AclNode {
  children: Map<string, AclNode>;
  users: Map<string, Map<string, RoleGrant>>;
  groups: Map<string, Map<string, RoleGrant>>;
  tokens: Map<string, Map<string, RoleGrant>>;
}

const newNode = (): AclNode => ({ children: new Map(), users: new Map(), groups: new Map(), tokens: new Map() });

function nodeAt(root: AclNode, path: string): AclNode {
  let node = root;
  for (const seg of perlSplitPath(path)) {
    if (seg === '') continue;
    let child = node.children.get(seg);
    if (!child) node.children.set(seg, (child = newNode()));
    node = child;
  }
  return node;
}

function addEntry(node: AclNode, e: AclEntry): void {
  const table = e.kind === 'user' ? node.users : e.kind === 'group' ? node.groups : node.tokens;
  let roles = table.get(e.ugid);
  if (!roles) table.set(e.ugid, (roles = new Map()));
  const prev = roles.get(e.role);
  // A later line for the same path/member/role overrides the propagate flag (a Perl hash assignment).
  if (prev) prev.entries.push(e); // the grant it replaces is dropped: its entry list moves over, not copied per line
  roles.set(e.role, { role: e.role, propagate: e.propagate, entries: prev ? prev.entries : [e] });
}

export function isTokenId(id: string): boolean {
  return /^[^!]+@[^!]+![A-Za-z][A-Za-z0-9._-]*$/.test(id);
}

export function tokenOwner(id: string): string {
  return id.slice(0, id.indexOf('!'));
}

/**
 * Proxmox VE's permission model (PVE::AccessControl::roles and PVE::RPCEnvironment::permissions).
 * Answers come from the compiled form (./compiled.ts); roles(…, trace) and explain() walk the ACL
 * tree readably to say why. The oracle test holds both to Proxmox's answers. Never throws on a
 * parsed configuration.
 */
export class PermissionEngine {
  /** The readable ACL tree and group memberships, built on the first roles()/explain() (answers come from `compiled`). */
  private readable?: { root: AclNode; memberOf: Map<string, string[]> };
  private readonly allPrivs: ReadonlySet<string>;
  readonly compiled: CompiledAccess;
  private readonly matrixNodes = new Set<number>();

  constructor(readonly input: AccessInput) {
    this.allPrivs = new Set(input.privileges);
    this.compiled = new CompiledAccess(input);
    for (const p of this.matrixPathSet()) this.matrixNodes.add(this.compiled.nodeFor(p));
  }

  private get root(): AclNode {
    return this.readableTree().root;
  }

  /** group -> members, inverted: member id -> groups */
  private get memberOf(): Map<string, string[]> {
    return this.readableTree().memberOf;
  }

  private readableTree(): { root: AclNode; memberOf: Map<string, string[]> } {
    if (this.readable) return this.readable;
    const root = newNode();
    const byPath = new Map<string, AclNode>(); // entries share paths: each path is split and walked once
    for (const e of this.input.acl) {
      let node = byPath.get(e.path);
      if (!node) byPath.set(e.path, (node = nodeAt(root, e.path)));
      addEntry(node, e);
    }
    const memberOf = new Map<string, string[]>();
    for (const [g, members] of this.input.groups) {
      for (const m of members) {
        const groups = memberOf.get(m);
        if (groups) groups.push(g);
        else memberOf.set(m, [g]);
      }
    }
    return (this.readable = { root, memberOf });
  }

  /** Sorted privileges of id on path (fast path; the array is shared, do not modify). */
  privileges(id: string, path: string): readonly string[] {
    return this.compiled.permissions(id, path).names;
  }

  /** Sorted names of PVE::AccessControl::roles(id, path): ACLs only. */
  roleNames(id: string, path: string): readonly string[] {
    return this.compiled.roleNamesOf(id, path);
  }

  /** Sorted roles in effect for permissions(): ACL roles plus pool roles on exact pool members. */
  effectiveRoleNames(id: string, path: string): readonly string[] {
    return this.compiled.effectiveRoleNames(id, path);
  }

  /** Everyone the configuration names: defined users, root@pam, tokens, group and ACL members. */
  identities(): string[] {
    if (!this.sortedIdentities) {
      const ids = new Set<string>(['root@pam', ...(this.input.users ?? [])]);
      for (const id of this.compiled.identities()) if (!isTokenId(id) || this.input.tokens.has(id)) ids.add(id);
      for (const t of this.input.tokens.keys()) ids.add(t);
      this.sortedIdentities = [...ids].sort();
    }
    return [...this.sortedIdentities]; // sorted once (20,000 names; several checks ask), a copy for each caller
  }

  private sortedIdentities: string[] | undefined;

  /** Whether an identity is a defined user (or root@pam); false for names only ACLs or groups mention. */
  isDefinedUser(id: string): boolean {
    if (id === ROOT) return true;
    if (!this.input.users) return true;
    // a Set, not a search of the list: `perms` asks this for every identity (20,000 users)
    this.definedUsers ??= new Set(this.input.users);
    return this.definedUsers.has(id);
  }

  private definedUsers: Set<string> | undefined;

  /** Every node of the ACL tree as a path (ACL paths, their parents, top-level paths, pools, pool members). */
  treePaths(): string[] {
    return Array.from({ length: this.compiled.nodeCount }, (_, n) => this.compiled.nodePath(n));
  }

  /** Adds empty tree nodes (answers do not change), so that two engines share one tree shape for diffing. */
  addTreePaths(paths: Iterable<string>): void {
    for (const p of paths) this.compiled.nodeFor(p);
  }

  /** Whether id may hold one of the privileges on some path (false: on none; see CompiledAccess.mayHoldAny). */
  mayHoldAny(id: string, privileges: readonly string[]): boolean {
    return this.compiled.mayHoldAny(id, privileges);
  }

  /** The full matrix: every identity over every path of matrixPaths(), computed in one pass per identity. */
  matrix(ids: readonly string[] = this.identities()): PermissionMatrix {
    return new PermissionMatrix(this.compiled, this.compiled.matrix(ids), this.matrixNodes);
  }


  /** PVE::AccessControl::roles: ACL-only roles of id on path (no pools, no token intersection). */
  roles(id: string, path: string, trace?: TraceStep[]): Map<string, RoleGrant> {
    if (id === ROOT) return new Map([['Administrator', { role: 'Administrator', propagate: true, entries: [] }]]);
    if (isTokenId(id)) {
      const tok = this.input.tokens.get(id);
      if (!tok) return new Map();
      if (!tok.privsep) return this.roles(tokenOwner(id), path, trace);
    }
    let roles = new Map<string, RoleGrant>();
    const split = perlSplitPath(path);
    let node: AclNode | undefined = this.root;
    let levelPath = '';
    for (let i = 0; i < split.length; i++) {
      const seg = split[i];
      const final = i === split.length - 1;
      if (seg !== '') node = node?.children.get(seg);
      levelPath = seg === '' ? levelPath || '/' : levelPath === '/' || levelPath === '' ? `/${seg}` : `${levelPath}/${seg}`;
      if (!node) break;
      const skipped: RoleGrant[] = [];
      const fromTable = (grants: Map<string, RoleGrant> | undefined, into?: Map<string, RoleGrant>) => {
        let out = into;
        for (const g of grants?.values() ?? []) {
          if (!final && !g.propagate) {
            if (trace) skipped.push(g);
            continue;
          }
          if (!out) out = new Map();
          const prev = out.get(g.role);
          out.set(g.role, prev ? { ...g, entries: [...prev.entries, ...g.entries] } : g);
        }
        return out;
      };
      let decided: TraceStep['decidedBy'] = 'none';
      let next: Map<string, RoleGrant> | undefined = fromTable(node.tokens.get(id));
      if (next) decided = 'token';
      else if ((next = fromTable(node.users.get(id)))) decided = 'user';
      else {
        for (const g of this.memberOf.get(id) ?? []) next = fromTable(node.groups.get(g), next);
        if (next) decided = 'groups';
      }
      if (trace) {
        const shadowed: RoleGrant[] = [];
        if (decided === 'token' || decided === 'user') {
          for (const g of this.memberOf.get(id) ?? []) for (const gr of node.groups.get(g)?.values() ?? []) shadowed.push(gr);
          if (decided === 'token') for (const gr of node.users.get(id)?.values() ?? []) shadowed.push(gr);
        }
        trace.push({
          path: levelPath, final, decidedBy: decided,
          applied: next ? [...next.values()] : [],
          replaced: next ? [...roles.values()] : [],
          shadowed, notPropagated: skipped,
        });
      }
      if (next) roles = next;
    }
    const na = roles.get('NoAccess');
    return na ? new Map([['NoAccess', na]]) : roles;
  }


  /**
   * The paths Proxmox evaluates for GET /access/permissions without a path
   * (RPCEnvironment::get_effective_permissions): the top-level paths, every ACL path and every pool member.
   */
  matrixPaths(): string[] {
    return [...this.matrixPathSet()].sort();
  }

  private matrixPathSet(): Set<string> {
    const paths = new Set<string>(TOP_LEVEL_PATHS);
    for (const e of this.input.acl) paths.add(e.path);
    for (const vmid of this.input.vmPool.keys()) paths.add(`/vms/${vmid}`);
    for (const st of this.input.storagePools.keys()) paths.add(`/storage/${st}`);
    return paths;
  }

  /** GET /access/permissions for id: path -> privilege -> propagate flag, paths without privileges omitted. */
  effectivePermissions(id: string): Map<string, Map<string, 0 | 1>> {
    const out = new Map<string, Map<string, 0 | 1>>();
    for (const path of this.matrixPaths()) {
      const ex = this.explain(id, path);
      if (ex.privileges.size === 0) continue;
      const flags = new Map<string, 0 | 1>();
      for (const p of [...ex.privileges].sort()) {
        let flag: 0 | 1 = ex.root ? 1 : 0;
        for (const [role, g] of ex.roles) if (g.propagate && this.input.roles.get(role)?.has(p)) flag = 1;
        flags.set(p, flag);
      }
      out.set(path, flags);
    }
    return out;
  }

  /** PVE::RPCEnvironment::permissions: the privileges id holds on path. */
  permissions(id: string, path: string): Set<string> {
    return new Set(this.privileges(id, path));
  }

  /** permissions() with the roles that produced the answer (ACL and pool roles) and the token intersection. */
  explain(id: string, path: string, withTrace = false): Explanation {
    if (id === ROOT) return { id, path, privileges: new Set(this.allPrivs), roles: new Map(), root: true };
    let subject = id;
    let privsepOwner: string | undefined;
    if (isTokenId(id)) {
      const tok = this.input.tokens.get(id);
      if (!tok) return { id, path, privileges: new Set(), roles: new Map(), missingToken: true };
      if (!tok.privsep) subject = tokenOwner(id);
      else privsepOwner = tokenOwner(id);
    }
    const trace: TraceStep[] | undefined = withTrace ? [] : undefined;
    const roles = this.roles(subject, path, trace);
    const poolRoles = new Map<string, RoleGrant & { pool: string }>();
    const member = /^\/(vms|storage)\/([^/]+)$/.exec(path);
    if (member) {
      const vmPool = member[1] === 'vms' ? this.input.vmPool.get(member[2]) : undefined;
      const pools = member[1] === 'vms' ? (vmPool ? [vmPool] : []) : (this.input.storagePools.get(member[2]) ?? []);
      for (const pool of pools) {
        for (const [role, g] of this.roles(subject, `/pool/${pool}`)) {
          if (roles.has('NoAccess')) break;
          if (role === 'NoAccess') {
            roles.clear();
            roles.set('NoAccess', { ...g, propagate: false });
            poolRoles.set(role, { ...g, pool });
            break;
          }
          if (!roles.has(role)) roles.set(role, { ...g, propagate: false });
          poolRoles.set(role, { ...g, pool });
        }
      }
    }
    const ownerPrivileges = privsepOwner !== undefined && privsepOwner !== ROOT ? this.permissions(privsepOwner, path) : undefined;
    return new WalkExplanation(id, path, roles, poolRoles, ownerPrivileges, trace, subject !== id, this.input.roles);
  }
}

/** explain()'s answer: privileges are united from the roles when first read (most callers want only the roles). */
class WalkExplanation implements Explanation {
  private united?: Set<string>;

  constructor(
    readonly id: string,
    readonly path: string,
    readonly roles: Map<string, RoleGrant>,
    readonly poolRoles: Map<string, RoleGrant & { pool: string }>,
    readonly ownerPrivileges: Set<string> | undefined,
    readonly trace: TraceStep[] | undefined,
    readonly tokenWithoutPrivsep: boolean,
    private readonly rolePrivileges: AccessInput['roles'],
  ) {}

  get privileges(): Set<string> {
    if (this.united) return this.united;
    const privileges = new Set<string>();
    for (const role of this.roles.keys()) for (const p of this.rolePrivileges.get(role) ?? []) privileges.add(p);
    if (this.ownerPrivileges) for (const p of privileges) if (!this.ownerPrivileges.has(p)) privileges.delete(p);
    return (this.united = privileges);
  }
}

/** One level of the ACL walk from '/' down to the queried path, for "why" answers. */
export interface TraceStep {
  path: string;
  final: boolean;
  /** Which entries decided this level; 'none' keeps what the levels above gave. */
  decidedBy: 'token' | 'user' | 'groups' | 'none';
  applied: RoleGrant[];
  /** Roles in effect from the levels above that this level replaced. */
  replaced: RoleGrant[];
  /** Group (and, under a token entry, user) entries at this level that lost to a more specific member kind. */
  shadowed: RoleGrant[];
  /** Entries at this level that do not propagate to the deeper queried path. */
  notPropagated: RoleGrant[];
}

export interface Explanation {
  id: string;
  path: string;
  privileges: Set<string>;
  /** Roles in effect (ACL roles along the path, plus pool roles on /vms/<id> and /storage/<id>). */
  roles: Map<string, RoleGrant>;
  /** Which of the roles came from pools. */
  poolRoles?: Map<string, RoleGrant & { pool: string }>;
  /** For a privsep token: the owner's privileges the token's were intersected with. */
  ownerPrivileges?: Set<string>;
  root?: boolean;
  missingToken?: boolean;
  /** A privsep=0 token: its own ACLs are ignored, it acts as its owner. */
  tokenWithoutPrivsep?: boolean;
  trace?: TraceStep[];
}

/** One cell of the matrix with privileges. */
export interface MatrixCell {
  path: string;
  privileges: readonly string[];
  /** Roles that produced them (for a privsep token: the token's own roles). */
  roles: readonly string[];
}

/** The matrix in compressed form (runs of paths sharing an answer); cells() expands one row. */
export class PermissionMatrix {
  private readonly paths: (string | undefined)[];

  constructor(
    private readonly compiled: CompiledAccess,
    private readonly m: { order: Int32Array; rows: MatrixRow[] },
    matrixNodes: ReadonlySet<number>,
  ) {
    this.paths = Array.from(m.order, (node) => (matrixNodes.has(node) ? compiled.nodePath(node) : undefined));
  }

  get rows(): readonly MatrixRow[] {
    return this.m.rows;
  }

  /** Number of tree nodes (preorder positions 0 .. size-1). */
  get size(): number {
    return this.paths.length;
  }

  /** Path of the tree node at a preorder position. */
  nodePathAt(k: number): string {
    return this.compiled.nodePath(this.m.order[k]);
  }

  /** Whether the node at a preorder position is one of the matrix paths. */
  isMatrixPathAt(k: number): boolean {
    return this.paths[k] !== undefined;
  }

  /** Privileges and roles of run r of a row. */
  runValue(row: MatrixRow, r: number): { privileges: readonly string[]; roles: readonly string[] } {
    return { privileges: this.compiled.privSets[row.privSets[r]].names, roles: this.compiled.roleSetNames(row.roleSets[r]) };
  }

  /** The matrix paths, in tree order. */
  pathList(): string[] {
    return this.paths.filter((p): p is string => p !== undefined);
  }

  /** Cells of one row that hold at least one privilege, in tree order. */
  *cells(row: MatrixRow): Generator<MatrixCell> {
    for (let r = 0; r < row.starts.length; r++) {
      const privileges = this.compiled.privSets[row.privSets[r]].names;
      if (privileges.length === 0) continue;
      const roles = this.compiled.roleSetNames(row.roleSets[r]);
      for (let k = row.starts[r]; k < row.ends[r]; k++) {
        const path = this.paths[k];
        if (path !== undefined) yield { path, privileges, roles };
      }
    }
  }

  /**
   * The runs of one row that hold at least one privilege, without expanding them path by path: the
   * privilege set (its index is shared by every run with the same set), the first matrix path of the
   * run and how many matrix paths it spans. For questions over all identities of a large user.cfg.
   */
  *privilegeRuns(row: MatrixRow): Generator<{ privSet: number; privileges: readonly string[]; firstPath: string; paths: number }> {
    const prefix = this.matrixPathPrefix();
    for (let r = 0; r < row.starts.length; r++) {
      const privileges = this.compiled.privSets[row.privSets[r]].names;
      if (privileges.length === 0) continue;
      const paths = prefix[row.ends[r]] - prefix[row.starts[r]];
      if (paths === 0) continue;
      let k = row.starts[r];
      while (this.paths[k] === undefined) k++;
      yield { privSet: row.privSets[r], privileges, firstPath: this.paths[k]!, paths };
    }
  }

  private prefix?: Int32Array;

  /** prefix[k]: how many matrix paths come before preorder position k. */
  private matrixPathPrefix(): Int32Array {
    if (this.prefix) return this.prefix;
    const prefix = new Int32Array(this.paths.length + 1);
    for (let k = 0; k < this.paths.length; k++) prefix[k + 1] = prefix[k] + (this.paths[k] === undefined ? 0 : 1);
    return (this.prefix = prefix);
  }

  /** Number of (identity, path) cells with at least one privilege. */
  cellCount(): number {
    const prefix = this.matrixPathPrefix();
    let n = 0;
    for (const row of this.m.rows) {
      for (let r = 0; r < row.starts.length; r++) {
        if (this.compiled.privSets[row.privSets[r]].names.length) n += prefix[row.ends[r]] - prefix[row.starts[r]];
      }
    }
    return n;
  }
}
