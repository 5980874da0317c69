import type { Check } from '../types.js';
import { fail, pass, warn } from '../types.js';
import { servedCertFact } from '../../model/facts/tls.js';
import { CERT_DOC, SERVED_CERT_READS } from './common.js';

const DAY = 86_400_000;

export const tls02: Check = {
  meta: {
    id: 'TLS-02', section: 'TLS', title: 'Web certificate valid for more than 30 days', severity: 'high', scope: 'node',
    rationale: 'An expired certificate breaks the web UI and API clients, and trains users to accept certificate errors.',
    fix: 'Renew: pvenode acme cert renew (ACME), pvecm updatecerts --force (default certificate), or upload a new certificate: pvenode cert set fullchain.pem key.pem --restart',
    reads: SERVED_CERT_READS,
    references: [CERT_DOC],
  },
  evaluate(ctx) {
    const served = ctx.get(servedCertFact);
    const notAfter = served.leaf.notAfter;
    const days = Math.floor((notAfter.getTime() - ctx.now.getTime()) / DAY);
    const ev = [{ source: served.file, line: served.leaf.line, text: `notAfter=${notAfter.toISOString()}` }];
    if (notAfter.getTime() <= ctx.now.getTime()) return fail(`served certificate expired on ${notAfter.toISOString().slice(0, 10)}`, ev);
    if (served.leaf.notBefore.getTime() > ctx.now.getTime()) return fail(`served certificate is not valid before ${served.leaf.notBefore.toISOString()}`, ev);
    if (days < 7) return fail(`served certificate expires in ${days} day(s) (${notAfter.toISOString().slice(0, 10)})`, ev);
    if (days < 30) return warn(`served certificate expires in ${days} days (${notAfter.toISOString().slice(0, 10)})`, ev);
    return pass(`served certificate valid for ${days} more days (until ${notAfter.toISOString().slice(0, 10)})`, ev);
  },
};
