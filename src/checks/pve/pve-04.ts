import type { Check } from '../types.js';
import { fail, pass } from '../types.js';
import { tfaFact } from '../../model/facts/pve.js';
import { FILES } from '../../collect/sources.js';
import { listNames, TFA_DOC } from './common.js';

export const pve04: Check = {
  meta: {
    id: 'PVE-04', section: 'PVE', title: 'TOTP/WebAuthn users have unused recovery keys', severity: 'medium', scope: 'cluster',
    rationale: 'A lost phone or security key without recovery keys means an administrator lockout that only root on a node can undo.',
    fix: 'Each listed user generates recovery keys: GUI Datacenter > Permissions > Two Factor > Add > Recovery Keys (store them offline)',
    reads: [FILES.tfaCfg],
    references: [TFA_DOC],
  },
  evaluate(ctx) {
    const tfa = ctx.get(tfaFact);
    const withFactor = [...tfa.values()].filter((u) => u.totp.some((e) => e.enabled) || u.webauthn.some((e) => e.enabled));
    if (withFactor.length === 0) return pass('no user has TOTP or WebAuthn configured');
    const lacking = withFactor.filter((u) => (u.recovery?.unused ?? 0) === 0);
    if (lacking.length === 0) return pass(`all ${withFactor.length} TOTP/WebAuthn users have unused recovery keys`);
    return fail(`${lacking.length} TOTP/WebAuthn user(s) without unused recovery keys: ${listNames(lacking.map((u) => u.user))}`,
      lacking.slice(0, 5).map((u) => ({ source: FILES.tfaCfg, line: u.line, text: `${u.user}: recovery ${u.recovery ? `${u.recovery.unused}/${u.recovery.total} unused` : 'none'}` })));
  },
};
