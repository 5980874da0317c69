import { FILES } from '../../collect/sources.js';
import type { Evidence } from '../../core/types.js';
import { RangeSet } from '../../engines/firewall/ranges.js';
import { addressPolicy, nodeExposureFact } from '../../model/facts/exposure.js';
import { pveproxyDefaultsFact } from '../../model/facts/tls.js';
import type { FactContext } from '../../model/fact.js';
import { parseIpRange, type IpRange } from '../../parse/ip-address.js';
import type { Check } from '../types.js';
import { FW_REFERENCES } from './common.js';
import { forbiddenExposureVerdicts } from './exposure.js';
import { ENGINE_READS } from './reachability.js';

export const fw05: Check = {
  meta: {
    id: 'FW-05',
    section: 'FW',
    title: 'The web UI (tcp 8006) and SPICE proxy (tcp 3128) are reachable only from admin sources',
    severity: 'high',
    scope: 'node',
    rationale: 'The web UI is a root-equivalent login; exposing it beyond admin networks invites credential attacks and exploits.',
    fix: 'Admit 8006/3128 only from admin sources (cluster.fw: `IN ACCEPT -source +management -p tcp -dport 8006`, keep policy_in DROP), or restrict pveproxy in /etc/default/pveproxy (`ALLOW_FROM="10.10.0.0/24"`, `DENY_FROM="all"`, `POLICY="allow"`) and `systemctl restart pveproxy spiceproxy`.',
    reads: [...ENGINE_READS, FILES.pveproxyDefaults],
    references: FW_REFERENCES,
  },
  evaluate(ctx) {
    const nx = ctx.get(nodeExposureFact);
    const refused = pveproxyRefusedSet(ctx);
    return forbiddenExposureVerdicts(nx, addressPolicy(ctx), {
      services: [nx.services.web, nx.services.spice], family: 4, what: 'tcp/8006 and tcp/3128',
      refusedAfter: () => refused?.(4),
    });
  },
};

/**
 * The addresses pveproxy (and spiceproxy) refuse by /etc/default/pveproxy, exactly, as
 * PVE::APIServer::AnyEvent::check_host_access decides: a client matching ALLOW_FROM but not DENY_FROM
 * is allowed, one matching DENY_FROM only is denied, otherwise POLICY (default allow).
 * Undefined when the file restricts nothing (absent, or no list set).
 */
export function pveproxyRefusedSet(ctx: FactContext): ((family: 4 | 6) => { set: RangeSet; evidence: Evidence[] }) | undefined {
  const defaults = ctx.tryGet(pveproxyDefaultsFact);
  if (!defaults?.present) return undefined;
  const list = (name: string) => {
    const v = defaults.vars.get(name);
    const items = (v?.value ?? '').split(/[\s,;]+/).filter(Boolean);
    return { v, all: items.includes('all'), ranges: items.map((t) => parseIpRange(t)).filter((r): r is IpRange => typeof r !== 'string') };
  };
  const allow = list('ALLOW_FROM');
  const deny = list('DENY_FROM');
  const policyVar = defaults.vars.get('POLICY');
  const policy = (policyVar?.value ?? 'allow').toLowerCase();
  if (!allow.v && !deny.v && policy === 'allow') return undefined;
  const evidence: Evidence[] = [];
  for (const [name, x] of [['ALLOW_FROM', allow.v], ['DENY_FROM', deny.v], ['POLICY', policyVar]] as const) {
    if (x) evidence.push({ source: FILES.pveproxyDefaults, line: x.line, text: `${name}="${x.value}"` });
  }
  return (family) => {
    const setOf = (l: typeof allow) => (l.all ? RangeSet.all(family) : RangeSet.fromRanges(family, l.ranges));
    const a = setOf(allow);
    const d = setOf(deny);
    // allowed = (A \ D) ∪ (policy allow ? (A ∩ D) ∪ ¬(A ∪ D) : ∅)
    const both = a.intersect(d);
    const neither = a.union(d).complement();
    const allowed = policy === 'allow' ? a.minus(d).union(both).union(neither) : a.minus(d);
    return { set: allowed.complement(), evidence };
  };
}
