import { serviceText } from '../../engines/firewall/exposure.js';
import { addressPolicy, nodeExposureFact } from '../../model/facts/exposure.js';
import { Unavailable } from '../../model/fact.js';
import type { Check } from '../types.js';
import { FW_REFERENCES } from './common.js';
import { forbiddenExposureVerdicts } from './exposure.js';
import { pveproxyRefusedSet } from './fw-05.js';
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
    reads: [...ENGINE_READS, 'sshd -T'],
    references: FW_REFERENCES,
  },
  evaluate(ctx) {
    const nx = ctx.get(nodeExposureFact);
    if (!nx.fw.ipv6Seen) throw new Unavailable(`IPv6 filtering unknown: ${ctx.snapshot.whyMissing('ip6tables-save')}`);
    const sshOn6 = nx.ssh.families.includes(6);
    const services = [...(sshOn6 ? [nx.ssh.service] : []), nx.services.web, nx.services.spice];
    const refused = pveproxyRefusedSet(ctx);
    const notes = [nx.ssh.note, sshOn6 ? undefined : 'sshd listens on IPv4 only'];
    return forbiddenExposureVerdicts(nx, addressPolicy(ctx), {
      services, family: 6, notes,
      what: `${services.map(serviceText).join(', ')} over IPv6`,
      refusedAfter: (svc) => (svc.name === 'web' || svc.name === 'spice' ? refused?.(6) : undefined),
    });
  },
};
