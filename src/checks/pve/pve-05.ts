import type { Check } from '../types.js';
import { fail, pass } from '../types.js';
import { tfaFact } from '../../model/facts/pve.js';
import { FILES } from '../../collect/sources.js';
import { listNames, TFA_DOC } from './common.js';

export const pve05: Check = {
  meta: {
    id: 'PVE-05', section: 'PVE', title: 'No user is TFA-locked', severity: 'medium', scope: 'cluster',
    rationale: 'A TFA lock follows repeated wrong second-factor codes: either someone is attacking the account with its password, or a user is locked out.',
    fix: 'Find out why (journalctl -u pvedaemon -u pveproxy), then unlock: pveum user tfa unlock USER',
    reads: [FILES.tfaCfg],
    references: [TFA_DOC],
  },
  evaluate(ctx) {
    const nowSec = Math.floor(ctx.now.getTime() / 1000);
    const locked = [...ctx.get(tfaFact).values()].filter((u) => u.totpLocked || (u.tfaLockedUntil ?? 0) > nowSec);
    if (locked.length === 0) return pass('no user is TOTP- or TFA-locked');
    const describe = (u: (typeof locked)[number]) =>
      `${u.user} (${[u.totpLocked ? 'totp-locked' : '', (u.tfaLockedUntil ?? 0) > nowSec ? `tfa-locked until ${new Date(u.tfaLockedUntil! * 1000).toISOString()}` : ''].filter(Boolean).join(', ')})`;
    return fail(`${locked.length} user(s) locked: ${listNames(locked.map(describe), 5)}`,
      locked.slice(0, 5).map((u) => ({ source: FILES.tfaCfg, line: u.line, text: u.user })));
  },
};
