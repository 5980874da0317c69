import { nodeFirewallFact, reachabilityFact } from '../../model/facts/firewall.js';
import type { Check } from '../types.js';
import { FW_REFERENCES } from './common.js';
import { exposureVerdicts } from './exposure.js';
import { ENGINE_READS } from './reachability.js';

export const fw04: Check = {
  meta: {
    id: 'FW-04',
    section: 'FW',
    title: 'SSH (tcp 22) is not reachable from public addresses or non-admin networks',
    severity: 'critical',
    scope: 'node',
    rationale: 'An SSH port open to the Internet or to guest/user networks is brute-forced within minutes and exposes every sshd vulnerability.',
    fix: 'Keep policy_in DROP and admit tcp 22 only from [IPSET management] / your admin networks (cluster.fw: `IN SSH(ACCEPT) -source +management`), then `pve-firewall compile` to review and `pve-firewall restart`.',
    reads: ENGINE_READS,
    references: FW_REFERENCES,
  },
  evaluate(ctx) {
    const fw = ctx.get(nodeFirewallFact);
    const cells = ctx.get(reachabilityFact).cells.filter((c) => c.service.name === 'ssh' && c.source.family === 4 && (c.source.kind === 'public' || c.source.kind === 'non-admin'));
    return exposureVerdicts(fw, cells, 'tcp/22');
  },
};
