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
  /** Set by normalizeRule: protocol and port conditions are plain (not negated), so the chain index settles them. */
  indexExact?: boolean;

  target: Target;
}

export interface Chain {
  name: string;
  /** Base chains only. */
  policy?: Verdict;
  rules: Rule[];
  /** Candidate rules by protocol and destination port, built on first use (see chainIndex). */
  index?: ChainIndex;
}

/**
 * Which rules of a chain can match a packet at all, by protocol and destination port: a packet
 * only visits its candidates (in chain order), which is what makes 1,000-rule chains fast. Rules
 * left out cannot match (their protocol or port condition excludes the packet), so the result is
 * the same as walking every rule.
 */
interface ChainIndex {
  tcp: PortIndex;
  udp: PortIndex;
  byProto: Map<number, Int32Array>;
}

interface PortIndex {
  /** Segment starts (ascending, first is 0). */
  bounds: number[];
  /** Candidates per segment, computed when a packet first falls into it. */
  lists: (Int32Array | undefined)[];
  /** Rules that can match the protocol (chain positions), for building segment lists. */
  rules: number[];
  /** Candidates for a packet without destination port. */
  noPort: Int32Array;
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
  // A tcp/udp packet with a port meets only rules whose protocol and port match (see ChainIndex).
  const indexed = (p.proto === 6 || p.proto === 17) && p.dport !== undefined;
  let cands = candidates(base, p);
  let i = 0;
  let depth = 0;
  const trace: Rule[] = [];
  let assumptions: string[] | undefined;
  let mark = false;
  let lastReturn: Rule | undefined;
  let steps = 0;
  for (;;) {
    if (++steps > MAX_STEPS) throw new Error(`chain loop while evaluating (in ${chain.name})`);
    if (i >= cands.length) {
      if (depth === 0) return policyDecision(base, lastReturn, trace, assumptions);
      depth--;
      chain = STACK_CHAIN[depth];
      cands = STACK_CANDS[depth];
      i = STACK_I[depth];
      continue;
    }
    const run = sourceRuns(chain, cands, p.family);
    if (run !== undefined && run.runOf[i] !== -1) {
      // a run of source-filtered rules: go straight to the next one whose source holds the packet's
      // (the skipped rules count as steps, as if each had been tried)
      const j = nextSourceHit(run.runs[run.runOf[i]], p, i);
      steps += j - i;
      if (steps > MAX_STEPS) throw new Error(`chain loop while evaluating (in ${chain.name})`);
      i = j;
      if (i >= cands.length || run.runOf[i] === -1) {
        steps--;
        continue;
      }
    }
    const r = chain.rules[cands[i++]];
    if (!(indexed && r.indexExact && !r.opaque ? matchesRest(r, p, mark) : matches(r, p, mark))) {
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
        return new RuleDecision(t.kind, r, trace, assumptions ?? NONE, undefined);
      case 'MARK_RETURN':
        mark = true;
      // falls through: setting the mark ends this chain like a RETURN
      case 'RETURN':
        trace.push(r);
        lastReturn = r;
        if (depth === 0) return policyDecision(base, lastReturn, trace, assumptions);
        depth--;
        chain = STACK_CHAIN[depth];
        cands = STACK_CANDS[depth];
        i = STACK_I[depth];
        continue;
      case 'JUMP': case 'GOTO': {
        const next = program.chains.get(t.chain);
        if (!next) continue; // a jump to a chain that does not exist is rejected by iptables; treat as no-op
        trace.push(r);
        if (t.kind === 'JUMP') {
          if (depth >= MAX_DEPTH) throw new Error(`jumps nested deeper than ${MAX_DEPTH} chains (in ${chain.name})`);
          STACK_CHAIN[depth] = chain;
          STACK_CANDS[depth] = cands;
          STACK_I[depth] = i;
          depth++;
        }
        chain = next;
        cands = candidates(next, p);
        i = 0;
        continue;
      }
    }
  }
}

/**
 * Runs of consecutive candidates that each require a source address (not negated, nothing opaque):
 * a rule whose source set does not hold the packet's source cannot match it, so evaluate skips from
 * one rule whose set holds it to the next. pve-firewall writes one such rule per corosync peer, and a
 * cluster.fw may hold thousands of `-source` rules in a row: without this every packet would try them
 * all. Per run: the address space cut at every edge of the rules' sets, and per piece the run
 * positions whose sets hold it (ascending).
 */
interface SourceRun {
  /** Positions in the candidate list: start inclusive, end exclusive. */
  end: number;
  /** Piece starts (ascending); addresses below the first are in no set. */
  starts: bigint[];
  /** IPv4: the same as numbers. */
  starts4: Float64Array;
  hits: Int32Array[];
}

