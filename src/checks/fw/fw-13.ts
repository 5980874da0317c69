import { nodeFirewallFact, reachabilityFact } from '../../model/facts/firewall.js';
import { Unavailable } from '../../model/fact.js';
import type { Check } from '../types.js';
import { FW_REFERENCES } from './common.js';
import { exposureVerdicts } from './exposure.js';
import { pveproxyRefuses } from './fw-05.js';
import { ENGINE_READS } from './reachability.js';

export const fw13: Check = {
  meta: {
    id: 'FW-13',
    section: 'FW',
    title: 'The SSH and web UI restrictions also hold for IPv6 sources',
    severity: 'low',
    scope: 'node',
    rationale: 'A ruleset that restricts IPv4 sources but leaves ip6tables or IPv6 rules open exposes the same services over IPv6.',
    fix: 'Mirror the IPv4 restrictions for IPv6 (ip6tables rules / rules.v6, IPv6 entries in the management ipset) or disable IPv6 on management interfaces.',
    reads: ENGINE_READS,
    references: FW_REFERENCES,
  },
  evaluate(ctx) {
    const fw = ctx.get(nodeFirewallFact);
    if (!fw.ipv6Seen) throw new Unavailable(`IPv6 filtering unknown: ${ctx.snapshot.whyMissing('ip6tables-save')}`);
    const cells = ctx.get(reachabilityFact).cells.filter((c) => ['ssh', 'web', 'spice'].includes(c.service.name) && c.source.family === 6 && (c.source.kind === 'public' || c.source.kind === 'non-admin'));
    const refuses = pveproxyRefuses(ctx);
    return exposureVerdicts(fw, cells, 'tcp/22, tcp/8006 and tcp/3128 over IPv6', (cell, p) => (cell.service.name === 'ssh' ? undefined : refuses(cell.source.address)));
  },
};
