import type { AddressSet } from './addr.js';
import type { Packet } from './packet.js';

/**
 * A compiled packet filter: named chains of rules evaluated the way netfilter does (first match,
 * jumps with a return stack, gotos, RETURN, base-chain policy). Both the Proxmox ruleset compiler
 * and the iptables-save / nft loaders produce this shape; one evaluator decides packets for all.
 */

export type Verdict = 'ACCEPT' | 'DROP' | 'REJECT';

export type Target =
  | { kind: 'ACCEPT' | 'DROP' | 'REJECT' | 'RETURN' | 'CONTINUE' }
  | { kind: 'JUMP' | 'GOTO'; chain: string }
  /** pve-firewall's `-g PVEFW-SET-ACCEPT-MARK`: set the accept mark and return to the caller of this chain. */
  | { kind: 'MARK_RETURN' }
  /** `-j MARK --set-mark 0x0/0x80000000` at the top of a security group chain. */
  | { kind: 'CLEAR_MARK' };

export interface IfaceCond {
  name: string;
  /** iptables `eth+` / nft `eth*`: every interface starting with `name`. */
  prefix: boolean;
  neg: boolean;
}

export interface Rule {
  chain: string;
  /** 1-based position in its chain. */
  index: number;
  /** The rule as iptables-save (or nft) would print it. */
  text: string;
  /** The configuration line it was generated from (cluster.fw/host.fw rule, or the ruleset line). */
  origin?: { file: string; line: number; text: string };
  /** What a builtin rule is for: "management ipset accept", "corosync", "policy_in DROP", ... */
  note?: string;

  inIface?: IfaceCond;
  outIface?: IfaceCond;
  /** Protocol numbers; negated for `! -p`. */
  proto?: { nums: number[]; neg: boolean };
  src?: { set: AddressSet; neg: boolean };
  dst?: { set: AddressSet; neg: boolean };
  /** Flat inclusive pairs [from, to, from, to, ...]. */
  dport?: { ranges: number[]; neg: boolean };
  sport?: { ranges: number[]; neg: boolean };
  /** type -1 = any; code undefined = every code of the type. */
  icmp?: { type: number; code?: number; neg: boolean };
  srcType?: { type: string; neg: boolean };
  dstType?: { type: string; neg: boolean };
  /** Whether the rule's conntrack condition holds for the first packet of a connection (state NEW). */
  ctNew?: boolean;
  /** `-m mark --mark 0x80000000/0x80000000`: the accept mark set by a security group. */
  acceptMark?: boolean;
  /** pve-firewall's tcpflags catch of SYN packets with source port 0. */
  synSport0?: boolean;
  /** Conditions the engine does not model; such a rule is assumed NOT to match (recorded in the decision). */
  opaque?: string[];

  target: Target;
}

export interface Chain {
  name: string;
  /** Base chains only. */
  policy?: Verdict;
  rules: Rule[];
}

export interface Program {
  family: 4 | 6;
  chains: Map<string, Chain>;
  /** Base chain per direction (INPUT / OUTPUT); undefined = nothing filters that direction (ACCEPT). */
  entry: { in?: string; out?: string };
  /** Why everything is accepted when there is no entry (e.g. "datacenter firewall disabled"). */
  unfiltered?: string;
}

export interface Decision {
  verdict: Verdict;
  /** The rule that decided: the terminating rule, or the RETURN that accepted into the base policy; undefined for a bare policy. */
  rule?: Rule;
  /** One line: what decided. */
  reason: string;
  /** Every rule that matched on the way (jumps, marks, the decision), in order. */
  trace: Rule[];
  /** Unmodelled conditions that were assumed not to match. */
  assumptions: string[];
}

const MAX_STEPS = 200_000;

