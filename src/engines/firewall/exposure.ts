import { formatIp, parseIp } from '../../parse/ip-address.js';
import { addressType, type Address } from './addr.js';
import { parsePacket, type Packet } from './packet.js';
import { candidateRules, type Decision, type Program, type Rule, type Verdict } from './program.js';
import { RangeSet, type Interval } from './ranges.js';
import type { Simulator } from './simulator.js';

/**
 * Exact exposure: which source addresses the first packet of a new inbound connection to a service is
 * accepted from, for every address of a family and every destination port of the service.
 *
 * Method: every condition a rule can put on the source address (CIDRs, ipsets with nomatch entries,
 * aliases, local_network: all compiled into AddressSets) is a union of intervals. The edges of all
 * those intervals, over every rule of every program that decides the packet (pve-firewall's chains and
 * hand-written ones), cut the address space into classes in which every rule's source condition holds
 * for all addresses or for none. Everything else about the packet is held fixed (destination address,
 * input interface, source port, protocol), so all addresses of a class take the same path through the
 * chains: deciding one representative decides the class. The same is done for destination ports: the
 * edges of every port range of every rule cut the service's ports into segments that meet the same
 * rules. Source address type (multicast/broadcast, for `--src-type`) edges are added as well.
 */

export interface ExposureService {
  /** ssh, web, spice, corosync, migration, or `PORT/PROTO` for a custom one. */
  name: string;
  proto: 'tcp' | 'udp';
  /** Inclusive destination port ranges. */
  ports: [number, number][];
}

/** What is held fixed for every packet of an exposure question. */
export interface ExposureProbe {
  family: 4 | 6;
  /** Destination address (the node's own address on the path the service is reached through). */
  dst: string;
  /** Input interface. */
  iface: string;
  /** Source port (an ephemeral port of the client). */
  sport: number;
}

/** Addresses of one port segment that share a verdict and the rule that decided it. */
export interface AddressClass {
  set: RangeSet;
  verdict: Verdict;
  /** The decision for the class's first address (every address of the class is decided the same way). */
  decision: Decision;
}

export interface PortSegment {
  from: number;
  to: number;
  /** Disjoint; their union is the whole address space of the family. */
  classes: AddressClass[];
}

export interface Exposure {
  service: ExposureService;
  probe: ExposureProbe;
  /** Disjoint segments covering the service's ports (adjacent segments with the same answer merged). */
  segments: PortSegment[];
  /** Number of packets decided to compute it (one per class and port segment). */
  evaluations: number;
}

export const SOURCE_PORT = 40000;

const PROTO = { tcp: 6, udp: 17 } as const;

// Address-type edges (for source address type conditions): IPv4 multicast, the limited broadcast, IPv6 multicast.
const TYPE_EDGES: Record<4 | 6, bigint[]> = {
  4: [0xe0000000n, 0xf0000000n, 0xffffffffn],
  6: [0xffn << 120n],
};

/** Computes the exact exposure of a service over one address family. */
export function exactExposure(sim: Simulator, service: ExposureService, probe: ExposureProbe): Exposure {
  const { family } = probe;
  const programs = sim.layers[family];
  const proto = PROTO[service.proto];
  const dstIp = parseIp(probe.dst);
  if (!dstIp || dstIp.family !== family) throw new Error(`exposure: destination ${probe.dst} is not an IPv${family} address`);
  const template = parsePacket({ direction: 'in', src: probe.dst, dst: probe.dst, proto: service.proto, dport: service.ports[0]?.[0] ?? 0, sport: probe.sport, iface: probe.iface });
  const segments: PortSegment[] = [];
  let evaluations = 0;
  for (const [from, to] of portSegments(programs, proto, service.ports)) {
    const edges = new Set<bigint>(TYPE_EDGES[family]);
    edges.add(0n);
    for (const prog of programs) addSourceEdges(prog, proto, from, family, edges);
    const starts = [...edges].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const max = family === 4 ? (1n << 32n) - 1n : (1n << 128n) - 1n;
    const groups = new Map<Rule | string, { verdict: Verdict; decision: Decision; intervals: Interval[] }>();
    for (let k = 0; k < starts.length; k++) {
      const lo = starts[k];
      if (lo > max) break;
      const hi = k + 1 < starts.length && starts[k + 1] - 1n < max ? starts[k + 1] - 1n : max;
      const packet: Packet = { ...template, dport: from, src: addressOf(family, lo) };
      packet.srcType = addressType(packet.src);
      const d = sim.decide(packet);
      evaluations++;
      // The same rule can end in different verdicts (a RETURN into different base policies): key on both.
      const key = d.rule && d.rule.target.kind === d.verdict ? d.rule : `${d.verdict} ${d.reason}`;
      const g = groups.get(key);
      if (!g) {
        groups.set(key, { verdict: d.verdict, decision: d, intervals: [{ from: lo, to: hi }] });
        continue;
      }
      const last = g.intervals[g.intervals.length - 1];
      if (last.to + 1n === lo) last.to = hi;
      else g.intervals.push({ from: lo, to: hi });
    }
    const classes = [...groups.values()].map((g) => ({ set: RangeSet.of(family, g.intervals), verdict: g.verdict, decision: g.decision }));
    const prev = segments[segments.length - 1];
    if (prev && prev.to + 1 === from && sameClasses(prev.classes, classes)) prev.to = to;
    else segments.push({ from, to, classes });
  }
  return { service, probe, segments, evaluations };
}

