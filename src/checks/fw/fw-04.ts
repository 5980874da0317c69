import { serviceText } from '../../engines/firewall/exposure.js';
import { addressPolicy, nodeExposureFact } from '../../model/facts/exposure.js';
import type { Check } from '../types.js';
import { FW_REFERENCES } from './common.js';
import { forbiddenExposureVerdicts } from './exposure.js';
import { ENGINE_READS } from './reachability.js';

export const fw04: Check = {
  meta: {
    id: 'FW-04',
    section: 'FW',
    title: 'SSH (tcp 22, or where sshd listens) is not reachable from public addresses or non-admin networks',
    severity: 'critical',
    scope: 'node',
    rationale: 'An SSH port open to the Internet or to guest/user networks is brute-forced within minutes and exposes every sshd vulnerability.',
    fix: 'Keep policy_in DROP and admit the SSH port only from [IPSET management] / your admin networks (cluster.fw: `IN SSH(ACCEPT) -source +management`, or `-p tcp -dport 2200` when sshd listens there), then `pve-firewall compile` to review and `pve-firewall restart`.',
    reads: [...ENGINE_READS, 'sshd -T'],
    references: FW_REFERENCES,
  },
  evaluate(ctx) {
    const nx = ctx.get(nodeExposureFact);
    return forbiddenExposureVerdicts(nx, addressPolicy(ctx), { services: [nx.ssh.service], family: 4, what: `SSH ${serviceText(nx.ssh.service)}`, notes: [nx.ssh.note] });
  },
};
