import type { Check } from '../types.js';
import { fail, pass, warn } from '../types.js';
import { rootCaFact, servedCertFact } from '../../model/facts/tls.js';
import { isIssuedBy } from '../../parse/x509.js';
import { FILES } from '../../collect/sources.js';
import { CERT_DOC, SERVED_CERT_READS } from './common.js';

export const tls01: Check = {
  meta: {
    id: 'TLS-01', section: 'TLS', title: 'Web certificate not issued by the cluster CA', severity: 'medium', scope: 'node',
    rationale: 'Certificates of the self-signed pve-root-ca are not trusted by browsers: users learn to click through warnings, which is exactly what a man-in-the-middle needs.',
    fix: 'pvenode acme account register default admin@example.com && pvenode config set --acme domains=$(hostname -f) && pvenode acme cert order; or upload a CA-issued certificate: pvenode cert set fullchain.pem key.pem --restart',
    reads: [...SERVED_CERT_READS, FILES.pveRootCa],
    references: [CERT_DOC],
  },
  evaluate(ctx) {
    const served = ctx.get(servedCertFact);
    const ev = [{ source: served.file, line: served.leaf.line, text: `issuer: ${served.leaf.issuer}` }];
    const ca = ctx.tryGet(rootCaFact);
    const byCa = ca ? isIssuedBy(served.leaf, ca) : !served.custom;
    if (byCa) return fail(`${served.custom ? 'pveproxy-ssl.pem' : 'pve-ssl.pem (default)'} is issued by the cluster's self-signed pve-root-ca`, ev);
    if (served.leaf.selfSigned) return warn(`served certificate ${served.file} is self-signed (${served.leaf.subject})`, ev);
    return pass(`served certificate is issued by ${served.leaf.issuer}`, ev);
  },
};