interface SourceRuns {
  /** Per candidate position: the run it belongs to, or -1. */
  runOf: Int32Array;
  runs: SourceRun[];
}

const MIN_RUN = 16;
const sourceRunCache = new WeakMap<Int32Array, Partial<Record<4 | 6, SourceRuns | null>>>();

function sourceRuns(chain: Chain, cands: Int32Array, family: 4 | 6): SourceRuns | undefined {
  if (cands.length < MIN_RUN) return undefined;
  let perFamily = sourceRunCache.get(cands);
  if (!perFamily) sourceRunCache.set(cands, (perFamily = {}));
  let r = perFamily[family];
  if (r === undefined) perFamily[family] = r = buildSourceRuns(chain, cands, family);
  return r ?? undefined;
}

function buildSourceRuns(chain: Chain, cands: Int32Array, family: 4 | 6): SourceRuns | null {
  const runOf = new Int32Array(cands.length).fill(-1);
  const runs: SourceRun[] = [];
  const filtered = (k: number): boolean => {
    const r = chain.rules[cands[k]];
    return !!r.src && !r.src.neg && !r.opaque;
  };
  for (let start = 0; start < cands.length;) {
    if (!filtered(start)) {
      start++;
      continue;
    }
    let end = start;
    while (end < cands.length && filtered(end)) end++;
    if (end - start >= MIN_RUN) {
      const run = buildRun(chain, cands, family, start, end);
      if (run) {
        runOf.fill(runs.length, start, end);
        runs.push(run);
      }
    }
    start = end;
  }
  return runs.length ? { runOf, runs } : null;
}

/** undefined when the sets overlap too much for the index to stay small (broad sets in every rule). */
function buildRun(chain: Chain, cands: Int32Array, family: 4 | 6, start: number, end: number): SourceRun | undefined {
  const sets = [];
  const edges = new Set<bigint>();
  for (let k = start; k < end; k++) {
    const iv = chain.rules[cands[k]].src!.set.intervals(family);
    sets.push(iv);
    for (const [from, to] of iv) {
      edges.add(from);
      edges.add(to + 1n);
    }
  }
  const starts = [...edges].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const lists: number[][] = starts.map(() => []);
  let budget = 8 * (end - start) + 1024;
  for (let k = start; k < end; k++) {
    for (const [from, to] of sets[k - start]) {
      for (let piece = bigIndex(starts, from); piece < starts.length && starts[piece] <= to; piece++) {
        if (--budget < 0) return undefined;
        lists[piece].push(k);
      }
    }
  }
  return {
    end, starts, starts4: family === 4 ? Float64Array.from(starts, Number) : new Float64Array(0),
    hits: lists.map((l) => Int32Array.from(l)),
  };
}

/** Index of the piece starting exactly at v (v is one of the starts). */
function bigIndex(starts: bigint[], v: bigint): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first position at or after i in the run whose rule's source holds the packet's source; run.end when none. */
function nextSourceHit(run: SourceRun, p: Packet, i: number): number {
  let piece = -1;
  let lo = 0;
  let hi = run.starts.length - 1;
  if (p.family === 4) {
    const a = p.src.v4;
    const s = run.starts4;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid] <= a) {
        piece = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
  } else {
    const a = p.src.v6;
    const s = run.starts;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid] <= a) {
        piece = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
  }
  if (piece === -1) return run.end;
  const h = run.hits[piece];
  lo = 0;
  hi = h.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (h[mid] < i) lo = mid + 1;
    else hi = mid;
  }
  return lo < h.length ? h[lo] : run.end;
}

// The return stack of evaluate (which never re-enters itself), kept between calls to spare allocations.
const MAX_DEPTH = 64;
const STACK_CHAIN: Chain[] = [];
const STACK_CANDS: Int32Array[] = [];
const STACK_I: number[] = [];

const NONE: string[] = Object.freeze([]) as unknown as string[];

/** A decision whose one-line reason is only spelled out when someone reads it (verdicts are decided by the million). */
class RuleDecision implements Decision {
  constructor(
    readonly verdict: Verdict,
    readonly rule: Rule | undefined,
    readonly trace: Rule[],
    readonly assumptions: string[],
    /** Set when the base chain's policy decided (after `rule` returned, if any). */
    private readonly base: Chain | undefined,
  ) {}

  get reason(): string {
    const r = this.rule;
    if (!this.base) return `${r!.chain} rule ${r!.index}${r!.note ? ` (${r!.note})` : ''}`;
    return r ? `${r.chain} rule ${r.index} returned to ${this.base.name} (policy ${this.verdict})` : `${this.base.name} policy ${this.verdict}`;
  }

  toJSON(): Decision {
    return { verdict: this.verdict, rule: this.rule, reason: this.reason, trace: this.trace, assumptions: this.assumptions };
  }
}

