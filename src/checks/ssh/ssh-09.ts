import { sshdFact } from '../../model/facts/ssh.js';
import type { Check } from '../types.js';
import { algoVerdict, SSHD_READS, SSHD_REFERENCES, type AlgoClass } from './common.js';

const GOOD = new Set(['hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256-etm@openssh.com', 'umac-128-etm@openssh.com']);

export function classifyMac(a: string): AlgoClass {
  if (GOOD.has(a)) return 'ok';
  if (/md5|sha1|umac-64|ripemd/.test(a)) return 'fail';
  return 'warn'; // hmac-sha2-256/512 and umac-128 without encrypt-then-MAC
}

export const ssh09: Check = {
  meta: {
    id: 'SSH-09',
    section: 'SSH',
    title: 'MACs are encrypt-then-MAC with SHA-2 or UMAC-128',
    severity: 'medium',
    scope: 'node',
    rationale: 'MD5, SHA-1 and 64-bit UMAC tags are too weak; MAC-then-encrypt modes leak through padding and timing. OpenSSH defaults still offer umac-64 and hmac-sha1.',
    fix: 'Put "MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com" in /etc/ssh/sshd_config.d/10-pvesec.conf, then `sshd -t && systemctl reload ssh`.',
    reads: SSHD_READS,
    references: SSHD_REFERENCES,
  },
  evaluate(ctx) {
    return algoVerdict(ctx.get(sshdFact), 'macs', classifyMac);
  },
};
