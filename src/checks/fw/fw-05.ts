import { FILES } from '../../collect/sources.js';
import type { Evidence } from '../../core/types.js';
import { nodeFirewallFact, reachabilityFact } from '../../model/facts/firewall.js';
import { pveproxyDefaultsFact } from '../../model/facts/tls.js';
import type { FactContext } from '../../model/fact.js';
import { parseIp, parseIpRange } from '../../parse/ip-address.js';
import type { Check } from '../types.js';
import { FW_REFERENCES } from './common.js';
import { exposureVerdicts } from './exposure.js';
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
    const fw = ctx.get(nodeFirewallFact);
    const cells = ctx.get(reachabilityFact).cells.filter((c) => (c.service.name === 'web' || c.service.name === 'spice') && c.source.family === 4 && (c.source.kind === 'public' || c.source.kind === 'non-admin'));
    const refuses = pveproxyRefuses(ctx);
    return exposureVerdicts(fw, cells, 'tcp/8006 and tcp/3128', (cell) => refuses(cell.source.address));
  },
};

/**
 * pveproxy's (and spiceproxy's) own access check from /etc/default/pveproxy, as
 * PVE::APIServer::AnyEvent::check_host_access decides: a client matching ALLOW_FROM but not DENY_FROM
 * is allowed, one matching DENY_FROM only is denied, otherwise POLICY (default allow).
 */
export function pveproxyRefuses(ctx: FactContext): (address: string) => Evidence | undefined {
  const defaults = ctx.tryGet(pveproxyDefaultsFact);
  if (!defaults?.present) return () => undefined;
  const list = (name: string) => {
    const v = defaults.vars.get(name);
    return { line: v?.line, ranges: (v?.value ?? '').split(/[\s,;]+/).filter(Boolean).map((t) => (t === 'all' ? 'all' : parseIpRange(t))) };
  };
  const allow = list('ALLOW_FROM');
  const deny = list('DENY_FROM');
  const policy = (defaults.vars.get('POLICY')?.value ?? 'allow').toLowerCase();
  return (address) => {
    const ip = parseIp(address);
    if (!ip) return undefined;
    const hit = (l: typeof allow) => l.ranges.some((r) => r === 'all' || (typeof r !== 'string' && r.family === ip.family && r.from <= ip.value && ip.value <= r.to));
    const a = hit(allow);
    const d = hit(deny);
    const allowed = a === d ? policy === 'allow' : a;
    if (allowed) return undefined;
    const line = a === d ? defaults.vars.get('POLICY')?.line : deny.line;
    return { source: FILES.pveproxyDefaults, line, text: a === d ? `POLICY="${policy}"` : `DENY_FROM="${defaults.vars.get('DENY_FROM')?.value}"` };
  };
}
