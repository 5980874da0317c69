import type { PermissionEngine } from './engine.js';

/** One (identity, path) whose answer differs between two configurations. */
export interface CellDiff {
  id: string;
  path: string;
  rolesBefore: readonly string[];
  rolesAfter: readonly string[];
  privilegesBefore: readonly string[];
  privilegesAfter: readonly string[];
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export const added = (before: readonly string[], after: readonly string[]): string[] => after.filter((x) => !before.includes(x));

/**
 * Every (identity, path) of either matrix whose privileges or roles differ between `before` and
 * `after`, identities and paths sorted. Paths only one side evaluates are answered by a query on
 * the other side (a new ACL path may inherit the same grants it had before).
 */
export function diffEngines(before: PermissionEngine, after: PermissionEngine): CellDiff[] {
  const ids = [...new Set([...before.identities(), ...after.identities()])].sort();
  const mb = before.matrix(ids);
  const ma = after.matrix(ids);
  const pathsB = new Set(before.matrixPaths());
  const pathsA = new Set(after.matrixPaths());
  const onlyOneSide = [...new Set([...pathsB, ...pathsA])].filter((p) => pathsB.has(p) !== pathsA.has(p));
  const out: CellDiff[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    const b = new Map([...mb.cells(mb.rows[i])].map((c) => [c.path, c]));
    const a = new Map([...ma.cells(ma.rows[i])].map((c) => [c.path, c]));
    const paths = new Set([...b.keys(), ...a.keys(), ...onlyOneSide]);
    for (const path of [...paths].sort()) {
      const cb = b.get(path);
      const ca = a.get(path);
      const privilegesBefore = cb?.privileges ?? (pathsB.has(path) ? [] : before.privileges(id, path));
      const privilegesAfter = ca?.privileges ?? (pathsA.has(path) ? [] : after.privileges(id, path));
      const rolesBefore = cb?.roles ?? (pathsB.has(path) || privilegesBefore.length === 0 ? [] : before.effectiveRoleNames(id, path));
      const rolesAfter = ca?.roles ?? (pathsA.has(path) || privilegesAfter.length === 0 ? [] : after.effectiveRoleNames(id, path));
      if (same(privilegesBefore, privilegesAfter) && same(rolesBefore, rolesAfter)) continue;
      out.push({ id, path, rolesBefore, rolesAfter, privilegesBefore, privilegesAfter });
    }
  }
  return out;
}
