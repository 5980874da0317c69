import { nodeFirewallFact, reachabilityFact } from '../../model/facts/firewall.js';
import { fail, pass, warn, type Check, type Verdict } from '../types.js';
import { FW_REFERENCES } from './common.js';
import { assumptionNote, decisionEvidence, describePort, ENGINE_READS, sourceLabel } from './reachability.js';

export const fw06: Check = {
  meta: {
    id: 'FW-06',
    section: 'FW',
    title: 'Lockout guard: every admin source reaches tcp 22 and 8006',
    severity: 'critical',
    scope: 'node',
    rationale: 'A DROP placed before the implicit management accepts, or an admin ACCEPT that Proxmox silently ignores, locks administrators out at the next firewall reload.',
    fix: 'Make sure no rule drops 22/8006 for admin sources before they are accepted (host.fw rules run before cluster.fw rules; with pve-firewall the management ipset is accepted only AFTER all user rules); fix ignored rules (FW-08). Try a change first with `pvesec fw check-change`.',
    reads: ENGINE_READS,
    references: FW_REFERENCES,
  },
  evaluate(ctx) {
    const fw = ctx.get(nodeFirewallFact);
    const cells = ctx.get(reachabilityFact).cells.filter((c) => c.source.kind === 'admin' && (c.service.name === 'ssh' || c.service.name === 'web'));
    if (!cells.length) {
      return warn('no admin sources to check: set admin_sources in the pvesec config or define [IPSET management] / the local_network alias in cluster.fw', fw.evidence.slice(0, 2));
    }
    const out: Verdict[] = [];
    for (const cell of cells) {
      for (const p of cell.ports) {
        if (p.verdict === 'ACCEPT') continue;
        out.push(fail(`lockout: ${describePort(cell, p)}${assumptionNote([p], fw)}`, decisionEvidence(p.decision, fw)));
      }
    }
    if (out.length) return out;
    const sources = [...new Set(cells.map(sourceLabel))];
    return pass(`tcp/22 and tcp/8006 accepted for ${sources.length} admin source(s): ${sources.join(', ')} (${fw.manager})${assumptionNote(cells.flatMap((c) => c.ports), fw)}`,
      cells.flatMap((c) => c.ports.flatMap((p) => decisionEvidence(p.decision, fw))).slice(0, 4));
  },
};
