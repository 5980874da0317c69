import type { Check } from '../types.js';
import { notice, pass } from '../types.js';
import { userCfgFact } from '../../model/facts/pve.js';
import { FILES } from '../../collect/sources.js';
import { ADMIN_GUIDE, listNames } from './common.js';

export const pve14: Check = {
  meta: {
    id: 'PVE-14', section: 'PVE', title: 'pve-realm users and password policy', severity: 'info', scope: 'cluster',
    rationale: 'Proxmox enforces no length, complexity, ageing or lockout policy for passwords of the built-in pve realm (only a 5-character minimum): strength depends on the users.',
    fix: 'Prefer pam/LDAP/OpenID realms with a central policy, or enforce TFA on the pve realm: pveum realm modify pve --tfa type=oath',
    reads: [FILES.userCfg],
    references: [ADMIN_GUIDE],
  },
  evaluate(ctx) {
    const users = [...ctx.get(userCfgFact).value.users.values()].filter((u) => u.realm === 'pve');
    if (users.length === 0) return pass('no user of the pve realm');
    return notice(`${users.length} pve-realm user(s) (${listNames(users.map((u) => u.id), 5)}); Proxmox enforces no password policy for them`);
  },
};
