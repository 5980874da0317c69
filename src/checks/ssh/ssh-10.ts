import { sshdFact } from '../../model/facts/ssh.js';
import type { Check } from '../types.js';
import { numberVerdict, SSHD_READS, SSHD_REFERENCES } from './common.js';

export const ssh10: Check = {
  meta: {
    id: 'SSH-10',
    section: 'SSH',
    title: 'LoginGraceTime is at most 60 seconds',
    severity: 'low',
    scope: 'node',
    rationale: 'Unauthenticated connections hold a MaxStartups slot until the grace time ends; the default of 2 minutes makes slot exhaustion cheap.',
    fix: 'Put "LoginGraceTime 30" in /etc/ssh/sshd_config.d/10-pvesec.conf, then `sshd -t && systemctl reload ssh`.',
    reads: SSHD_READS,
    references: SSHD_REFERENCES,
  },
  evaluate(ctx) {
    return numberVerdict(ctx.get(sshdFact), 'logingracetime', (n) => n > 0 && n <= 60,
      (n) => (n === 0 ? 'no time limit for unauthenticated connections' : 'longer than 60 s (recommended 30)'));
  },
};