function policyDecision(base: Chain, lastReturn: Rule | undefined, trace: Rule[], assumptions: string[] | undefined): Decision {
  return new RuleDecision(base.policy ?? 'ACCEPT', lastReturn, trace, assumptions ?? NONE, base);
}

/**
 * The rules of a chain that can match a tcp/udp packet to `dport` (the chain index's candidates): a
 * rule left out cannot match such a packet whatever its other fields.
 */
export function candidateRules(chain: Chain, proto: 6 | 17, dport: number): Rule[] {
  const list = candidates(chain, { proto, dport } as Packet);
  const out: Rule[] = [];
  for (let i = 0; i < list.length; i++) out.push(chain.rules[list[i]]);
  return out;
}

/**
 * Destination ports at which the set of candidate rules of a chain changes, for tcp or udp: every
 * port between two consecutive bounds meets the same rules (segment starts, ascending, from 0).
 */
export function portBounds(chain: Chain, proto: 6 | 17): readonly number[] {
  const idx = (chain.index ??= buildIndex(chain));
  return (proto === 6 ? idx.tcp : idx.udp).bounds;
}

function candidates(chain: Chain, p: Packet): Int32Array {
  const idx = (chain.index ??= buildIndex(chain));
  if (p.proto === 6 || p.proto === 17) {
    const pi = p.proto === 6 ? idx.tcp : idx.udp;
    if (p.dport === undefined) return pi.noPort;
    const b = pi.bounds;
    let lo = 0;
    let hi = b.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (b[mid] <= p.dport) lo = mid;
      else hi = mid - 1;
    }
    return pi.lists[lo] ?? (pi.lists[lo] = segmentList(chain, pi, lo));
  }
  let list = idx.byProto.get(p.proto);
  if (!list) {
    list = Int32Array.from(chain.rules.flatMap((r, k) => (protoCandidate(r, p.proto) ? [k] : [])));
    idx.byProto.set(p.proto, list);
  }
  return list;
}

function protoCandidate(r: Rule, proto: number): boolean {
  return !r.proto || r.proto.neg || r.proto.nums.includes(proto);
}

function buildIndex(chain: Chain): ChainIndex {
  const portIndex = (proto: number): PortIndex => {
    const rules = chain.rules.flatMap((r, k) => (protoCandidate(r, proto) ? [k] : []));
    const points = new Set<number>([0]);
    for (const k of rules) {
      const d = chain.rules[k].dport;
      if (!d || d.neg) continue;
      for (let j = 0; j < d.ranges.length; j += 2) {
        points.add(d.ranges[j]);
        points.add(d.ranges[j + 1] + 1);
      }
    }
    const bounds = [...points].filter((x) => x <= 65535).sort((a, b) => a - b);
    const noPort = Int32Array.from(rules.filter((k) => !chain.rules[k].dport || chain.rules[k].dport!.neg));
    return { bounds, lists: new Array(bounds.length), rules, noPort };
  };
  return { tcp: portIndex(6), udp: portIndex(17), byProto: new Map() };
}

/** Segment boundaries include every range edge, so a range covers a segment as soon as it holds its first port. */
function segmentList(chain: Chain, pi: PortIndex, seg: number): Int32Array {
  const start = pi.bounds[seg];
  return Int32Array.from(pi.rules.filter((k) => {
    const d = chain.rules[k].dport;
    return !d || d.neg || inRanges(d.ranges, start);
  }));
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
  return matchesRest(r, p, mark);
}

/** The conditions after protocol and destination port (which the chain index already settles for most rules). */
function matchesRest(r: Rule, p: Packet, mark: boolean): boolean {
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
  const r = shapedRule(rule, chain.name, chain.rules.length + 1);
  chain.rules.push(r);
  chain.index = undefined;
  return r;
}

/** Every rule with the same fields in the same order: one object shape keeps the matcher's property reads fast. */
export function normalizeRule(r: Rule): Rule {
  return shapedRule(r, r.chain, r.index);
}

function shapedRule(r: Omit<Rule, 'chain' | 'index'>, chain: string, index: number): Rule {
  return {
    chain, index, text: r.text, origin: r.origin, note: r.note,
    opaque: r.opaque, proto: r.proto, dport: r.dport, src: r.src, dst: r.dst, inIface: r.inIface, outIface: r.outIface,
    sport: r.sport, icmp: r.icmp, srcType: r.srcType, dstType: r.dstType, ctNew: r.ctNew, acceptMark: r.acceptMark,
    synSport0: r.synSport0, target: r.target, indexExact: (!r.proto || !r.proto.neg) && (!r.dport || !r.dport.neg),
  };
}

export function newChain(program: Program, name: string, policy?: Verdict): Chain {
  const c: Chain = { name, rules: [], policy };
  program.chains.set(name, c);
  return c;
}