/** Decides a packet. Throws only for a ruleset that loops (a jump cycle). */
export function evaluate(program: Program, p: Packet): Decision {
  const entry = p.direction === 'in' ? program.entry.in : program.entry.out;
  if (!entry) return { verdict: 'ACCEPT', reason: program.unfiltered ?? 'nothing filters this direction', trace: [], assumptions: [] };
  const base = program.chains.get(entry)!;
  let chain = base;
  let i = 0;
  const stack: { chain: Chain; i: number }[] = [];
  const trace: Rule[] = [];
  let assumptions: string[] | undefined;
  let mark = false;
  let lastReturn: Rule | undefined;
  let steps = 0;
  const policy = (): Decision => {
    const verdict = base.policy ?? 'ACCEPT';
    return {
      verdict, rule: lastReturn, trace, assumptions: assumptions ?? [],
      reason: lastReturn ? `${lastReturn.chain} rule ${lastReturn.index} returned to ${base.name} (policy ${verdict})` : `${base.name} policy ${verdict}`,
    };
  };
  for (;;) {
    if (++steps > MAX_STEPS) throw new Error(`chain loop while evaluating (in ${chain.name})`);
    const rules = chain.rules;
    if (i >= rules.length) {
      const back = stack.pop();
      if (!back) return policy();
      chain = back.chain;
      i = back.i;
      continue;
    }
    const r = rules[i++];
    if (!matches(r, p, mark)) {
      if (r.opaque) (assumptions ??= []).push(`${r.chain} rule ${r.index}: ${r.opaque.join(' ')} assumed not to match`);
      continue;
    }
    const t = r.target;
    switch (t.kind) {
      case 'CONTINUE':
        continue;
      case 'CLEAR_MARK':
        mark = false;
        continue;
      case 'ACCEPT': case 'DROP': case 'REJECT':
        trace.push(r);
        return { verdict: t.kind, rule: r, reason: `${r.chain} rule ${r.index}${r.note ? ` (${r.note})` : ''}`, trace, assumptions: assumptions ?? [] };
      case 'MARK_RETURN':
        mark = true;
      // falls through: setting the mark ends this chain like a RETURN
      case 'RETURN': {
        trace.push(r);
        lastReturn = r;
        const back = stack.pop();
        if (!back) return policy();
        chain = back.chain;
        i = back.i;
        continue;
      }
      case 'JUMP': case 'GOTO': {
        const next = program.chains.get(t.chain);
        if (!next) continue; // a jump to a chain that does not exist is rejected by iptables; treat as no-op
        trace.push(r);
        if (t.kind === 'JUMP') stack.push({ chain, i });
        chain = next;
        i = 0;
        continue;
      }
    }
  }
}

function inRanges(ranges: number[], v: number): boolean {
  for (let k = 0; k < ranges.length; k += 2) if (v >= ranges[k] && v <= ranges[k + 1]) return true;
  return false;
}

function ifaceMatches(c: IfaceCond, name: string): boolean {
  const hit = c.prefix ? name.startsWith(c.name) : name === c.name;
  return hit !== c.neg;
}

/** Whether all of a rule's conditions hold for the packet. */
export function matches(r: Rule, p: Packet, mark = false): boolean {
  if (r.opaque) return false;
  if (r.proto && r.proto.nums.includes(p.proto) === r.proto.neg) return false;
  if (r.dport) {
    if (p.dport === undefined) return false;
    if (inRanges(r.dport.ranges, p.dport) === r.dport.neg) return false;
  }
  if (r.src && (p.family === 4 ? r.src.set.has4(p.src.v4) : r.src.set.has6(p.src.v6)) === r.src.neg) return false;
  if (r.dst && (p.family === 4 ? r.dst.set.has4(p.dst.v4) : r.dst.set.has6(p.dst.v6)) === r.dst.neg) return false;
  if (r.inIface && (p.direction !== 'in' || !ifaceMatches(r.inIface, p.iface))) return false;
  if (r.outIface && (p.direction !== 'out' || !ifaceMatches(r.outIface, p.iface))) return false;
  if (r.sport) {
    if (p.sport === undefined) return r.sport.neg;
    if (inRanges(r.sport.ranges, p.sport) === r.sport.neg) return false;
  }
  if (r.icmp) {
    if (p.icmpType === undefined) return false;
    const hit = r.icmp.type === -1 || (r.icmp.type === p.icmpType && (r.icmp.code === undefined || r.icmp.code === p.icmpCode));
    if (hit === r.icmp.neg) return false;
  }
  if (r.dstType && (p.dstType === r.dstType.type) === r.dstType.neg) return false;
  if (r.srcType && (p.srcType === r.srcType.type) === r.srcType.neg) return false;
  if (r.ctNew === false) return false;
  if (r.acceptMark && !mark) return false;
  if (r.synSport0 && !(p.proto === 6 && p.sport === 0)) return false;
  return true;
}

/** Appends a rule to a chain, numbering it. */
export function addRule(chain: Chain, rule: Omit<Rule, 'chain' | 'index'>): Rule {
  const r = { ...rule, chain: chain.name, index: chain.rules.length + 1 } as Rule;
  chain.rules.push(r);
  return r;
}

export function newChain(program: Program, name: string, policy?: Verdict): Chain {
  const c: Chain = { name, rules: [], policy };
  program.chains.set(name, c);
  return c;
}
