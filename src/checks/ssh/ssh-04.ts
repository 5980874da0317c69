import { sshdFact } from '../../model/facts/ssh.js';
import type { Check } from '../types.js';
import { flagVerdict, SSHD_READS, SSHD_REFERENCES } from './common.js';

export const ssh04: Check = {
  meta: {
    id: 'SSH-04',
    section: 'SSH',
    title: 'Public-key authentication is enabled',
    severity: 'high',
    scope: 'node',
    rationale: 'Key-based login is the safe way in; without it admins fall back to passwords.',
    fix: 'Put "PubkeyAuthentication yes" in /etc/ssh/sshd_config.d/10-pvesec.conf (drop-ins are read first, so the first value wins) and remove contrary lines, including inside Match blocks; then `sshd -t && systemctl reload ssh`.',
    reads: SSHD_READS,
    references: SSHD_REFERENCES,
  },
  evaluate(ctx) {
    const state = ctx.get(sshdFact);
    return flagVerdict(state, 'pubkeyauthentication', (v) => v === 'yes');
  },
};
