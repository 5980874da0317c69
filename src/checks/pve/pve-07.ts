import type { Check, Verdict } from '../types.js';
import { fail, keyed, pass } from '../types.js';
import { realmsFact } from '../../model/facts/pve.js';
import { FILES } from '../../collect/sources.js';
import { ADMIN_GUIDE } from './common.js';

export const pve07: Check = {
  meta: {
    id: 'PVE-07', section: 'PVE', title: 'LDAP/AD realms use TLS with certificate verification', severity: 'high', scope: 'cluster',
    rationale: 'In plain ldap mode every login sends the user password (and the bind password) in clear text; without verify 1 anyone in the path can impersonate the directory.',
    fix: 'pveum realm modify REALM --mode ldaps --verify 1 (optionally --capath /etc/ssl/certs); for AD the same, or --mode ldap+starttls',
    reads: [FILES.domainsCfg],
    references: [ADMIN_GUIDE],
  },
  evaluate(ctx) {
    const dirs = ctx.get(realmsFact).filter((r) => r.type === 'ldap' || r.type === 'ad');
    if (dirs.length === 0) return pass('no LDAP or AD realm configured');
    return dirs.map((r) => keyed(`realm ${r.name}`, judge(r)));

    function judge(r: (typeof dirs)[number]): Verdict {
      const ev = [{ source: FILES.domainsCfg, line: r.props.get('mode')?.line ?? r.props.get('secure')?.line ?? r.line, text: `${r.type}: ${r.name}` }];
      const problems = [r.mode === 'ldap' ? 'mode ldap (plaintext)' : '', !r.verify ? 'verify 0' : ''].filter(Boolean);
      if (problems.length === 0) return pass(`${r.type} realm ${r.name}: mode ${r.mode}, verify 1`, ev);
      return fail(`${r.type} realm ${r.name}: ${problems.join(', ')}`, ev);
    }
  },
};
