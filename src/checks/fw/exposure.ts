import type { Evidence } from '../../core/types.js';
import { acceptedOnAny, groupByRule, serviceText, type ExposureService } from '../../engines/firewall/exposure.js';
import { explainDecision } from '../../engines/firewall/matrix.js';
import type { Decision } from '../../engines/firewall/program.js';
import { RangeSet, summarizeCidrs } from '../../engines/firewall/ranges.js';
import { describeOffenders, type AddressPolicy, type NodeExposure } from '../../model/facts/exposure.js';
import { fail, keyed, pass, type Verdict } from '../types.js';
import { decisionEvidence, decisionKey } from './reachability.js';

/**
 * FW-04/05/13: services that must NOT be reachable from public addresses or declared non-admin
 * networks, decided on the exact accepted sets. One FAIL per deciding rule, listing the offending
 * ranges (summarised, with a count); PASS names who is accepted.
 */

/** The unmodelled conditions assumed for these decisions and the firewall's own assumptions, for messages. */
export function assumptionsNote(decisions: Decision[], nx: NodeExposure, extra: (string | undefined)[] = []): string {
  const a = [...new Set([...decisions.flatMap((d) => d.assumptions), ...nx.fw.assumptions, ...extra.filter((x): x is string => !!x)])];
  return a.length ? ` (assuming: ${a.slice(0, 2).join('; ')}${a.length > 2 ? `; +${a.length - 2} more` : ''})` : '';
}

export interface ForbiddenQuestion {
  services: ExposureService[];
  family: 4 | 6;
  /** Addresses something after the firewall refuses, per service (pveproxy ALLOW_FROM/DENY_FROM). */
  refusedAfter?: (svc: ExposureService) => { set: RangeSet; evidence: Evidence[] } | undefined;
  /** Names the question in the PASS message: "tcp/22", "tcp/8006 and tcp/3128 over IPv6". */
  what: string;
  notes?: (string | undefined)[];
}

export function forbiddenExposureVerdicts(nx: NodeExposure, policy: AddressPolicy, q: ForbiddenQuestion): Verdict[] {
  const f = q.family;
  const forbidden = policy.public[f].union(policy.nonAdmin[f]);
  const out: Verdict[] = [];
  const refusedEvidence: Evidence[] = [];
  const passDecisions: Decision[] = [];
  let acceptedAll = RangeSet.empty(f);
  for (const svc of q.services) {
    const e = nx.of(svc, f);
    const later = q.refusedAfter?.(svc);
    const judged = later ? forbidden.minus(later.set) : forbidden;
    if (later && !acceptedOnAny(e).intersect(forbidden).intersect(later.set).isEmpty()) refusedEvidence.push(...later.evidence);
    for (const g of groupByRule(e, judged, true)) {
      const by = nx.fw.manager === 'none' ? `: ${nx.fw.description}` : ` by ${explainDecision(g.decision)}`;
      out.push(keyed(`ipv${f} ${serviceText(svc)} ${decisionKey(g.decision)}`, fail(`${g.ports.join(', ')} accepted from ${describeOffenders(g.set, policy)}${by}${assumptionsNote([g.decision], nx, q.notes)}`,
        decisionEvidence(g.decision, nx.fw))));
    }
    for (const g of groupByRule(e, RangeSet.all(f), true)) acceptedAll = acceptedAll.union(g.set);
    passDecisions.push(...groupByRule(e, forbidden, false).map((g) => g.decision));
  }
  if (out.length) return out;
  const who = acceptedAll.isEmpty() ? 'accepted from no address' : `accepted only from ${summarizeCidrs(acceptedAll)}`;
  const after = refusedEvidence.length ? ' (pveproxy ALLOW_FROM/DENY_FROM refuses what the firewall lets through)' : '';
  const ev = [...new Map(passDecisions.flatMap((d) => decisionEvidence(d, nx.fw)).map((x) => [`${x.source}:${x.line}:${x.text}`, x])).values()].slice(0, 4);
  return [pass(`${q.what}: no public or non-admin IPv${f} address is accepted, by ${nx.fw.manager}${after}; ${who}${assumptionsNote(passDecisions, nx, q.notes)}`,
    [...ev, ...refusedEvidence.slice(0, 2)])];
}

