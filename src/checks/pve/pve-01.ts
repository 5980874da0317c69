import type { Check } from '../types.js';
import { fail, pass } from '../types.js';
import { isExpired, userCfgEvidence } from '../../model/facts/pve.js';
import { accessFact } from '../../model/facts/permissions.js';
import { grantEntries, memberLabel } from '../../engines/permissions/describe.js';
import { FILES } from '../../collect/sources.js';
import { ADMIN_GUIDE, listNames } from './common.js';

/** Names the message lists, evidence lines it gives. */
const LISTED = 8;
const EVIDENCE = 5;

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
    for (const user of cfg.users.values()) {
      if (user.id === 'root@pam') continue;
      const privs = engine.privileges(user.id, '/');
      const administers = engine.roleNames(user.id, '/').includes('Administrator') ||
        (privs.includes('Permissions.Modify') && privs.includes('Sys.Modify'));
      if (!administers) continue;
      (user.enable && !isExpired(user.expire, ctx.now) ? active : inactive).push(user.id);
    }
    // The grants are explained only for what the message shows (the first names, the first evidence lines):
    // 20,000 administrators must not cost an explanation each.
    const grantsOf = (id: string) => grantEntries(engine.explain(id, '/'));
    const via = (id: string) => {
      const group = grantsOf(id).find((e) => e.kind === 'group');
      return group ? `${id} via ${memberLabel(group)}` : id;
    };
    const withVia = (ids: string[]) => ids.map((id, i) => (i < LISTED ? via(id) : id)); // listNames counts the rest
    const evidence = [];
    const lines = new Set<number>();
    for (let i = 0; i < active.length && lines.size < EVIDENCE; i++) {
      for (const e of grantsOf(active[i])) {
        if (e.line === undefined || lines.has(e.line)) continue;
        lines.add(e.line);
        evidence.push(userCfgEvidence(ctx, e.line));
      }
    }
    if (active.length) return pass(`administrators on / besides root@pam: ${listNames(withVia(active), LISTED)}`, evidence.slice(0, EVIDENCE));
    const note = inactive.length ? ` (disabled or expired: ${listNames(withVia(inactive), LISTED)})` : '';
    return fail(`no enabled user other than root@pam holds Administrator (or Permissions.Modify + Sys.Modify) on /${note}`, [{ source: FILES.userCfg, text: 'no other enabled administrator on /' }]);
  },
};
