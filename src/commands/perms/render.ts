import type { PermissionEngine, PermissionMatrix } from '../../engines/permissions/engine.js';
import { describeTrace, reasonOf } from '../../engines/permissions/describe.js';
import { added, type CellDiff } from '../../engines/permissions/diff.js';
import { releaseBuiltinRoles, releasePrivileges, type PveRelease } from '../../engines/permissions/versions.js';
import { clean } from '../../report/text.js';

/** Writes text in large chunks (a matrix can have millions of lines). */
export class ChunkedWriter {
  private buf: string[] = [];
  private size = 0;
  constructor(private readonly out: (text: string) => Promise<void>) {}
  async line(text: string): Promise<void> {
    this.buf.push(text, '\n');
    this.size += text.length + 1;
    if (this.size >= 1 << 16) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.size === 0) return;
    const text = this.buf.join('');
    this.buf = [];
    this.size = 0;
    await this.out(text);
  }
}

const csvField = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export type MatrixFormat = 'json' | 'csv' | 'table';

/** The matrix: one line per (identity, path) with privileges; JSON groups the cells per identity. */
export async function writeMatrix(m: PermissionMatrix, format: MatrixFormat, w: ChunkedWriter, meta: { source: string; release: string; warnings: string[] }): Promise<void> {
  if (format === 'csv') {
    await w.line('id,path,privileges,roles');
    for (const row of m.rows) {
      for (const c of m.cells(row)) await w.line([row.id, c.path, c.privileges.join(' '), c.roles.join(' ')].map((f) => csvField(clean(f))).join(','));
    }
  } else if (format === 'json') {
    await w.line(`{"schema":"pvesec.perms-matrix/v1","source":${JSON.stringify(meta.source)},"release":${JSON.stringify(meta.release)},"warnings":${JSON.stringify(meta.warnings)},`);
    await w.line(`"paths":${JSON.stringify(m.pathList())},"identities":[`);
    let first = true;
    for (const row of m.rows) {
      const cells = [...m.cells(row)].map((c) => ({ path: c.path, privileges: c.privileges, roles: c.roles }));
      await w.line(`${first ? '' : ','}${JSON.stringify({ id: row.id, cells })}`);
      first = false;
    }
    await w.line(']}');
  } else {
    let width = 4;
    for (const row of m.rows) width = Math.max(width, clean(row.id).length);
    let pathWidth = 4;
    for (const p of m.pathList()) pathWidth = Math.max(pathWidth, clean(p).length);
    await w.line(`${'IDENTITY'.padEnd(width)}  ${'PATH'.padEnd(pathWidth)}  PRIVILEGES (ROLES)`);
    for (const row of m.rows) {
      for (const c of m.cells(row)) await w.line(`${clean(row.id).padEnd(width)}  ${clean(c.path).padEnd(pathWidth)}  ${clean(`${c.privileges.join(', ')} (${c.roles.join(', ')})`)}`);
    }
  }
  await w.flush();
}

/** `perms of ID --path P`: privileges, roles, reason and the level-by-level walk. */
export function describeOne(engine: PermissionEngine, id: string, path: string): { privileges: readonly string[]; roles: readonly string[]; reason: string; walk: string[] } {
  const ex = engine.explain(id, path, true);
  return {
    privileges: engine.privileges(id, path),
    roles: engine.effectiveRoleNames(id, path),
    reason: reasonOf(ex),
    walk: ex.trace ? describeTrace(ex.trace) : [],
  };
}

