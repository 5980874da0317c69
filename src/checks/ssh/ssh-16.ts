import { sshdFact } from '../../model/facts/ssh.js';
import type { Check } from '../types.js';
import { numberVerdict, SSHD_READS, SSHD_REFERENCES } from './common.js';

export const ssh16: Check = {
  meta: {
    id: 'SSH-16',
    section: 'SSH',
    title: 'Idle SSH sessions end (ClientAliveInterval between 1 and 900 s)',
    severity: 'low',
    scope: 'node',
    rationale: 'Without keepalive probes, sessions of vanished clients (and forgotten root shells) stay open indefinitely.',
    fix: 'Put "ClientAliveInterval 300" and "ClientAliveCountMax 3" in /etc/ssh/sshd_config.d/10-pvesec.conf, then `sshd -t && systemctl reload ssh`.',
    reads: SSHD_READS,
    references: SSHD_REFERENCES,
  },
  evaluate(ctx) {
    return numberVerdict(ctx.get(sshdFact), 'clientaliveinterval', (n) => n > 0 && n <= 900,
      (n) => (n <= 0 ? 'keepalive probes are off, dead sessions never end' : 'more than 900 s between probes'));
  },
};
