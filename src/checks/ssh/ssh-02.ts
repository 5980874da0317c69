import { sshdFact } from '../../model/facts/ssh.js';
import type { Check } from '../types.js';
import { flagVerdict, SSHD_READS, SSHD_REFERENCES } from './common.js';

export const ssh02: Check = {
  meta: {
    id: 'SSH-02',
    section: 'SSH',
    title: 'Root and all users log in with keys only',
    severity: 'critical',
    scope: 'node',
    rationale: 'Password logins invite brute force and credential stuffing; keys cannot be guessed.',
    fix: 'Put "PasswordAuthentication no" in /etc/ssh/sshd_config.d/10-pvesec.conf (drop-ins are read first, so the first value wins) and remove contrary lines, including inside Match blocks; then `sshd -t && systemctl reload ssh`.',
    reads: SSHD_READS,
    references: SSHD_REFERENCES,
  },
  evaluate(ctx) {
    const state = ctx.get(sshdFact);
    return flagVerdict(state, 'passwordauthentication', (v) => v === 'no');
  },
};
