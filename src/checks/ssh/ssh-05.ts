import { sshdFact } from '../../model/facts/ssh.js';
import type { Check } from '../types.js';
import { flagVerdict, SSHD_READS, SSHD_REFERENCES } from './common.js';

export const ssh05: Check = {
  meta: {
    id: 'SSH-05',
    section: 'SSH',
    title: 'No login without a password',
    severity: 'medium',
    scope: 'node',
    rationale: 'An account with an empty password would be reachable without any secret.',
    fix: 'Put "PermitEmptyPasswords no" in /etc/ssh/sshd_config.d/10-pvesec.conf (drop-ins are read first, so the first value wins) and remove contrary lines, including inside Match blocks; then `sshd -t && systemctl reload ssh`.',
    reads: SSHD_READS,
    references: SSHD_REFERENCES,
  },
  evaluate(ctx) {
    const state = ctx.get(sshdFact);
    return flagVerdict(state, 'permitemptypasswords', (v) => v === 'no');
  },
};
