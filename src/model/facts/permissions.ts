import { FILES } from '../../collect/sources.js';
import { clusterFact } from '../fact.js';
import { parseUserCfg, type UserConfig } from '../../parse/user-cfg.js';
import type { Diagnostic } from '../../parse/diagnostics.js';
import { PermissionEngine } from '../../engines/permissions/engine.js';
import type { MatrixRow } from '../../engines/permissions/compiled.js';
import { accessInputFromUserCfg } from '../../engines/permissions/from-user-cfg.js';
import { DEFAULT_RELEASE, releaseOfMajor, type PveRelease } from '../../engines/permissions/versions.js';
import { pveVersionFact, userCfgFact } from './pve.js';

export interface ReleaseChoice {
  release: PveRelease;
  /** Where the choice comes from, for messages: "pve-manager 8.4.1", or why the default was used. */
  source: string;
}

/** The Proxmox VE release whose privileges and built-in roles apply: `pveversion -v` of the node read for /etc/pve. */
export const pveReleaseFact = clusterFact<ReleaseChoice>('pve.release', (ctx) => {
  const v = ctx.tryGet(pveVersionFact);
  const release = releaseOfMajor(v?.major);
  if (release) return { release, source: `pve-manager ${v!.manager ?? v!.major}` };
  return { release: DEFAULT_RELEASE, source: v ? 'pveversion -v names no pve-manager version; PVE 9 assumed' : 'pveversion -v not collected; PVE 9 assumed' };
});

export interface AccessModel {
  cfg: UserConfig;
  diagnostics: Diagnostic[];
  engine: PermissionEngine;
  release: ReleaseChoice;
}

/** user.cfg parsed with the tables of the node's release, and the permission engine over it. */
export const accessFact = clusterFact<AccessModel>('pve.access', (ctx) => {
  const release = ctx.get(pveReleaseFact);
  const parsed = release.release === DEFAULT_RELEASE
    ? ctx.get(userCfgFact)
    : parseUserCfg(ctx.requireFile(FILES.userCfg), FILES.userCfg, release.release);
  return { cfg: parsed.value, diagnostics: parsed.diagnostics, engine: new PermissionEngine(accessInputFromUserCfg(parsed.value)), release };
});

/** Privileges that administer the cluster (PVE-02): whoever holds one of them anywhere needs a second factor. */
export const ADMINISTRATIVE_PRIVILEGES: readonly string[] = ['Permissions.Modify', 'Sys.Modify', 'Realm.Allocate', 'User.Modify'];

/** What one identity holds of the administrative privileges. */
export interface AdministrativeHolding {
  /** The first path (in matrix order) where it holds any, and which ones there. */
  first: { path: string; privileges: string[] };
  /** Where it holds Permissions.Modify: the first path (matrix order) and on how many paths. */
  permissionsModify?: { first: string; paths: number };
}

/**
 * Every identity (user or token) holding an administrative privilege somewhere, from one full permission
 * matrix per cluster (PVE-02, PVE-03 and PVE-11 ask the same question; a 10,000-guest user.cfg made each
 * of them pay for a matrix of its own). Read run by run: paths sharing a privilege set are not expanded.
 */
export const administratorsFact = clusterFact<Map<string, AdministrativeHolding>>('pve.administrators', (ctx) => {
  const { engine } = ctx.get(accessFact);
  // rows only for those who may hold one: a 10,000-guest user.cfg has a few dozen administrators among 7,000 identities
  const m = engine.matrix(engine.identities().filter((id) => engine.mayHoldAny(id, ADMINISTRATIVE_PRIVILEGES)));
  const heldBySet = new Map<number, string[]>();
  const out = new Map<string, AdministrativeHolding>();
  // identities with the same ACL levels share their row's arrays, and so one answer (read-only once built)
  const byRuns = new Map<Int32Array, { row: MatrixRow; holding?: AdministrativeHolding }>();
  for (const row of m.rows) {
    const same = byRuns.get(row.privSets);
    if (same && same.row.starts === row.starts && same.row.ends === row.ends) {
      if (same.holding) out.set(row.id, same.holding);
      continue;
    }
    let holding: AdministrativeHolding | undefined;
    for (const run of m.privilegeRuns(row)) {
      let held = heldBySet.get(run.privSet);
      if (!held) heldBySet.set(run.privSet, (held = ADMINISTRATIVE_PRIVILEGES.filter((p) => run.privileges.includes(p))));
      if (held.length === 0) continue;
      holding ??= { first: { path: run.firstPath, privileges: held } };
      if (held.includes('Permissions.Modify')) {
        if (holding.permissionsModify) holding.permissionsModify.paths += run.paths;
        else holding.permissionsModify = { first: run.firstPath, paths: run.paths };
      }
    }
    byRuns.set(row.privSets, { row, holding });
    if (holding) out.set(row.id, holding);
  }
  return out;
});

/**
 * Warnings a reader of user.cfg must see: what the parser reports (dropped ACL lines, unknown
 * privileges, invalid members ...) and `role:` lines that change a built-in role.
 */
export function userCfgWarnings(cfg: UserConfig, diagnostics: readonly Diagnostic[]): { line: number; message: string }[] {
  const out = diagnostics.map((d) => ({ line: d.line ?? 0, message: d.message.replace(/^user config - /, '') }));
  for (const r of cfg.roles.values()) {
    if (r.builtin && r.line !== undefined) {
      out.push({ line: r.line, message: `role '${r.name}' is built in: this line adds privileges to it for every holder (now ${[...r.privileges].sort().join(', ') || 'none'})` });
    }
  }
  return out.sort((a, b) => a.line - b.line);
}
