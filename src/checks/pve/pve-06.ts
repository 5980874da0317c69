import type { Check } from '../types.js';
import { fail, pass } from '../types.js';
import { tfaFact } from '../../model/facts/pve.js';
import { hasEnabledFactor } from '../../parse/tfa-cfg.js';
import { FILES } from '../../collect/sources.js';
import { TFA_DOC } from './common.js';

export const pve06: Check = {
  meta: {
    id: 'PVE-06', section: 'PVE', title: 'root@pam has a second factor', severity: 'high', scope: 'cluster',
    rationale: 'root@pam can do everything in the web UI and API; its password alone must not be enough (waive explicitly if it is your break-glass account).',
    fix: 'Log in as root@pam, Datacenter > Permissions > Two Factor > Add TOTP or WebAuthn, plus recovery keys; or waive PVE-06 with a reason if root@pam is a sealed break-glass account',
    reads: [FILES.tfaCfg],
    references: [TFA_DOC],
  },
  evaluate(ctx) {
    const root = ctx.get(tfaFact).get('root@pam');
    if (hasEnabledFactor(root)) {
      const kinds = (['totp', 'webauthn', 'yubico', 'u2f'] as const).filter((k) => root![k].some((e) => e.enabled));
      return pass(`root@pam has ${kinds.join(' + ')}`, [{ source: FILES.tfaCfg, line: root!.line, text: 'root@pam' }]);
    }
    return fail(root ? 'root@pam has no enabled second factor (entries disabled or recovery keys only)' : 'root@pam has no second factor', [{ source: FILES.tfaCfg, text: root ? 'root@pam: no enabled factor' : 'no root@pam entry' }]);
  },
};
