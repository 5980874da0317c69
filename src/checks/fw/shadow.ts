import { rangeContains } from '../../parse/ip-address.js';
import type { AddrMatch, FilterRule, PacketMatch, PortMatch } from '../../parse/iptables-save.js';

/** Targets after which a packet leaves the chain for good. */
export const TERMINAL = new Set(['ACCEPT', 'DROP', 'REJECT']);

/**
 * Whether every packet `later` matches is also matched by `earlier` (so `later` is never reached
 * when `earlier` is terminal). Conservative: answers true only when it is certain, so an
 * unmodelled (opaque) condition on `earlier` that `later` does not share means "not covered".
 */
export function covers(earlier: PacketMatch, later: PacketMatch): boolean {
  if (!earlier.opaque.every((o) => later.opaque.includes(o))) return false;
  return addrCovers(earlier.src, later.src)
    && addrCovers(earlier.dst, later.dst)
    && protoCovers(earlier, later)
    && portsCover(earlier.dport, later.dport)
    && portsCover(earlier.sport, later.sport)
    && ifaceCovers(earlier.inIface, later.inIface)
    && ifaceCovers(earlier.outIface, later.outIface)
    && ctCovers(earlier, later)
    && (earlier.icmpType === undefined || earlier.icmpType === later.icmpType);
}

function addrCovers(a: AddrMatch | undefined, b: AddrMatch | undefined): boolean {
  if (!a) return true;
  if (!b || a.ranges.length === 0) return false;
  if (a.negated || b.negated) return a.negated === b.negated && a.text === b.text;
  return b.ranges.every((r) => a.ranges.some((o) => rangeContains(o, r)));
}

function protoCovers(a: PacketMatch, b: PacketMatch): boolean {
  if (!a.proto || a.proto.values.includes('all')) return true;
  if (!b.proto) return false;
  if (a.proto.negated || b.proto.negated) return a.proto.negated === b.proto.negated && a.proto.values.join() === b.proto.values.join();
  return b.proto.values.every((v) => a.proto!.values.includes(v));
}

function portsCover(a: PortMatch | undefined, b: PortMatch | undefined): boolean {
  if (!a) return true;
  if (!b) return false;
  if (a.negated || b.negated) return a.negated === b.negated && JSON.stringify(a.ports) === JSON.stringify(b.ports);
  return b.ports.every((p) => a.ports.some((o) => o.from <= p.from && p.to <= o.to));
}

function ifaceCovers(a: { name: string; negated: boolean } | undefined, b: { name: string; negated: boolean } | undefined): boolean {
  if (!a) return true;
  if (!b || a.negated !== b.negated) return false;
  if (a.name === b.name) return true;
  // iptables `eth+` matches every interface starting with eth
  return !a.negated && a.name.endsWith('+') && b.name.startsWith(a.name.slice(0, -1));
}

function ctCovers(a: PacketMatch, b: PacketMatch): boolean {
  if (!a.ctstate) return true;
  if (!b.ctstate || a.ctstate.negated !== b.ctstate.negated) return false;
  if (a.ctstate.negated) return a.ctstate.states.every((s) => b.ctstate!.states.includes(s));
  return b.ctstate.states.every((s) => a.ctstate!.states.includes(s));
}

/** A rule's identity for duplicate detection: its text without counters, comments and spacing. */
export function ruleKey(rule: FilterRule): string {
  return rule.text
    .replace(/\s+-m comment --comment ("[^"]*"|\S+)/g, '')
    .replace(/\s+comment "[^"]*"/g, '')
    .replace(/\s*counter packets \d+ bytes \d+/g, '')
    .replace(/^-A \S+\s*/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export interface ShadowFinding {
  kind: 'duplicate' | 'shadowed';
  rule: FilterRule;
  by: FilterRule;
}

/**
 * Rule comparisons analyseChain may spend on one chain looking for shadowing rules. The index below
 * makes real rulesets cost far less; a hostile chain of thousands of rules that defeat it (every rule
 * a different subnet, no port) stops here instead of running for minutes, and says so.
 */
export const MAX_COVER_COMPARISONS = 5_000_000;

/**
 * Bucket of a rule in the shadow index, by the two conditions real rules vary most: a single
 * destination port and a single source host. `*` = unconstrained or not a single value (ranges,
 * lists, subnets, negations): such a rule may cover anything and is always compared.
 */
function indexKeys(m: PacketMatch): { port: string; src: string } {
  const p = m.dport;
  const port = p && !p.negated && p.ports.length === 1 && p.ports[0].from === p.ports[0].to ? String(p.ports[0].from) : '*';
  const a = m.src;
  const src = a && !a.negated && a.ranges.length === 1 && a.ranges[0].from === a.ranges[0].to ? `${a.ranges[0].family}/${a.ranges[0].from}` : '*';
  return { port, src };
}

/** The single port every port of `p` equals, and the single host every source range equals (else undefined). */
function singleValues(m: PacketMatch): { port?: string; src?: string } {
  const p = m.dport;
  const ports = p && !p.negated && p.ports.length > 0 && p.ports.every((r) => r.from === r.to && r.from === p.ports[0].from) ? String(p.ports[0].from) : undefined;
  const a = m.src;
  const r0 = a?.ranges[0];
  const src = a && r0 && !a.negated && a.ranges.every((r) => r.from === r.to && r.from === r0.from && r.family === r0.family) ? `${r0.family}/${r0.from}` : undefined;
  return { port: ports, src };
}

/** Duplicates and shadowed terminal rules of one chain, in chain order; `incomplete` when the comparison budget ran out. */
export function analyseChain(rules: FilterRule[]): ShadowFinding[] & { incomplete?: number } {
  const out: ShadowFinding[] & { incomplete?: number } = [];
  const firstByKey = new Map<string, number>();
  // Earlier terminal (non-goto) rules by "port|src" bucket, each list in chain order.
  const buckets = new Map<string, number[]>();
  let budget = MAX_COVER_COMPARISONS;
  const isTerminal = (r: FilterRule) => r.target !== undefined && TERMINAL.has(r.target);
  for (let j = 0; j < rules.length; j++) {
    const later = rules[j];
    const key = ruleKey(later);
    const dup = firstByKey.get(key);
    let by = dup;
    let kind: ShadowFinding['kind'] = 'duplicate';
    if (isTerminal(later) && budget <= 0) out.incomplete ??= rules.length - j;
    else if (isTerminal(later)) {
      // The first earlier coverer: a rule with a single port (or host) other than the later rule's cannot cover it.
      const want = singleValues(later.match);
      const names = new Set(['*|*', `${want.port ?? '*'}|*`, `*|${want.src ?? '*'}`, `${want.port ?? '*'}|${want.src ?? '*'}`]);
      for (const name of names) {
        for (const i of buckets.get(name) ?? []) {
          if (by !== undefined && i >= by) break;
          if (--budget < 0) break;
          if (covers(rules[i].match, later.match)) {
            by = i;
            kind = 'shadowed';
            break;
          }
        }
      }
      if (budget < 0) out.incomplete = rules.length - j;
    }
    if (by !== undefined) out.push({ kind: by === dup ? 'duplicate' : kind, rule: later, by: rules[by] });
    if (dup === undefined) firstByKey.set(key, j);
    if (isTerminal(later) && !later.goto) {
      const k = indexKeys(later.match);
      const name = `${k.port}|${k.src}`;
      const list = buckets.get(name);
      if (list) list.push(j);
      else buckets.set(name, [j]);
    }
  }
  return out;
}
