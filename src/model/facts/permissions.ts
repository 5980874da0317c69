import { FILES } from '../../collect/sources.js';
import { clusterFact } from '../fact.js';
import { parseUserCfg, type UserConfig } from '../../parse/user-cfg.js';
import type { Diagnostic } from '../../parse/diagnostics.js';
import { PermissionEngine } from '../../engines/permissions/engine.js';
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
