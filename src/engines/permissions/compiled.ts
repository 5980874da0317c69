import type { AccessInput } from './model.js';

/**
 * The permission model compiled for speed: identities, groups, roles and privileges interned to
 * integers; per identity, the ACL levels where it has entries (direct ones, else the union of its
 * groups'), each with two role-set ids (one for the level itself, one for what propagates below),
 * sorted and packed in one block; role sets and privilege sets interned so that unions and answers
 * are table look-ups. Same semantics as the readable walk in ./engine.ts (roles/explain), which the
 * oracle test holds both to.
 */

const ROOT = 'root@pam';
const TOKEN_RE = /^[^!]+@[^!]+![A-Za-z][A-Za-z0-9._-]*$/;
const POOL_MEMBER_RE = /^\/(vms|storage)\/([^/]+)$/;
const EMPTY = 0;
const NO_NODES = new Int32Array(0);

/** Role set ids of one member at one ACL level: `all` applies at the level itself, `prop` below it. */
interface LevelEntry {
  all: number;
  prop: number;
}

/** A privilege set: sorted names (shared, do not modify). */
export interface PrivSet {
  id: number;
  names: readonly string[];
  lo: number;
  hi: number;
}

interface ResolvedPath {
  chain: Int32Array;
  /** The chain reached the path's last level (its entries apply regardless of propagation). */
  complete: boolean;
  /** Indices (into poolChainList) of the pools this exact /vms/<id> or /storage/<id> belongs to. */
  pools: number[];
}

