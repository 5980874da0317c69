import { sshdFact } from '../../model/facts/ssh.js';
import type { Check } from '../types.js';
import { numberVerdict, SSHD_READS, SSHD_REFERENCES } from './common.js';

export const ssh11: Check = {
  meta: {
    id: 'SSH-11',
    section: 'SSH',
    title: 'MaxAuthTries is at most 4',
    severity: 'low',
    scope: 'node',
    rationale: 'Fewer attempts per connection slow down password guessing and make fail2ban react sooner.',
    fix: 'Put "MaxAuthTries 3" in /etc/ssh/sshd_config.d/10-pvesec.conf, then `sshd -t && systemctl reload ssh`. Admins with many keys in their agent should use IdentitiesOnly in ~/.ssh/config.',
    reads: SSHD_READS,
    references: SSHD_REFERENCES,
  },
  evaluate(ctx) {
    return numberVerdict(ctx.get(sshdFact), 'maxauthtries', (n) => n <= 4, () => 'more than 4 attempts per connection (recommended 3)');
  },
};
