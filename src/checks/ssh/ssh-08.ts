import { sshdFact } from '../../model/facts/ssh.js';
import type { Check } from '../types.js';
import { algoVerdict, SSHD_READS, SSHD_REFERENCES, type AlgoClass } from './common.js';

const GOOD = new Set([
  'chacha20-poly1305@openssh.com', 'aes256-gcm@openssh.com', 'aes128-gcm@openssh.com', 'aes256-ctr', 'aes192-ctr', 'aes128-ctr',
]);

export function classifyCipher(a: string): AlgoClass {
  if (GOOD.has(a)) return 'ok';
  if (/cbc|3des|arcfour|rc4|blowfish|cast128|none/.test(a)) return 'fail';
  return 'warn';
}

export const ssh08: Check = {
  meta: {
    id: 'SSH-08',
    section: 'SSH',
    title: 'Ciphers are AEAD or CTR only',
    severity: 'medium',
    scope: 'node',
    rationale: 'CBC modes, 3DES and RC4 have known plaintext-recovery attacks; every supported client speaks chacha20-poly1305 or AES-GCM/CTR.',
    fix: 'Put "Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr" in /etc/ssh/sshd_config.d/10-pvesec.conf, then `sshd -t && systemctl reload ssh`.',
    reads: SSHD_READS,
    references: SSHD_REFERENCES,
  },
  evaluate(ctx) {
    return algoVerdict(ctx.get(sshdFact), 'ciphers', classifyCipher);
  },
};
