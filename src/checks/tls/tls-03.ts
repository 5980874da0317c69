import type { Check } from '../types.js';
import { fail, pass } from '../types.js';
import { servedCertFact } from '../../model/facts/tls.js';
import { CERT_DOC, SERVED_CERT_READS } from './common.js';

export const tls03: Check = {
  meta: {
    id: 'TLS-03', section: 'TLS', title: 'Web certificate key size and node name', severity: 'medium', scope: 'node',
    rationale: 'Short keys can be factored; a certificate without the node name in its SAN fails validation in browsers and API clients.',
    fix: 'Issue a certificate with an RSA >= 2048 or EC >= 224 key whose SAN lists the node name and FQDN: pvecm updatecerts --force, or set the ACME domains and order one: pvenode config set --acme domains=$(hostname -f) && pvenode acme cert order',
    reads: SERVED_CERT_READS,
    references: [CERT_DOC],
  },
  evaluate(ctx) {
    const served = ctx.get(servedCertFact);
    const leaf = served.leaf;
    const name = ctx.node.name.toLowerCase();
    const problems: string[] = [];
    const bits = leaf.keyBits ?? 0;
    const keyDesc = `${leaf.keyType}${leaf.keyBits ? ` ${leaf.keyBits}` : ''}`;
    if ((leaf.keyType === 'rsa' || leaf.keyType === 'rsa-pss') && bits < 2048) problems.push(`RSA key of ${bits} bits (< 2048)`);
    else if (leaf.keyType === 'ec' && bits < 224) problems.push(`EC key of ${bits || 'unknown'} bits (< 224)`);
    else if (leaf.keyType === 'dsa') problems.push('DSA key');
    else if (leaf.keyType === 'unknown') problems.push('public key of a type OpenSSL cannot load');
    const names = leaf.dnsNames.map((d) => d.toLowerCase());
    const hasName = names.some((d) => d === name || d.startsWith(`${name}.`));
    if (!hasName) problems.push(`SAN (${names.join(', ') || 'none'}) lacks the node name ${ctx.node.name}`);
    const ev = [{ source: served.file, line: leaf.line, text: `key ${keyDesc}; SAN ${names.join(', ')}` }];
    if (problems.length) return fail(problems.join('; '), ev);
    return pass(`${keyDesc} key; SAN contains ${ctx.node.name}`, ev);
  },
};
