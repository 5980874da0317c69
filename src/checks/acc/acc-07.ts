import { shadowFact } from '../../model/facts/accounts.js';
import { fail, pass, type Check } from '../types.js';
import { ACC_REFERENCES } from './common.js';

export const acc07: Check = {
  meta: {
    id: 'ACC-07',
    section: 'ACC',
    title: 'No account has an empty password',
    severity: 'critical',
    scope: 'node',
    rationale: 'An empty password field lets anyone log in as that account on the console, through su, and over SSH wherever PermitEmptyPasswords or PAM allow it.',
    fix: 'Lock the account (`passwd -l NAME`) or set a password (`passwd NAME`); remove unused accounts with `deluser NAME`.',
    reads: ['/etc/shadow (password state only; hashes are never read into the report)'],
    references: ACC_REFERENCES,
  },
  evaluate(ctx) {
    const entries = ctx.get(shadowFact);
    const empty = entries.filter((e) => e.state === 'empty');
    if (empty.length) {
      return fail(`empty password field: ${empty.map((e) => e.name).join(', ')}`,
        empty.map((e) => ({ source: '/etc/shadow', line: e.line, text: `${e.name}: empty password field` })));
    }
    return pass(`none of the ${entries.length} accounts in /etc/shadow has an empty password field`, [{ source: '/etc/shadow', text: `${entries.length} entries` }]);
  },
};