/** One line per changed (identity, path): "+ gained  - lost" for privileges, and the roles behind them. */
export function diffLines(diffs: readonly CellDiff[]): string[] {
  const out: string[] = [];
  let current = '';
  for (const d of diffs) {
    if (d.id !== current) {
      out.push(d.id);
      current = d.id;
    }
    const gained = added(d.privilegesBefore, d.privilegesAfter);
    const lost = added(d.privilegesAfter, d.privilegesBefore);
    const rolesGained = added(d.rolesBefore, d.rolesAfter);
    const rolesLost = added(d.rolesAfter, d.rolesBefore);
    const parts: string[] = [];
    if (gained.length) parts.push(`gains ${gained.join(', ')}`);
    if (lost.length) parts.push(`loses ${lost.join(', ')}`);
    const roles: string[] = [];
    if (rolesGained.length) roles.push(`+${rolesGained.join(' +')}`);
    if (rolesLost.length) roles.push(`-${rolesLost.join(' -')}`);
    if (!parts.length) parts.push('same privileges');
    out.push(`  ${d.path}: ${parts.join('; ')}${roles.length ? ` (roles ${roles.join(' ')})` : ''}`);
  }
  return out;
}

/** One evaluated path of `perms of ID`. */
export interface PathCell {
  path: string;
  privileges: readonly string[];
  roles: readonly string[];
  reason: string;
}

/** Paths sharing one privilege set, named by the role that is exactly that set when there is one. */
export interface PrivilegeGroup {
  paths: string[];
  privileges: readonly string[];
  /** The role whose privileges equal the set (Administrator for all of them), if any. */
  role?: string;
  /** The set is every privilege of the release. */
  allPrivileges: boolean;
  /** Distinct reasons, each with the paths it explains. */
  reasons: { reason: string; paths: string[] }[];
}

/**
 * Groups cells with identical privilege sets (in order of first appearance) and names the role equal
 * to each set: first one of the roles that produced it, else a built-in role of the release, else a
 * custom role (roles as user.cfg leaves them: a `role:` line can extend a built-in one).
 */
export function groupByPrivileges(cells: readonly PathCell[], roles: ReadonlyMap<string, ReadonlySet<string>>, release: PveRelease): PrivilegeGroup[] {
  const groups = new Map<string, PrivilegeGroup & { producing: Set<string> }>();
  for (const c of cells) {
    const key = c.privileges.join(' ');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { paths: [], privileges: c.privileges, allPrivileges: false, reasons: [], producing: new Set() }));
    g.paths.push(c.path);
    for (const r of c.roles) g.producing.add(r);
    const same = g.reasons.find((r) => r.reason === c.reason);
    if (same) same.paths.push(c.path);
    else g.reasons.push({ reason: c.reason, paths: [c.path] });
  }
  const all = releasePrivileges(release);
  const builtin = Object.keys(releaseBuiltinRoles(release));
  return [...groups.values()].map(({ producing, ...g }) => {
    const equal = (name: string) => {
      const set = roles.get(name);
      return set !== undefined && set.size === g.privileges.length && g.privileges.every((p) => set.has(p));
    };
    const candidates = [...[...producing].sort(), ...builtin, ...[...roles.keys()].sort()];
    const role = g.privileges.length ? candidates.find(equal) : undefined;
    const allPrivileges = g.privileges.length === all.length && all.every((p) => g.privileges.includes(p));
    return { ...g, ...(role !== undefined ? { role } : {}), allPrivileges };
  });
}

/** "Administrator: all 47 privileges", "PVEVMAdmin: exactly its 24 privileges", or the privilege names. */
export function privilegeSummary(g: PrivilegeGroup): string {
  const n = g.privileges.length;
  if (g.allPrivileges) return `${g.role ?? 'every privilege'}: all ${n} privileges`;
  if (g.role !== undefined) return `${g.role}: exactly its ${n} privilege${n === 1 ? '' : 's'}`;
  return g.privileges.join(', ');
}

/** Text lines of `perms of ID`: one block per privilege set, its paths, and why. */
export function groupLines(groups: readonly PrivilegeGroup[]): string[] {
  const out: string[] = [];
  for (const g of groups) {
    out.push(`  ${g.paths.join(', ')}: ${privilegeSummary(g)}`);
    // the reason of most paths first, then the paths with another reason
    const main = g.reasons.reduce((a, b) => (b.paths.length > a.paths.length ? b : a));
    out.push(`      why: ${main.reason}`);
    for (const r of g.reasons) if (r !== main) out.push(`      why on ${r.paths.join(', ')}: ${r.reason}`);
  }
  return out;
}