/** Perl's split("/", $path): leading empty field kept, trailing empty fields dropped. */
export function perlSplitPath(path: string): string[] {
  if (path === '/') return [''];
  const parts = path.split('/');
  while (parts.length && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** One identity's row of the matrix: runs [start, end) of tree nodes in preorder sharing one answer. */
export interface MatrixRow {
  id: string;
  starts: Int32Array;
  ends: Int32Array;
  roleSets: Int32Array;
  privSets: Int32Array;
}

export class CompiledAccess {
  readonly privNames: string[] = [];
  private readonly privIndex = new Map<string, number>();
  readonly roleNames: string[] = [];
  private readonly roleIndex = new Map<string, number>();
  private readonly roleLo: number[] = [];
  private readonly roleHi: number[] = [];
  private noAccessRole = -1;

  // Interned role sets; id 0 is the empty set.
  private readonly setKey = new Map<string, number>();
  private readonly setRoles: number[][] = [[]];
  private readonly setNames: string[][] = [[]];
  private readonly setLo: number[] = [0];
  private readonly setHi: number[] = [0];
  private readonly setHasNoAccess: boolean[] = [false];
  private readonly unionCache = new Map<number, number>();
  /** Role set -> its privilege set id (filled when the role set is interned). */
  private readonly setPriv: number[] = [0];
  private noAccessSet = EMPTY;
  private adminSet = EMPTY;

  // Interned privilege sets by (hi, lo).
  private readonly privSetIndex = new Map<number, Map<number, number>>();
  readonly privSets: PrivSet[] = [];
  private allPrivs!: PrivSet;

  // Identities: users (defined or only named), tokens, group members.
  readonly identIndex = new Map<string, number>();
  readonly identNames: string[] = [];
  private readonly memberOf: number[][] = [];
  /** 0 not a token, 1 privsep token, 2 token without privsep, 3 token id that is not defined */
  private readonly tokenKind: number[] = [];
  private readonly tokenOwner: number[] = [];
  /** Per identity: the nodes where it has role sets (direct entries, else its groups' union), sorted, and those sets. */
  /** Identity i owns entries identOff[i] .. identOff[i+1]-1 of lvNode/lvAll/lvProp (one block for all: few cache misses). */
  private identOff = new Int32Array(1);
  private lvNode: Int32Array = NO_NODES;
  private lvAll: Int32Array = NO_NODES;
  private lvProp: Int32Array = NO_NODES;
  private rootIdent = -1;
  private readonly groupIndex = new Map<string, number>();
  private readonly groupMembers: number[][] = [];

  // ACL tree.
  private readonly children: Map<string, number>[] = [];
  readonly parent: number[] = [];
  private readonly segment: string[] = [];

  private readonly pathCache = new Map<string, ResolvedPath>();
  private readonly poolChains = new Map<string, Int32Array>();
  private readonly poolMemberNodes: { pool: Int32Array; members: number[] }[] = [];
  private readonly poolsOfNode = new Map<number, number[]>();
  private readonly poolChainList: Int32Array[] = [];
  private readonly poolIndexOf = new Map<Int32Array, number>();
  private poolMemo: Int32Array | undefined;
  private readonly poolEntry = new Map<Int32Array, { pool: Int32Array; members: number[] }>();

  constructor(input: AccessInput) {
    for (const p of input.privileges) this.internPriv(p);
    for (const [name, privs] of input.roles) {
      const r = this.roleNames.length;
      this.roleNames.push(name);
      this.roleIndex.set(name, r);
      let lo = 0;
      let hi = 0;
      for (const p of privs) {
        const b = this.internPriv(p);
        if (b < 32) lo = (lo | (1 << b)) >>> 0;
        else hi = (hi | (1 << (b - 32))) >>> 0;
      }
      this.roleLo.push(lo);
      this.roleHi.push(hi);
      if (name === 'NoAccess') this.noAccessRole = r;
    }
    this.privSet(0, 0); // privilege set 0 is the empty set, as role set 0 is
    this.noAccessSet = this.noAccessRole >= 0 ? this.internSet([this.noAccessRole]) : EMPTY;
    const admin = this.roleIndex.get('Administrator');
    this.adminSet = this.internSet(admin === undefined ? [] : [admin]);
    let lo = 0;
    let hi = 0;
    for (let b = 0; b < this.privNames.length; b++) {
      if (b < 32) lo = (lo | (1 << b)) >>> 0;
      else hi = (hi | (1 << (b - 32))) >>> 0;
    }
    this.allPrivs = this.privSet(lo, hi);

    this.newNode(-1, '');
    this.rootIdent = this.intern(ROOT);
    for (const [g, members] of input.groups) {
      const gi = this.internGroup(g);
      for (const m of members) {
        const mi = this.intern(m);
        this.memberOf[mi].push(gi);
        this.groupMembers[gi].push(mi);
      }
    }
    for (const [tokenId, t] of input.tokens) {
      const i = this.intern(tokenId);
      this.tokenKind[i] = t.privsep ? 1 : 2;
    }

    // Per (node, member, role): the propagate flag of the last line (a Perl hash assignment).
    // A member is a number: 3 * (group or identity index) + 0 group, 1 token, 2 user.
    const grants = new Map<number, Map<number, Map<number, boolean>>>();
    const pathNodes = new Map<string, number>();
    for (const e of input.acl) {
      let node = pathNodes.get(e.path);
      if (node === undefined) pathNodes.set(e.path, (node = this.nodeFor(e.path)));
      const role = this.roleIndex.get(e.role);
      if (role === undefined) continue; // an unknown role grants nothing (the parser already dropped such lines)
      const key = e.kind === 'group' ? 3 * this.internGroup(e.ugid) : 3 * this.intern(e.ugid) + (e.kind === 'token' ? 1 : 2);
      let byMember = grants.get(node);
      if (!byMember) grants.set(node, (byMember = new Map()));
      let roles = byMember.get(key);
      if (!roles) byMember.set(key, (roles = new Map()));
      roles.set(role, e.propagate);
    }
    // Direct (token, then user) and group entries, merged per (node, identity) into the role sets
    // the walk uses: at one level, direct entries shadow group entries; the groups' roles add up.
    // Group entries are kept per group and merged identity by identity (no object per member and level).
    const groupLevels: { node: number; all: number; prop: number }[][] = this.groupMembers.map(() => []);
    const direct = new Map<number, Map<number, { t?: LevelEntry; u?: LevelEntry }>>();
    for (const [node, byMember] of grants) {
      for (const [key, roles] of byMember) {
        let all: number;
        let prop: number;
        if (roles.size === 1) { // the usual entry: one role for a member at a path
          const [[role, propagates]] = roles;
          all = this.internOne(role);
          prop = propagates ? all : EMPTY;
        } else {
          all = this.internSet([...roles.keys()]);
          prop = this.internSet([...roles].filter(([, p]) => p).map(([r]) => r));
        }
        const idx = Math.floor(key / 3);
        if (key % 3 === 0) {
          groupLevels[idx].push({ node, all, prop });
        } else {
          let perNode = direct.get(idx);
          if (!perNode) direct.set(idx, (perNode = new Map()));
          const d = perNode.get(node) ?? {};
          if (key % 3 === 1) d.t = { all, prop };
          else d.u = { all, prop };
          perNode.set(node, d);
        }
      }
    }
    const nodeCount = this.children.length;
    const seen = new Int32Array(nodeCount).fill(-1);
    const groupAll = new Int32Array(nodeCount);
    const groupProp = new Int32Array(nodeCount);
    const touched: number[] = [];
    const sortScratch = new Int32Array(nodeCount);
    const lvNode = new IntBuf();
    const lvAll = new IntBuf();
    const lvProp = new IntBuf();
    this.identOff = new Int32Array(this.identNames.length + 1);
    for (let ident = 0; ident < this.identNames.length; ident++) {
      touched.length = 0;
      for (const g of this.memberOf[ident]) {
        for (const l of groupLevels[g]) {
          if (seen[l.node] !== ident) {
            seen[l.node] = ident;
            groupAll[l.node] = l.all;
            groupProp[l.node] = l.prop;
            touched.push(l.node);
          } else {
            groupAll[l.node] = this.union(groupAll[l.node], l.all);
            groupProp[l.node] = this.union(groupProp[l.node], l.prop);
          }
        }
      }
      const own = direct.get(ident);
      if (own) {
        for (const node of own.keys()) {
          if (seen[node] === ident) continue;
          seen[node] = ident;
          groupAll[node] = EMPTY;
          groupProp[node] = EMPTY;
          touched.push(node);
        }
      }
      // Per identity, its levels sorted by node: a query touches only the small arrays of one identity.
      // (A typed array sorts numbers natively: no comparator call per comparison.)
      for (let k = 0; k < touched.length; k++) sortScratch[k] = touched[k];
      const sortedNodes = sortScratch.subarray(0, touched.length).sort();
      this.identOff[ident] = lvNode.n;
      for (const node of sortedNodes) {
        const d = own?.get(node);
        const all = d?.t?.all || d?.u?.all || groupAll[node];
        const prop = d?.t?.prop || d?.u?.prop || groupProp[node];
        if (all === EMPTY && prop === EMPTY) continue;
        lvNode.push(node);
        lvAll.push(all);
        lvProp.push(prop);
      }
    }
    this.identOff[this.identNames.length] = lvNode.n;
    this.lvNode = lvNode.take();
    this.lvAll = lvAll.take();
    this.lvProp = lvProp.take();

    for (const [vmid, pool] of input.vmPool) this.addPoolMember(pool, `/vms/${vmid}`);
    for (const [storage, pools] of input.storagePools) for (const pool of pools) this.addPoolMember(pool, `/storage/${storage}`);
  }

  // Interning -------------------------------------------------------------------------------------

  private internPriv(p: string): number {
    let b = this.privIndex.get(p);
    if (b === undefined) {
      b = this.privNames.length;
      if (b >= 64) throw new Error('permission engine: more than 64 distinct privileges');
      this.privNames.push(p);
      this.privIndex.set(p, b);
    }
    return b;
  }

  private internSet(roles: number[]): number {
    if (roles.length === 0) return EMPTY;
    const sorted = [...new Set(roles)].sort((a, b) => a - b);
    const key = sorted.join(',');
    let id = this.setKey.get(key);
    if (id !== undefined) return id;
    id = this.setRoles.length;
    let lo = 0;
    let hi = 0;
    for (const r of sorted) {
      lo = (lo | this.roleLo[r]) >>> 0;
      hi = (hi | this.roleHi[r]) >>> 0;
    }
    this.setKey.set(key, id);
    this.setRoles.push(sorted);
    this.setNames.push(sorted.map((r) => this.roleNames[r]).sort());
    this.setLo.push(lo);
    this.setHi.push(hi);
    this.setHasNoAccess.push(sorted.includes(this.noAccessRole));
    this.setPriv.push(this.privSet(lo, hi).id);
    return id;
  }

  private readonly oneRoleSet: number[] = [];

  /** internSet([role]), remembered per role. */
  private internOne(role: number): number {
    return (this.oneRoleSet[role] ??= this.internSet([role]));
  }

  private union(a: number, b: number): number {
    if (a === EMPTY || a === b) return b;
    if (b === EMPTY) return a;
    const key = a < b ? a * 4194304 + b : b * 4194304 + a;
    let u = this.unionCache.get(key);
    if (u === undefined) {
      u = this.internSet([...this.setRoles[a], ...this.setRoles[b]]);
      this.unionCache.set(key, u);
    }
    return u;
  }

  /** roles() ends with this: NoAccess anywhere in the set leaves only NoAccess. */
  private collapse(set: number): number {
    return this.setHasNoAccess[set] ? this.noAccessSet : set;
  }

  /** Adds pool roles (collapsed) to ACL roles (collapsed), as RPCEnvironment::permissions does. */
  private withPool(acl: number, pool: number): number {
    if (pool === EMPTY || this.setHasNoAccess[acl]) return acl;
    if (this.setHasNoAccess[pool]) return this.noAccessSet;
    return this.union(acl, pool);
  }

  privSet(lo: number, hi: number): PrivSet {
    let byLo = this.privSetIndex.get(hi);
    if (!byLo) this.privSetIndex.set(hi, (byLo = new Map()));
    const id = byLo.get(lo);
    if (id !== undefined) return this.privSets[id];
    const names: string[] = [];
    for (let b = 0; b < this.privNames.length; b++) {
      if (b < 32 ? (lo >>> b) & 1 : (hi >>> (b - 32)) & 1) names.push(this.privNames[b]);
    }
    names.sort();
    const ps: PrivSet = { id: this.privSets.length, names, lo, hi };
    this.privSets.push(ps);
    byLo.set(lo, ps.id);
    return ps;
  }

  private intern(id: string): number {
    let i = this.identIndex.get(id);
    if (i !== undefined) return i;
    i = this.identNames.length;
    this.identIndex.set(id, i);
    this.identNames.push(id);
    this.memberOf.push([]);
    const token = TOKEN_RE.test(id);
    this.tokenKind[i] = token ? 3 : 0;
    this.tokenOwner[i] = -1;
    if (token) this.tokenOwner[i] = this.intern(id.slice(0, id.indexOf('!')));
    return i;
  }

  private internGroup(g: string): number {
    let i = this.groupIndex.get(g);
    if (i === undefined) {
      i = this.groupMembers.length;
      this.groupIndex.set(g, i);
      this.groupMembers.push([]);
    }
    return i;
  }

  // ACL tree -------------------------------------------------------------------------------------

  private newNode(parent: number, segment: string): number {
    const n = this.children.length;
    this.children.push(new Map());
    this.parent.push(parent);
    this.segment.push(segment);
    return n;
  }

  /** The node of a path, created if needed ('' segments stay at the same node, as the walk does). */
  nodeFor(path: string): number {
    let node = 0;
    for (const seg of perlSplitPath(path)) {
      if (seg === '') continue;
      let child = this.children[node].get(seg);
      if (child === undefined) this.children[node].set(seg, (child = this.newNode(node, seg)));
      node = child;
    }
    return node;
  }

  get nodeCount(): number {
    return this.children.length;
  }

  /** Canonical path of a node ('/', '/vms/100'). */
  nodePath(n: number): string {
    const segs: string[] = [];
    for (let x = n; x > 0; x = this.parent[x]) segs.push(this.segment[x]);
    return '/' + segs.reverse().join('/');
  }


  private addPoolMember(pool: string, memberPath: string): void {
    const chain = this.poolChain(pool);
    const member = this.nodeFor(memberPath);
    let entry = this.poolEntry.get(chain);
    if (!entry) {
      this.poolEntry.set(chain, (entry = { pool: chain, members: [] }));
      this.poolMemberNodes.push(entry);
    }
    entry.members.push(member);
    const pools = this.poolsOfNode.get(member);
    const idx = this.poolIndexOf.get(chain)!;
    if (pools) pools.push(idx);
    else this.poolsOfNode.set(member, [idx]);
  }

  private poolChain(pool: string): Int32Array {
    let chain = this.poolChains.get(pool);
    if (!chain) {
      const r = this.walkChain(`/pool/${pool}`, true);
      chain = r.chain;
      this.poolChains.set(pool, chain);
      this.poolIndexOf.set(chain, this.poolChainList.length);
      this.poolChainList.push(chain);
    }
    return chain;
  }

  /** roles(subject, /pool/<P>), memoised per (identity, pool): pool members ask for it again and again. */
  private poolRoles(subject: number, pool: number): number {
    const n = this.poolChainList.length;
    this.poolMemo ??= new Int32Array(this.identNames.length * n).fill(-1);
    const k = subject * n + pool;
    let set = this.poolMemo[k];
    if (set < 0) set = this.poolMemo[k] = this.walkRoles(subject, this.poolChainList[pool], true);
    return set;
  }

  private walkChain(path: string, create: boolean): { chain: Int32Array; complete: boolean } {
    const split = perlSplitPath(path);
    const chain: number[] = [];
    let node = 0;
    for (const seg of split) {
      if (seg !== '') {
        let next = this.children[node].get(seg);
        if (next === undefined) {
          if (!create) return { chain: Int32Array.from(chain), complete: false };
          this.children[node].set(seg, (next = this.newNode(node, seg)));
        }
        node = next;
      }
      chain.push(node);
    }
    return { chain: Int32Array.from(chain), complete: true };
  }

  private resolve(path: string): ResolvedPath {
    let r = this.pathCache.get(path);
    if (r) return r;
    const { chain, complete } = this.walkChain(path, false);
    // Pool roles reach only the exact member paths, written the canonical way.
    const pools = complete && POOL_MEMBER_RE.test(path) ? this.poolsOfNode.get(chain[chain.length - 1]) ?? [] : [];
    r = { chain, complete, pools };
    if (this.pathCache.size > 1_000_000) this.pathCache.clear();
    this.pathCache.set(path, r);
    return r;
  }

  // Queries --------------------------------------------------------------------------------------

  /**
   * PVE::AccessControl::roles over a resolved path: at each level the identity's role set there
   * (token entries, else user entries, else the union of its groups'; all of them on the final
   * level, only propagating ones above it) replaces what came from above; NoAccess wins at the end.
   */
  private walkRoles(subject: number, chain: Int32Array, complete: boolean): number {
    let cur = EMPTY;
    const last = chain.length - 1;
    const nodes = this.lvNode;
    const end = this.identOff[subject + 1];
    // Both the chain and the identity's level nodes ascend (a child node is created after its
    // parent), so each search continues where the previous one stopped.
    let from = this.identOff[subject];
    for (let i = 0; i <= last && from < end; i++) {
      const node = chain[i];
      let lo = from;
      let hi = end - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (nodes[mid] < node) lo = mid + 1;
        else hi = mid - 1;
      }
      from = lo;
      if (lo < end && nodes[lo] === node) {
        const s = complete && i === last ? this.lvAll[lo] : this.lvProp[lo];
        if (s !== EMPTY) cur = s;
      }
    }
    return this.collapse(cur);
  }

  /** The identity whose ACLs count (a token without privsep acts as its owner); -1 = no ACLs at all. */
  private subjectOf(id: string): number {
    const i = this.identIndex.get(id);
    if (i === undefined) return -1;
    const kind = this.tokenKind[i];
    if (kind === 3) return -1;
    return kind === 2 ? this.tokenOwner[i] : i;
  }

  /** PVE::AccessControl::roles as an interned role set (ACLs only). */
  private aclRoleSet(id: string, path: string): number {
    if (id === ROOT) return this.adminSet;
    const s = this.subjectOf(id);
    if (s < 0) return EMPTY;
    if (s === this.rootIdent) return this.adminSet;
    const r = this.resolve(path);
    return this.walkRoles(s, r.chain, r.complete);
  }

  /** Role set with pool roles (what permissions() unions the privileges of). */
  private effectiveRoleSet(subject: number, r: ResolvedPath): number {
    if (subject === this.rootIdent) return this.adminSet;
    let set = this.walkRoles(subject, r.chain, r.complete);
    for (const pool of r.pools) set = this.withPool(set, this.poolRoles(subject, pool));
    return set;
  }

  /** Role names of PVE::AccessControl::roles (sorted). */
  roleNamesOf(id: string, path: string): readonly string[] {
    return this.setNames[this.aclRoleSet(id, path)];
  }

  /** Sorted roles in effect including pool roles (ACL roles on the path plus pool roles on pool members). */
  effectiveRoleNames(id: string, path: string): readonly string[] {
    if (id === ROOT) return this.setNames[this.adminSet];
    const s = this.subjectOf(id);
    return s < 0 ? [] : this.setNames[this.effectiveRoleSet(s, this.resolve(path))];
  }

  /** PVE::RPCEnvironment::permissions: the privilege set id holds on path. */
  permissions(id: string, path: string): PrivSet {
    if (id === ROOT) return this.allPrivs;
    const i = this.identIndex.get(id);
    if (i === undefined) return this.privSets[0];
    const kind = this.tokenKind[i];
    if (kind === 3) return this.privSets[0];
    const subject = kind === 2 ? this.tokenOwner[i] : i;
    if (subject === this.rootIdent) return this.allPrivs;
    const r = this.resolve(path);
    const set = this.effectiveRoleSet(subject, r);
    if (kind !== 1 || this.tokenOwner[i] === this.rootIdent) return this.privSets[this.privSetIdOfRoles(set)];
    const owner = this.effectiveRoleSet(this.tokenOwner[i], r);
    return this.privSet((this.setLo[set] & this.setLo[owner]) >>> 0, (this.setHi[set] & this.setHi[owner]) >>> 0);
  }

  /**
   * Whether id may hold one of `privileges` on some path. False means it holds none of them anywhere:
   * every answer (pool roles included) is a union of the role sets of its own ACL levels, and a privsep
   * token's is a subset of that. A cheap test per identity before expanding its matrix row.
   */
  mayHoldAny(id: string, privileges: readonly string[]): boolean {
    if (id === ROOT) return true;
    const i = this.identIndex.get(id);
    if (i === undefined) return false;
    const kind = this.tokenKind[i];
    if (kind === 3) return false;
    const subject = kind === 2 ? this.tokenOwner[i] : i;
    if (subject === this.rootIdent) return true;
    let lo = 0;
    let hi = 0;
    for (const p of privileges) {
      const b = this.privIndex.get(p);
      if (b === undefined) continue;
      if (b < 32) lo |= 1 << b;
      else hi |= 1 << (b - 32);
    }
    for (let k = this.identOff[subject]; k < this.identOff[subject + 1]; k++) {
      const all = this.lvAll[k];
      const prop = this.lvProp[k];
      if ((this.setLo[all] & lo) !== 0 || (this.setHi[all] & hi) !== 0) return true;
      if ((this.setLo[prop] & lo) !== 0 || (this.setHi[prop] & hi) !== 0) return true;
    }
    return false;
  }

  // Matrix ---------------------------------------------------------------------------------------

  /**
   * Every identity's answers over every node of the ACL tree at once, as runs of nodes in preorder
   * (a subtree without entries for the identity is one run): cost follows the identity's own
   * entries, not the size of the tree.
   */
  matrix(ids: readonly string[]): { order: Int32Array; pre: Int32Array; end: Int32Array; rows: MatrixRow[] } {
    const n = this.nodeCount;
    const order = new Int32Array(n);
    const pre = new Int32Array(n);
    const end = new Int32Array(n);
    let k = 0;
    const sortedKids: number[][] = this.children.map((c) => [...c.entries()].sort((a, b) => naturalCompare(a[0], b[0])).map(([, x]) => x));
    const stack: [number, number][] = [[0, 0]];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [node, ci] = top;
      if (ci === 0) {
        pre[node] = k;
        order[k++] = node;
      }
      const kids = sortedKids[node];
      if (ci < kids.length) {
        top[1]++;
        stack.push([kids[ci], 0]);
      } else {
        end[node] = k;
        stack.pop();
      }
    }
    const ctx = new MatrixBuilder(this, pre, end, order);
    const byId = new Map<number, MatrixRow>();
    const rows = ids.map((id) => this.row(id, ctx, byId));
    return { order, pre, end, rows };
  }

  private row(id: string, b: MatrixBuilder, cache: Map<number, MatrixRow>): MatrixRow {
    if (id === ROOT) {
      return { id, starts: Int32Array.of(0), ends: Int32Array.of(this.nodeCount), roleSets: Int32Array.of(this.adminSet), privSets: Int32Array.of(this.allPrivs.id) };
    }
    const i = this.identIndex.get(id);
    if (i === undefined || this.tokenKind[i] === 3) return emptyRow(id);
    const kind = this.tokenKind[i];
    if (kind === 2) return { ...this.row(this.identNames[this.tokenOwner[i]], b, cache), id };
    const cached = cache.get(i);
    if (cached) return { ...cached, id };
    const own = b.buildShared(i);
    let row: MatrixRow = { id, ...own };
    if (kind === 1 && this.identNames[this.tokenOwner[i]] !== ROOT) row = b.intersect(row, this.row(this.identNames[this.tokenOwner[i]], b, cache));
    cache.set(i, row);
    return row;
  }

  // Accessors used by the matrix builder.
  /** @internal */ levelsOf(subject: number): [Int32Array, Int32Array, Int32Array] {
    const a = this.identOff[subject];
    const b = this.identOff[subject + 1];
    return [this.lvNode.subarray(a, b), this.lvAll.subarray(a, b), this.lvProp.subarray(a, b)];
  }
  /** @internal */ privSetIdOfRoles(set: number): number {
    return this.setPriv[set];
  }
  /** @internal */ collapsed(set: number): number {
    return this.collapse(set);
  }
  /** @internal */ poolMembers(): readonly { pool: Int32Array; members: number[] }[] {
    return this.poolMemberNodes;
  }
  /** @internal */ poolRoleSet(subject: number, chain: Int32Array): number {
    return this.walkRoles(subject, chain, true);
  }
  /** @internal */ addPool(acl: number, pool: number): number {
    return this.withPool(acl, pool);
  }
  /** @internal */ unionOf(a: number, b: number): number {
    return this.union(a, b);
  }
  roleSetNames(set: number): readonly string[] {
    return this.setNames[set];
  }
  /** All identities the configuration names (users, tokens, group members, ACL members). */
  identities(): readonly string[] {
    return this.identNames;
  }
}

