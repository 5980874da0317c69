import type { PermissionEngine, PermissionMatrix } from './engine.js';
import type { MatrixRow } from './compiled.js';

/** One (identity, path) whose answer differs between two configurations. */
export interface CellDiff {
  id: string;
  path: string;
  rolesBefore: readonly string[];
  rolesAfter: readonly string[];
  privilegesBefore: readonly string[];
  privilegesAfter: readonly string[];
}

const NONE = { privileges: [] as readonly string[], roles: [] as readonly string[] };
const same = (a: readonly string[], b: readonly string[]) => a === b || (a.length === b.length && a.every((x, i) => x === b[i]));

export const added = (before: readonly string[], after: readonly string[]): string[] => after.filter((x) => !before.includes(x));

/** Walks the runs of one row position by position; value(k) for ascending k. */
class RunCursor {
  private r = 0;
  constructor(private readonly m: PermissionMatrix, private readonly row: MatrixRow) {}
  /** The value at position k and the first position where it may change. */
  at(k: number, size: number): { value: typeof NONE; next: number } {
    const { starts, ends } = this.row;
    while (this.r < starts.length && ends[this.r] <= k) this.r++;
    if (this.r >= starts.length) return { value: NONE, next: size };
    if (starts[this.r] > k) return { value: NONE, next: starts[this.r] };
    const v = this.m.runValue(this.row, this.r);
    return { value: v.privileges.length ? v : NONE, next: ends[this.r] };
  }
}

/**
 * Every (identity, path) of either matrix whose privileges or roles differ between `before` and
 * `after`. Both engines first get the same tree shape (empty nodes added), so their matrices share
 * preorder positions and are compared run by run; only differing runs are expanded into paths.
 */
export function diffEngines(before: PermissionEngine, after: PermissionEngine): CellDiff[] {
  const treeBefore = before.treePaths();
  before.addTreePaths(after.treePaths());
  after.addTreePaths(treeBefore);
  const ids = [...new Set([...before.identities(), ...after.identities()])].sort();
  const mb = before.matrix(ids);
  const ma = after.matrix(ids);
  const size = mb.size;
  if (ma.size !== size) throw new Error('permission diff: the two trees differ in shape');
  const out: CellDiff[] = [];
  for (let i = 0; i < ids.length; i++) {
    const cb = new RunCursor(mb, mb.rows[i]);
    const ca = new RunCursor(ma, ma.rows[i]);
    for (let k = 0; k < size;) {
      const b = cb.at(k, size);
      const a = ca.at(k, size);
      const next = Math.min(b.next, a.next);
      if (!same(b.value.privileges, a.value.privileges) || !same(b.value.roles, a.value.roles)) {
        for (let j = k; j < next; j++) {
          if (!mb.isMatrixPathAt(j) && !ma.isMatrixPathAt(j)) continue;
          out.push({ id: ids[i], path: mb.nodePathAt(j), rolesBefore: b.value.roles, rolesAfter: a.value.roles, privilegesBefore: b.value.privileges, privilegesAfter: a.value.privileges });
        }
      }
      k = next;
    }
  }
  return out;
}
