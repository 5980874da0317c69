import type { Check } from '../types.js';
import { fail, pass } from '../types.js';
import { FILES } from '../../collect/sources.js';
import { nodeFact } from '../../model/fact.js';
import { userCfgEvidence, userCfgFact } from '../../model/facts/pve.js';
import { parsePasswd } from '../../parse/passwd.js';

const passwdNamesFact = nodeFact('acc06.passwd-names', (ctx) =>
  new Set(parsePasswd(ctx.requireFile(FILES.passwd), FILES.passwd).value.map((e) => e.name)));

export const acc06: Check = {
  meta: {
    id: 'ACC-06', section: 'ACC', title: 'pam-realm users exist as Linux accounts', severity: 'high', scope: 'node',
    rationale: 'A user of realm pam authenticates against the node\'s own Linux accounts: on a node without that account the login fails, and a password change in the GUI fails with "user does not exist (500)".',
    fix: 'Create the account on this node with the same name: useradd -m -s /bin/bash NAME && passwd NAME (or remove the pam user from user.cfg: pveum user delete NAME@pam)',
    reads: [FILES.userCfg, FILES.passwd],
    references: [{ title: 'Proxmox VE Administration Guide: Linux PAM standard authentication', url: 'https://pve.proxmox.com/pve-docs/chapter-pveum.html#pveum_authentication_realms' }],
  },
  evaluate(ctx) {
    const cfg = ctx.get(userCfgFact).value;
    const names = ctx.get(passwdNamesFact);
    const pam = [...cfg.users.values()].filter((u) => u.realm === 'pam');
    const missing = pam.filter((u) => !names.has(u.id.slice(0, u.id.lastIndexOf('@'))));
    if (missing.length === 0) return pass(`all ${pam.length} pam-realm users exist in /etc/passwd on ${ctx.node.name}`);
    return fail(`pam-realm user(s) without a Linux account on ${ctx.node.name}: ${missing.map((u) => u.id).slice(0, 8).join(', ')}`,
      missing.slice(0, 5).map((u) => userCfgEvidence(ctx, u.line)));
  },
};
