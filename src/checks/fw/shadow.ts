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

/** Duplicates and shadowed terminal rules of one chain, in chain order. */
export function analyseChain(rules: FilterRule[]): ShadowFinding[] {
  const out: ShadowFinding[] = [];
  for (let j = 0; j < rules.length; j++) {
    const later = rules[j];
    for (let i = 0; i < j; i++) {
      const earlier = rules[i];
      if (ruleKey(earlier) === ruleKey(later)) {
        out.push({ kind: 'duplicate', rule: later, by: earlier });
        break;
      }
      if (later.target && TERMINAL.has(later.target) && earlier.target && TERMINAL.has(earlier.target) && !earlier.goto && covers(earlier.match, later.match)) {
        out.push({ kind: 'shadowed', rule: later, by: earlier });
        break;
      }
    }
  }
  return out;
}
