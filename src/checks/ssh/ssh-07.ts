import { sshdFact } from '../../model/facts/ssh.js';
import type { Check } from '../types.js';
import { algoVerdict, SSHD_READS, SSHD_REFERENCES, type AlgoClass } from './common.js';

const GOOD = new Set([
  'sntrup761x25519-sha512', 'sntrup761x25519-sha512@openssh.com', 'mlkem768x25519-sha256', 'curve25519-sha256',
  'curve25519-sha256@libssh.org', 'diffie-hellman-group16-sha512', 'diffie-hellman-group18-sha512', 'diffie-hellman-group-exchange-sha256',
]);

export function classifyKex(a: string): AlgoClass {
  if (GOOD.has(a)) return 'ok';
  if (/sha1$|sha1@|-sha1-/.test(a) || a === 'diffie-hellman-group1-sha1' || a === 'diffie-hellman-group14-sha1') return 'fail';
  return 'warn';
}

export const ssh07: Check = {
  meta: {
    id: 'SSH-07',
    section: 'SSH',
    title: 'Key exchange uses only modern algorithms',
    severity: 'medium',
    scope: 'node',
    rationale: 'SHA-1 key exchange is broken; NIST-curve ECDH and 2048-bit groups are weaker than the post-quantum hybrids and curve25519 every current client supports.',
    fix: 'Put "KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha256" (prepend mlkem768x25519-sha256 on OpenSSH >= 9.9) in /etc/ssh/sshd_config.d/10-pvesec.conf, then `sshd -t && systemctl reload ssh`.',
    reads: SSHD_READS,
    references: SSHD_REFERENCES,
  },
  evaluate(ctx) {
    return algoVerdict(ctx.get(sshdFact), 'kexalgorithms', classifyKex);
  },
};
