import type { Check } from '../types.js';
import { fail, pass } from '../types.js';
import { pveproxyDefaultsFact } from '../../model/facts/tls.js';
import { FILES } from '../../collect/sources.js';
import type { Evidence } from '../../core/types.js';
import { CERT_DOC } from './common.js';

/** OpenSSL cipher-list items that enable broken or export-grade suites. */
const WEAK = /(^|[-+])(RC4|DES|3DES|DES-CBC3|NULL|eNULL|aNULL|EXP|EXPORT|MD5|ADH|AECDH|LOW|IDEA|SEED|RC2)([-+]|$)|^(ALL|COMPLEMENTOFALL|COMPLEMENTOFDEFAULT)$/i;

export const tls05: Check = {
  meta: {
    id: 'TLS-05', section: 'TLS', title: 'pveproxy does not weaken TLS', severity: 'low', scope: 'node',
    rationale: 'pveproxy defaults to TLS 1.2+ with strong ciphers; disabling TLS 1.3 or listing weak ciphers in /etc/default/pveproxy lowers the protection of every web and API session.',
    fix: 'Remove DISABLE_TLS_1_3=1 and weak entries from CIPHERS in /etc/default/pveproxy (or delete the CIPHERS line to use the defaults), then systemctl restart pveproxy spiceproxy',
    reads: [FILES.pveproxyDefaults],
    references: [CERT_DOC, { title: 'pveproxy(8)', url: 'https://pve.proxmox.com/pve-docs/pveproxy.8.html' }],
  },
  evaluate(ctx) {
    const { vars, present } = ctx.get(pveproxyDefaultsFact);
    if (!present) return pass(`${FILES.pveproxyDefaults} absent: pveproxy TLS defaults apply`);
    const problems: string[] = [];
    const evidence: Evidence[] = [];
    const tls13 = vars.get('DISABLE_TLS_1_3');
    if (tls13 && tls13.value.trim() === '1') {
      problems.push('DISABLE_TLS_1_3=1');
      evidence.push({ source: FILES.pveproxyDefaults, line: tls13.line, text: 'DISABLE_TLS_1_3=1' });
    }
    const ciphers = vars.get('CIPHERS');
    if (ciphers) {
      const weak = ciphers.value.split(/[:,\s]+/).filter((c) => c && !c.startsWith('!') && !c.startsWith('-') && WEAK.test(c.replace(/^\+/, '')));
      if (weak.length) {
        problems.push(`weak CIPHERS: ${weak.slice(0, 6).join(':')}`);
        evidence.push({ source: FILES.pveproxyDefaults, line: ciphers.line, text: `CIPHERS=${ciphers.value.slice(0, 160)}` });
      }
    }
    if (problems.length) return fail(problems.join('; '), evidence);
    return pass(`${FILES.pveproxyDefaults} keeps TLS 1.3 and lists no weak cipher`);
  },
};
