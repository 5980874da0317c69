import type { Check } from '../types.js';
import { fail, pass } from '../types.js';
import { isExpired, userCfgEvidence } from '../../model/facts/pve.js';
import { accessFact } from '../../model/facts/permissions.js';
import { grantEntries, memberLabel } from '../../engines/permissions/describe.js';
import { FILES } from '../../collect/sources.js';
import { ADMIN_GUIDE, listNames, uniqueEvidence } from './common.js';

export const pve01: Check = {
  meta: {
    id: 'PVE-01', section: 'PVE', title: 'A named administrator besides root@pam', severity: 'high', scope: 'cluster',
    rationale: 'Working as the shared root@pam account leaves no trace of who did what and makes its password a single point of failure; named administrators are accountable and can be removed individually.',
    fix: 'pveum user add alice@pve --comment "Alice (admin)" && pveum passwd alice@pve && pveum acl modify / --users alice@pve --roles Administrator  (or add the user to an admin group that holds Administrator on /)',
    reads: [FILES.userCfg],
    references: [ADMIN_GUIDE],
  },
  evaluate(ctx) {
    const { cfg, engine } = ctx.get(accessFact);
    const active: string[] = [];
    const inactive: string[] = [];
    const evidence = [];
    for (const user of cfg.users.values()) {
      if (user.id === 'root@pam') continue;
      const privs = engine.privileges(user.id, '/');
      const administers = engine.roleNames(user.id, '/').includes('Administrator') ||
        (privs.includes('Permissions.Modify') && privs.includes('Sys.Modify'));
      if (!administers) continue;
      const grants = grantEntries(engine.explain(user.id, '/'));
      const via = grants.filter((e) => e.kind === 'group').map((e) => ` via ${memberLabel(e)}`)[0] ?? '';
      const usable = user.enable && !isExpired(user.expire, ctx.now);
      (usable ? active : inactive).push(`${user.id}${via}`);
      if (usable) for (const e of grants) if (e.line !== undefined) evidence.push(userCfgEvidence(ctx, e.line));
    }
    if (active.length) return pass(`administrators on / besides root@pam: ${listNames(active)}`, uniqueEvidence(evidence, 5));
    const note = inactive.length ? ` (disabled or expired: ${listNames(inactive)})` : '';
    return fail(`no enabled user other than root@pam holds Administrator (or Permissions.Modify + Sys.Modify) on /${note}`, [{ source: FILES.userCfg, text: 'no other enabled administrator on /' }]);
  },
};
