import type { Check } from '../types.js';
import { fail, pass } from '../types.js';
import { isExpired, realmsFact, tfaFact } from '../../model/facts/pve.js';
import { accessFact, administratorsFact, type AdministrativeHolding } from '../../model/facts/permissions.js';
import { hasEnabledFactor } from '../../parse/tfa-cfg.js';
import { FILES } from '../../collect/sources.js';
import { listNames, TFA_DOC, userCfgLinesEvidence } from './common.js';

export const pve02: Check = {
  meta: {
    id: 'PVE-02', section: 'PVE', title: 'Every administrator has a second factor', severity: 'critical', scope: 'cluster',
    rationale: 'A stolen or guessed password of anyone able to change permissions, realms, users or the system gives away the whole cluster unless a second factor is required.',
    fix: 'Have each administrator add TOTP or WebAuthn under Datacenter > Permissions > Two Factor, or enforce TFA on the realm: pveum realm modify pve --tfa type=oath',
    reads: [FILES.userCfg, FILES.tfaCfg, FILES.domainsCfg],
    references: [TFA_DOC],
  },
  evaluate(ctx) {
    const { cfg } = ctx.get(accessFact);
    const holders = ctx.get(administratorsFact);
    const tfa = ctx.get(tfaFact);
    const enforcing = new Set(ctx.get(realmsFact).filter((r) => r.tfa).map((r) => r.name));
    // root@pam is PVE-06's (it may be a waived break-glass account); disabled or expired users cannot log in.
    const users = [...cfg.users.values()].filter((u) => u.id !== 'root@pam' && u.enable && !isExpired(u.expire, ctx.now));
    const admins: { id: string; holding: AdministrativeHolding; line: number }[] = [];
    for (const u of users) {
      const h = holders.get(u.id);
      if (h) admins.push({ id: u.id, holding: h, line: u.line });
    }
    if (admins.length === 0) return pass('no enabled user other than root@pam holds Permissions.Modify, Sys.Modify, Realm.Allocate or User.Modify anywhere');
    const lacking = admins.filter((a) => !enforcing.has(cfg.users.get(a.id)!.realm) && !hasEnabledFactor(tfa.get(a.id)));
    if (lacking.length === 0) {
      return pass(`all ${admins.length} administrator(s) have a second factor (own or realm-enforced): ${listNames(admins.map((a) => a.id))}`);
    }
    // listNames shows 5 and counts the rest: only those are spelled out
    const named = lacking.map((a, i) => (i < 5 ? `${a.id} (${a.holding.first.privileges.join(', ')} on ${a.holding.first.path})` : a.id));
    return fail(`${lacking.length} administrator(s) without a second factor: ${listNames(named, 5)}`,
      userCfgLinesEvidence(ctx, lacking.map((a) => a.line), 5));
  },
};
