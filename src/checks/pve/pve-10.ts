import type { Check } from '../types.js';
import { fail, pass } from '../types.js';
import { isExpired, userCfgEvidence, userCfgFact } from '../../model/facts/pve.js';
import { FILES } from '../../collect/sources.js';
import { ADMIN_GUIDE, listNames } from './common.js';

export const pve10: Check = {
  meta: {
    id: 'PVE-10', section: 'PVE', title: 'API tokens expire and belong to active users', severity: 'medium', scope: 'cluster',
    rationale: 'Tokens without expiry live on in forgotten scripts; expired tokens and tokens of disabled or expired users are dead credentials that should be removed.',
    fix: 'Set an expiry: pveum user token modify USER NAME --expire $(date -d "+90 days" +%s); remove dead ones: pveum user token remove USER NAME',
    reads: [FILES.userCfg],
    references: [ADMIN_GUIDE],
  },
  evaluate(ctx) {
    const cfg = ctx.get(userCfgFact).value;
    const problems: { text: string; line: number }[] = [];
    let count = 0;
    for (const user of cfg.users.values()) {
      for (const t of user.tokens.values()) {
        count++;
        if (t.expire === 0) problems.push({ text: `${t.id} never expires`, line: t.line });
        else if (isExpired(t.expire, ctx.now)) problems.push({ text: `${t.id} expired ${new Date(t.expire * 1000).toISOString().slice(0, 10)}`, line: t.line });
        if (!user.enable) problems.push({ text: `${t.id} belongs to disabled user ${user.id}`, line: t.line });
        else if (isExpired(user.expire, ctx.now)) problems.push({ text: `${t.id} belongs to expired user ${user.id}`, line: t.line });
      }
    }
    if (count === 0) return pass('no API tokens defined');
    if (problems.length === 0) return pass(`all ${count} API tokens expire and belong to active users`);
    return fail(`${problems.length} token problem(s): ${listNames(problems.map((p) => p.text), 6)}`, problems.slice(0, 5).map((p) => userCfgEvidence(ctx, p.line)));
  },
};
