import type { Check } from '../types.js';
import { fail, pass } from '../types.js';
import { isExpired, userCfgEvidence, userCfgFact } from '../../model/facts/pve.js';
import { aclRoles, privilegesOf } from '../../parse/user-cfg.js';
import { FILES } from '../../collect/sources.js';
import { ADMIN_GUIDE, listNames, uniqueEvidence } from './common.js';

/** A role set administers the cluster: Administrator, or both Permissions.Modify and Sys.Modify. */
function administers(privs: Set<string>, roles: Set<string>): boolean {
  return roles.has('Administrator') || (privs.has('Permissions.Modify') && privs.has('Sys.Modify'));
}

export const pve01: Check = {
  meta: {
    id: 'PVE-01', section: 'PVE', title: 'A named administrator besides root@pam', severity: 'high', scope: 'cluster',
    rationale: 'Working as the shared root@pam account leaves no trace of who did what and makes its password a single point of failure; named administrators are accountable and can be removed individually.',
    fix: 'pveum user add alice@pve --comment "Alice (admin)" && pveum passwd alice@pve && pveum acl modify / --users alice@pve --roles Administrator  (or add the user to an admin group that holds Administrator on /)',
    reads: [FILES.userCfg],
    references: [ADMIN_GUIDE],
  },
  evaluate(ctx) {
    const cfg = ctx.get(userCfgFact).value;
    const active: string[] = [];
    const inactive: string[] = [];
    const evidence = [];
    for (const user of cfg.users.values()) {
      if (user.id === 'root@pam') continue;
      const roles = aclRoles(cfg, user.id, '/');
      if (!administers(privilegesOf(cfg, roles), roles)) continue;
      const usable = user.enable && !isExpired(user.expire, ctx.now);
      const groups = [...cfg.groups.values()].filter((g) => g.members.has(user.id)).map((g) => g.name);
      const grant = cfg.aclEntries.find((e) => e.path === '/' && roles.has(e.role) &&
        ((e.kind === 'user' && e.member === user.id) || (e.kind === 'group' && groups.includes(e.member))));
      const via = grant?.kind === 'group' ? ` via @${grant.member}` : '';
      (usable ? active : inactive).push(`${user.id}${via}`);
      if (grant && usable) evidence.push(userCfgEvidence(ctx, grant.line));
    }
    if (active.length) return pass(`administrators on / besides root@pam: ${listNames(active)}`, uniqueEvidence(evidence, 5));
    const note = inactive.length ? ` (disabled or expired: ${listNames(inactive)})` : '';
    return fail(`no enabled user other than root@pam holds Administrator (or Permissions.Modify + Sys.Modify) on /${note}`, [{ source: FILES.userCfg }]);
  },
};
