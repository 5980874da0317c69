import type { Check, Verdict } from '../types.js';
import { fail, keyed, pass } from '../types.js';
import { isExpired, realmsFact, tfaFact, userCfgEvidence } from '../../model/facts/pve.js';
import { accessFact, administratorsFact } from '../../model/facts/permissions.js';
import { hasUsableFactor } from '../../parse/tfa-cfg.js';
import { FILES } from '../../collect/sources.js';
import { listNames, TFA_DOC } from './common.js';

export const pve03: Check = {
  meta: {
    id: 'PVE-03', section: 'PVE', title: 'Users of TFA-enforcing realms have a usable factor', severity: 'high', scope: 'cluster',
    rationale: 'When a realm enforces TFA, its users without an enabled factor (or only a locked one) cannot log in at all: a lockout waiting for the next login.',
    fix: 'Enroll a factor for each listed user (as that user in the GUI: Datacenter > Permissions > Two Factor), unlock locked ones (pveum user tfa unlock USER), or disable the listed accounts (pveum user modify USER --enable 0)',
    reads: [FILES.domainsCfg, FILES.userCfg, FILES.tfaCfg],
    references: [TFA_DOC],
  },
  evaluate(ctx) {
    const realms = ctx.get(realmsFact).filter((r) => r.tfa);
    if (realms.length === 0) return pass('no realm enforces TFA in domains.cfg');
    const { cfg } = ctx.get(accessFact);
    const tfa = ctx.get(tfaFact);
    const nowSec = Math.floor(ctx.now.getTime() / 1000);
    return realms.map((realm) => keyed(`realm ${realm.name}`, judge(realm)));

    function judge(realm: (typeof realms)[number]): Verdict {
      const users = [...cfg.users.values()].filter((u) => u.realm === realm.name && u.enable && !isExpired(u.expire, ctx.now));
      const lacking = users.filter((u) => !hasUsableFactor(tfa.get(u.id), nowSec));
      const realmEv = { source: FILES.domainsCfg, line: realm.tfa!.line, text: `tfa type=${realm.tfa!.type}` };
      if (lacking.length === 0) return pass(`realm ${realm.name} enforces TFA (${realm.tfa!.type}); all ${users.length} enabled users have a usable factor`, [realmEv]);
      // A locked-out administrator matters most: say which of them can administer (any path).
      const admins = ctx.get(administratorsFact);
      const names = lacking.map((u) => (admins.has(u.id) ? `${u.id} (administrator)` : u.id));
      return fail(`realm ${realm.name} enforces TFA but ${lacking.length} enabled user(s) have no usable factor: ${listNames(names)}`,
        [realmEv, ...lacking.slice(0, 5).map((u) => userCfgEvidence(ctx, u.line))]);
    }
  },
};
