import type { Check } from '../types.js';
import { fail, pass } from '../types.js';
import { userCfgEvidence, userCfgFact } from '../../model/facts/pve.js';
import { FILES } from '../../collect/sources.js';
import { ADMIN_GUIDE, listNames } from './common.js';

export const pve09: Check = {
  meta: {
    id: 'PVE-09', section: 'PVE', title: 'API tokens use privilege separation', severity: 'high', scope: 'cluster',
    rationale: 'A token with privsep 0 carries all privileges of its user (root@pam tokens: everything), and ignores its own ACLs; a leaked automation secret then equals the user password.',
    fix: 'Recreate each listed token with privilege separation and grant it only what it needs: pveum user token remove USER NAME && pveum user token add USER NAME --privsep 1 && pveum acl modify PATH --tokens USER!NAME --roles ROLE',
    reads: [FILES.userCfg],
    references: [ADMIN_GUIDE],
  },
  evaluate(ctx) {
    const cfg = ctx.get(userCfgFact).value;
    const tokens = [...cfg.users.values()].flatMap((u) => [...u.tokens.values()]);
    if (tokens.length === 0) return pass('no API tokens defined');
    const full = tokens.filter((t) => !t.privsep);
    if (full.length === 0) return pass(`all ${tokens.length} API tokens use privilege separation`);
    return fail(`${full.length} API token(s) without privilege separation (privsep 0 or missing): ${listNames(full.map((t) => t.id))}`,
      full.slice(0, 5).map((t) => userCfgEvidence(ctx, t.line)));
  },
};
