import type { Check } from '../types.js';
import { fail, pass } from '../types.js';
import { isExpired } from '../../model/facts/pve.js';
import { accessFact } from '../../model/facts/permissions.js';
import { splitTokenId } from '../../parse/user-cfg.js';
import { FILES } from '../../collect/sources.js';
import { ADMIN_GUIDE, listNames, userCfgLinesEvidence } from './common.js';

export const pve13: Check = {
  meta: {
    id: 'PVE-13', section: 'PVE', title: 'Disabled or expired users hold no ACL entries', severity: 'low', scope: 'cluster',
    rationale: 'Proxmox keeps the grants of disabled and expired users: re-enabling the account (or its tokens, for disabled owners) silently restores the access.',
    fix: 'Remove the grants of departed users: pveum acl delete PATH --users USER --roles ROLE (or pveum user delete USER)',
    reads: [FILES.userCfg],
    references: [ADMIN_GUIDE],
  },
  evaluate(ctx) {
    const { cfg } = ctx.get(accessFact);
    const holders = new Map<string, { state: string; lines: number[] }>();
    for (const e of cfg.aclEntries) {
      if (e.kind === 'group') continue;
      const owner = e.kind === 'token' ? splitTokenId(e.member)?.[0] : e.member;
      const user = owner ? cfg.users.get(owner) : undefined;
      if (!user) continue;
      const state = !user.enable ? 'disabled' : isExpired(user.expire, ctx.now) ? 'expired' : undefined;
      if (!state) continue;
      const h = holders.get(user.id) ?? { state, lines: [] };
      if (!h.lines.includes(e.line)) h.lines.push(e.line);
      holders.set(user.id, h);
    }
    if (holders.size === 0) return pass('no disabled or expired user holds ACL entries');
    const list = [...holders].map(([id, h]) => `${id} (${h.state}, line${h.lines.length > 1 ? 's' : ''} ${h.lines.join(', ')})`);
    return fail(`${holders.size} disabled or expired user(s) still hold ACL entries: ${listNames(list, 5)}`,
      userCfgLinesEvidence(ctx, [...holders.values()].flatMap((h) => h.lines)));
  },
};