/** A representative address; its text is only spelled out when something prints it (classes are decided by the thousand). */
class Representative implements Address {
  readonly v4: number;
  readonly v6: bigint;
  constructor(readonly family: 4 | 6, private readonly value: bigint) {
    this.v4 = family === 4 ? Number(value) : 0;
    this.v6 = family === 6 ? value : 0n;
  }

  get text(): string {
    return formatIp(this.family, this.value);
  }
}

function addressOf(family: 4 | 6, v: bigint): Address {
  return new Representative(family, v);
}

function sameClasses(a: AddressClass[], b: AddressClass[]): boolean {
  return a.length === b.length && a.every((c, i) => c.verdict === b[i].verdict && c.decision.rule === b[i].decision.rule
    && c.decision.reason === b[i].decision.reason && c.set.equals(b[i].set));
}

/** The service's ports cut at every edge of every destination-port range of every rule (negated ones too). */
function portSegments(programs: Program[], proto: 6 | 17, ports: [number, number][]): [number, number][] {
  const cuts = sortedCuts(programs, proto);
  const out: [number, number][] = [];
  for (const [from, to] of ports) {
    let start = from;
    // the cuts c with from < c <= to, ascending
    for (let k = firstAbove(cuts, from); k < cuts.length && cuts[k] <= to; k++) {
      out.push([start, cuts[k] - 1]);
      start = cuts[k];
    }
    out.push([start, to]);
  }
  return out;
}

// The port edges of all layers, merged and sorted once per layer list and protocol (every service asks).
const SORTED_CUTS = new WeakMap<Program[], Map<number, Float64Array>>();

function sortedCuts(programs: Program[], proto: 6 | 17): Float64Array {
  let byProto = SORTED_CUTS.get(programs);
  if (!byProto) SORTED_CUTS.set(programs, (byProto = new Map()));
  let cuts = byProto.get(proto);
  if (!cuts) {
    const set = new Set<number>();
    for (const prog of programs) for (const e of portEdges(prog, proto)) set.add(e);
    cuts = Float64Array.from([...set]).sort();
    byProto.set(proto, cuts);
  }
  return cuts;
}