/** Tree order: guest ids numerically (/vms/99 before /vms/100, keeping a pool's guests together), the rest by code point. */
function naturalCompare(a: string, b: string): number {
  const na = /^\d+$/.test(a);
  const nb = /^\d+$/.test(b);
  if (na && nb && a.length !== b.length) return a.length - b.length;
  if (na !== nb) return na ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function emptyRow(id: string): MatrixRow {
  return { id, starts: new Int32Array(0), ends: new Int32Array(0), roleSets: new Int32Array(0), privSets: new Int32Array(0) };
}

/** Growable Int32 buffer (the matrix builder reuses one per column instead of allocating per row). */
class IntBuf {
  a = new Int32Array(1024);
  n = 0;
  push(x: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = x;
  }
  take(): Int32Array {
    const out = this.a.slice(0, this.n);
    this.n = 0;
    return out;
  }
}

/** Scratch state for building matrix rows (stamps instead of clearing arrays per identity). */
class MatrixBuilder {
  private readonly stamp: Int32Array;
  private readonly relStamp: Int32Array;
  private readonly relAll: Int32Array;
  private readonly relProp: Int32Array;
  private readonly poolStamp: Int32Array;
  private readonly poolSet: Int32Array;
  /** Preorder numbers of the nodes marked for the current identity (its levels, pool members, their ancestors). */
  private readonly marked = new IntBuf();
  private gen = 0;
  private readonly starts = new IntBuf();
  private readonly ends = new IntBuf();
  private readonly roleSets = new IntBuf();
  private readonly privSets = new IntBuf();
  // Sweep stack: node, role set inherited by its children, next preorder number not yet emitted.
  private readonly stackNode: Int32Array;
  private readonly stackInherited: Int32Array;
  private readonly stackCursor: Int32Array;

  constructor(private readonly c: CompiledAccess, private readonly pre: Int32Array, private readonly end: Int32Array, private readonly order: Int32Array) {
    const n = c.nodeCount;
    this.stamp = new Int32Array(n);
    this.relStamp = new Int32Array(n);
    this.relAll = new Int32Array(n);
    this.relProp = new Int32Array(n);
    this.poolStamp = new Int32Array(n);
    this.poolSet = new Int32Array(n);
    this.stackNode = new Int32Array(n + 1);
    this.stackInherited = new Int32Array(n + 1);
    this.stackCursor = new Int32Array(n + 1);
  }

  private mark(node: number): void {
    for (let x = node; x >= 0 && this.stamp[x] !== this.gen; x = this.c.parent[x]) {
      this.stamp[x] = this.gen;
      this.marked.push(this.pre[x]);
    }
  }

  private readonly byLevels = new Map<string, Omit<MatrixRow, 'id'>>();

  /**
   * build(), shared between identities with the same ACL levels (a row depends on nothing else: pool
   * roles come from the same levels). 20,000 users each granted one role on / have one row between them.
   */
  buildShared(subject: number): Omit<MatrixRow, 'id'> {
    const [nodes, all, prop] = this.c.levelsOf(subject);
    let key = '';
    for (let k = 0; k < nodes.length; k++) key += `${nodes[k]},${all[k]},${prop[k]};`;
    let row = this.byLevels.get(key);
    if (!row) this.byLevels.set(key, (row = this.build(subject)));
    return row;
  }

  build(subject: number): Omit<MatrixRow, 'id'> {
    this.gen++;
    this.marked.n = 0;
    const [nodes, all, prop] = this.c.levelsOf(subject);
    for (let k = 0; k < nodes.length; k++) {
      const x = nodes[k];
      this.relStamp[x] = this.gen;
      this.relAll[x] = all[k];
      this.relProp[x] = prop[k];
      this.mark(x);
    }
    if (nodes.length === 0) return { starts: NO_NODES, ends: NO_NODES, roleSets: NO_NODES, privSets: NO_NODES };
    for (const { pool, members } of this.c.poolMembers()) {
      // Pool roles need a level with entries for the subject on /pool/<P>'s chain.
      let touched = false;
      for (const x of pool) if (this.relStamp[x] === this.gen) touched = true;
      if (!touched) continue;
      const set = this.c.poolRoleSet(subject, pool);
      if (set === EMPTY) continue;
      for (const m of members) {
        if (this.poolStamp[m] !== this.gen) {
          this.poolStamp[m] = this.gen;
          this.poolSet[m] = EMPTY;
        }
        // Several pools on one storage: NoAccess of any wins, otherwise the roles add up.
        this.poolSet[m] = this.c.collapsed(this.c.unionOf(this.poolSet[m], set));
        this.mark(m);
      }
    }
    this.sweep();
    return { starts: this.starts.take(), ends: this.ends.take(), roleSets: this.roleSets.take(), privSets: this.privSets.take() };
  }

  /**
   * Visits the marked nodes in preorder; everything between them inherits from the nearest marked
   * ancestor and is emitted as whole runs.
   */
  private sweep(): void {
    const marked = this.marked.a.subarray(0, this.marked.n).sort();
    let top = -1;
    const finish = () => {
      this.emit(this.stackCursor[top], this.end[this.stackNode[top]], this.c.collapsed(this.stackInherited[top]));
      top--;
    };
    for (let i = 0; i < marked.length; i++) {
      const node = this.order[marked[i]];
      const p = this.pre[node];
      while (top >= 0 && this.end[this.stackNode[top]] <= p) finish();
      const inherited = top >= 0 ? this.stackInherited[top] : EMPTY;
      if (top >= 0) {
        this.emit(this.stackCursor[top], p, this.c.collapsed(inherited));
        this.stackCursor[top] = this.end[node];
      }
      const rel = this.relStamp[node] === this.gen;
      const here = rel ? this.relAll[node] : EMPTY;
      let value = this.c.collapsed(here !== EMPTY ? here : inherited);
      if (this.poolStamp[node] === this.gen) value = this.c.addPool(value, this.poolSet[node]);
      this.emit(p, p + 1, value);
      const below = rel ? this.relProp[node] : EMPTY;
      top++;
      this.stackNode[top] = node;
      this.stackInherited[top] = below !== EMPTY ? below : inherited;
      this.stackCursor[top] = p + 1;
    }
    while (top >= 0) finish();
  }

  private emit(start: number, end: number, set: number): void {
    if (set === EMPTY || start >= end) return;
    const last = this.starts.n - 1;
    if (last >= 0 && this.ends.a[last] === start && this.roleSets.a[last] === set) {
      this.ends.a[last] = end;
      return;
    }
    this.starts.push(start);
    this.ends.push(end);
    this.roleSets.push(set);
    this.privSets.push(this.c.privSetIdOfRoles(set));
  }

  /** A privsep token: its own answers intersected with its owner's privileges, run by run. */
  intersect(token: MatrixRow, owner: MatrixRow): MatrixRow {
    const starts: number[] = [];
    const ends: number[] = [];
    const roleSets: number[] = [];
    const privSets: number[] = [];
    let j = 0;
    for (let i = 0; i < token.starts.length; i++) {
      const a0 = token.starts[i];
      const a1 = token.ends[i];
      const tp = this.c.privSets[token.privSets[i]];
      while (j < owner.starts.length && owner.ends[j] <= a0) j++;
      for (let k = j; k < owner.starts.length && owner.starts[k] < a1; k++) {
        const op = this.c.privSets[owner.privSets[k]];
        const ps = this.c.privSet((tp.lo & op.lo) >>> 0, (tp.hi & op.hi) >>> 0);
        starts.push(Math.max(a0, owner.starts[k]));
        ends.push(Math.min(a1, owner.ends[k]));
        roleSets.push(token.roleSets[i]);
        privSets.push(ps.id);
      }
    }
    // Segments where the owner holds nothing are dropped: the token holds nothing there either.
    return { id: token.id, starts: Int32Array.from(starts), ends: Int32Array.from(ends), roleSets: Int32Array.from(roleSets), privSets: Int32Array.from(privSets) };
  }
}
