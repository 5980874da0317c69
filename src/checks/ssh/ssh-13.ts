import { sshdFact } from '../../model/facts/ssh.js';
import type { Check } from '../types.js';
import { flagVerdict, SSHD_READS, SSHD_REFERENCES, forwardingDisabled } from './common.js';

export const ssh13: Check = {
  meta: {
    id: 'SSH-13',
    section: 'SSH',
    title: 'No agent forwarding',
    severity: 'low',
    scope: 'node',
    rationale: 'A forwarded agent lets anyone with root on the node use the admin keys for the whole session.',
    fix: 'Put "AllowAgentForwarding no" in /etc/ssh/sshd_config.d/10-pvesec.conf (drop-ins are read first, so the first value wins) and remove contrary lines, including inside Match blocks; then `sshd -t && systemctl reload ssh`.',
    reads: SSHD_READS,
    references: SSHD_REFERENCES,
  },
  evaluate(ctx) {
    const state = ctx.get(sshdFact);
    return flagVerdict(state, 'allowagentforwarding', (v) => v === 'no', forwardingDisabled(state));
  },
};
