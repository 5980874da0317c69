import { sshdFact } from '../../model/facts/ssh.js';
import type { Check } from '../types.js';
import { flagVerdict, SSHD_READS, SSHD_REFERENCES, forwardingDisabled } from './common.js';

export const ssh12: Check = {
  meta: {
    id: 'SSH-12',
    section: 'SSH',
    title: 'No X11 forwarding',
    severity: 'low',
    scope: 'node',
    rationale: 'A hypervisor has no use for X11; forwarding exposes the client display to the server side.',
    fix: 'Put "X11Forwarding no" in /etc/ssh/sshd_config.d/10-pvesec.conf (drop-ins are read first, so the first value wins) and remove contrary lines, including inside Match blocks; then `sshd -t && systemctl reload ssh`.',
    reads: SSHD_READS,
    references: SSHD_REFERENCES,
  },
  evaluate(ctx) {
    const state = ctx.get(sshdFact);
    return flagVerdict(state, 'x11forwarding', (v) => v === 'no', forwardingDisabled(state));
  },
};
