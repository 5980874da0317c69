import { groupByRule, serviceText } from '../../engines/firewall/exposure.js';
import { explainDecision } from '../../engines/firewall/matrix.js';
import { countAddresses, summarizeCidrs } from '../../engines/firewall/ranges.js';
import { formatRange } from '../../parse/ip-address.js';
import { addressPolicy, nodeExposureFact } from '../../model/facts/exposure.js';
import { fail, keyed, pass, warn, type Check, type Verdict } from '../types.js';
import { FW_REFERENCES } from './common.js';
import { assumptionsNote } from './exposure.js';
import { decisionEvidence, decisionKey, ENGINE_READS } from './reachability.js';

export const fw06: Check = {
  meta: {
    id: 'FW-06',
    section: 'FW',
    title: 'Lockout guard: every admin source reaches SSH and tcp 8006',
    severity: 'critical',
    scope: 'node',
    rationale: 'A DROP placed before the implicit management accepts, or an admin ACCEPT that Proxmox silently ignores, locks administrators out at the next firewall reload.',
    fix: 'Make sure no rule drops 22/8006 for admin sources before they are accepted (host.fw rules run before cluster.fw rules; with pve-firewall the management ipset is accepted only AFTER all user rules); fix ignored rules (FW-08). Try a change first with `pvesec fw check-change`.',
    reads: [...ENGINE_READS, 'sshd -T'],
    references: FW_REFERENCES,
  },
  evaluate(ctx) {
    const nx = ctx.get(nodeExposureFact);
    const policy = addressPolicy(ctx);
    if (!policy.adminRanges.length) {
      return warn('no admin sources to check: set admin_sources in the pvesec config or define [IPSET management] / the local_network alias in cluster.fw', nx.fw.evidence.slice(0, 2));
    }
    const out: Verdict[] = [];
    const decisions = [];
    const services = [nx.ssh.service, nx.services.web];
    for (const family of [4, 6] as const) {
      const admin = policy.admin[family];
      if (admin.isEmpty()) continue;
      for (const svc of services) {
        if (svc === nx.ssh.service && !nx.ssh.families.includes(family)) continue;
        const e = nx.of(svc, family);
        for (const g of groupByRule(e, admin, false)) {
          out.push(keyed(`ipv${family} ${serviceText(svc)} ${decisionKey(g.decision)}`, fail(`lockout: ${g.ports.join(', ')} from admin ${summarizeCidrs(g.set)} (${countAddresses(g.set.size())}): ${g.decision.verdict} by ${explainDecision(g.decision)}${assumptionsNote([g.decision], nx, [nx.ssh.note])}`,
            decisionEvidence(g.decision, nx.fw))));
        }
        decisions.push(...groupByRule(e, admin, true).map((g) => g.decision));
      }
    }
    if (out.length) return out;
    const sources = policy.adminRanges.map(formatRange);
    return pass(`every address of the ${sources.length} admin source(s) reaches ${services.map(serviceText).join(' and ')}: ${sources.join(', ')} (${policy.adminOrigin}; ${nx.fw.manager})${assumptionsNote(decisions, nx, [nx.ssh.note])}`,
      [...new Map(decisions.flatMap((d) => decisionEvidence(d, nx.fw)).map((x) => [`${x.source}:${x.line}:${x.text}`, x])).values()].slice(0, 4));
  },
};
