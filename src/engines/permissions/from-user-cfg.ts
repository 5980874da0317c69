import type { UserConfig } from '../../parse/user-cfg.js';
import type { AccessInput } from './model.js';
import { releasePrivileges } from './versions.js';

/** The engine's input from a parsed user.cfg (roles already include the built-ins of the parser's version). */
export function accessInputFromUserCfg(cfg: UserConfig, privileges: readonly string[] = releasePrivileges(cfg.release)): AccessInput {
  const roles = new Map<string, ReadonlySet<string>>();
  for (const [name, r] of cfg.roles) roles.set(name, r.privileges);
  const groups = new Map<string, ReadonlySet<string>>();
  for (const [name, g] of cfg.groups) groups.set(name, g.members);
  const tokens = new Map<string, { privsep: boolean }>();
  for (const u of cfg.users.values()) for (const t of u.tokens.values()) tokens.set(t.id, { privsep: t.privsep });
  const vmPool = new Map<string, string>();
  for (const [vmid, pool] of cfg.vms) vmPool.set(String(vmid), pool);
  const storagePools = new Map<string, string[]>();
  for (const [name, p] of cfg.pools) {
    for (const st of p.storage) {
      const list = storagePools.get(st);
      if (list) list.push(name);
      else storagePools.set(st, [name]);
    }
  }
  const acl = cfg.aclEntries.map((e) => ({ path: e.path, propagate: e.propagate, kind: e.kind, ugid: e.member, role: e.role, line: e.line }));
  return { roles, groups, tokens, vmPool, storagePools, privileges, acl, users: [...cfg.users.keys()] };
}
