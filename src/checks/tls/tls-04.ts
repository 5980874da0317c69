import type { Check } from '../types.js';
import { fail, pass } from '../types.js';
import { nodeConfigFact } from '../../model/facts/pve.js';
import { CERT_DOC } from './common.js';

export const tls04: Check = {
  meta: {
    id: 'TLS-04', section: 'TLS', title: 'ACME configured for automatic renewal', severity: 'low', scope: 'node',
    rationale: 'With ACME, Proxmox renews the web certificate itself; manual certificates expire unnoticed.',
    fix: 'pvenode acme account register default admin@example.com && pvenode config set --acme domains=$(hostname -f) && pvenode acme cert order',
    reads: ['/etc/pve/nodes/<node>/config'],
    references: [CERT_DOC],
  },
  evaluate(ctx) {
    const cfg = ctx.get(nodeConfigFact);
    if (cfg.acmeDomains.length === 0) return fail(`no ACME domain configured for node ${ctx.node.name}`, [{ source: cfg.file, text: 'no acme or acmedomainN entry' }]);
    const d = cfg.acmeDomains[0];
    return pass(`ACME configured for ${cfg.acmeDomains.map((x) => x.domain).join(', ')}${cfg.acmeAccount ? ` (account ${cfg.acmeAccount})` : ''}`,
      [{ source: cfg.file, line: d.line, text: `${d.key}: ${d.domain}` }]);
  },
};