/** Index of the first element greater than x in an ascending array. */
function firstAbove(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const PORT_EDGES = new WeakMap<Program, Map<number, number[]>>();

function portEdges(prog: Program, proto: 6 | 17): number[] {
  let byProto = PORT_EDGES.get(prog);
  if (!byProto) PORT_EDGES.set(prog, (byProto = new Map()));
  let edges = byProto.get(proto);
  if (edges) return edges;
  const set = new Set<number>();
  for (const chain of prog.chains.values()) {
    for (const r of chain.rules) {
      if (!r.dport || (r.proto && !r.proto.neg && !r.proto.nums.includes(proto))) continue;
      for (let j = 0; j < r.dport.ranges.length; j += 2) {
        set.add(r.dport.ranges[j]);
        set.add(r.dport.ranges[j + 1] + 1);
      }
    }
  }
  edges = [...set];
  byProto.set(proto, edges);
  return edges;
}

// Source-address edges per program, protocol, family and destination port segment (keyed by the segment's first port).
const SOURCE_EDGES = new WeakMap<Program, Map<string, bigint[]>>();

function addSourceEdges(prog: Program, proto: 6 | 17, dport: number, family: 4 | 6, out: Set<bigint>): void {
  let cache = SOURCE_EDGES.get(prog);
  if (!cache) SOURCE_EDGES.set(prog, (cache = new Map()));
  const key = `${proto}/${dport}/${family}`;
  let edges = cache.get(key);
  if (!edges) {
    const set = new Set<bigint>();
    for (const chain of prog.chains.values()) {
      for (const r of candidateRules(chain, proto, dport)) r.src?.set.addBoundaries(family, set);
    }
    edges = [...set];
    cache.set(key, edges);
  }
  for (const e of edges) out.add(e);
}

/** Addresses accepted on at least one port of the service. */
export function acceptedOnAny(e: Exposure): RangeSet {
  return RangeSet.of(e.probe.family, e.segments.flatMap(acceptedIntervals));
}

/** Addresses accepted on every port of the service. */
export function acceptedOnAll(e: Exposure): RangeSet {
  let set = RangeSet.all(e.probe.family);
  for (const s of e.segments) set = set.intersect(RangeSet.of(e.probe.family, acceptedIntervals(s)));
  return set;
}

function acceptedIntervals(s: PortSegment): Interval[] {
  return s.classes.flatMap((c) => (c.verdict === 'ACCEPT' ? c.set.intervals : []));
}

/** Piece starts of a segment's classes (ascending) and the class of each piece. */
const classIndex = new WeakMap<PortSegment, { starts: bigint[]; classes: AddressClass[] }>();

/** The class of a segment that holds an address (classes cover the family: there is always one). */
export function classAt(segment: PortSegment, v: bigint): AddressClass {
  let idx = classIndex.get(segment);
  if (!idx) {
    const pieces = segment.classes.flatMap((cls) => cls.set.intervals.map((iv) => ({ from: iv.from, cls })));
    pieces.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
    classIndex.set(segment, (idx = { starts: pieces.map((p) => p.from), classes: pieces.map((p) => p.cls) }));
  }
  let lo = 0;
  let hi = idx.starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (idx.starts[mid] <= v) lo = mid;
    else hi = mid - 1;
  }
  return idx.classes[lo];
}

/** The classes (per port segment) that meet a set of addresses with a given outcome: "which rule decides these". */
export function classesWithin(e: Exposure, set: RangeSet, accepted: boolean): { segment: PortSegment; cls: AddressClass; part: RangeSet }[] {
  const out: { segment: PortSegment; cls: AddressClass; part: RangeSet }[] = [];
  for (const segment of e.segments) {
    for (const cls of segment.classes) {
      if ((cls.verdict === 'ACCEPT') !== accepted) continue;
      const part = cls.set.intersect(set);
      if (!part.isEmpty()) out.push({ segment, cls, part });
    }
  }
  return out;
}

/** Parts of an exposure grouped by the rule (or policy) that decides them. */
export interface RuleGroup {
  decision: Decision;
  set: RangeSet;
  /** Port segments ("tcp/22", "tcp/60000-60010") the rule decides these addresses on. */
  ports: string[];
}

export function groupByRule(e: Exposure, set: RangeSet, accepted: boolean): RuleGroup[] {
  const groups = new Map<Rule | string, RuleGroup>();
  for (const { segment, cls, part } of classesWithin(e, set, accepted)) {
    const key = keyOf(cls);
    const port = portText(e.service.proto, segment.from, segment.to);
    const g = groups.get(key);
    if (!g) groups.set(key, { decision: cls.decision, set: part, ports: [port] });
    else {
      g.set = g.set.union(part);
      if (!g.ports.includes(port)) g.ports.push(port);
    }
  }
  return [...groups.values()];
}

function keyOf(c: AddressClass): Rule | string {
  return c.decision.rule ?? `${c.verdict} ${c.decision.reason}`;
}

/** "tcp/22", "tcp/60000-60050", "udp/5404-5405" */
export function portText(proto: string, from: number, to: number): string {
  return `${proto}/${from === to ? from : `${from}-${to}`}`;
}

export function serviceText(s: ExposureService): string {
  return `${s.proto}/${s.ports.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`;
}
