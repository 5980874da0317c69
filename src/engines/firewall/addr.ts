import { formatIp, parseIp, type IpRange } from '../../parse/ip-address.js';

/**
 * A compiled set of addresses of one family, answering membership with a binary search.
 * Built like the kernel's hash:net ipsets: when entries overlap, the most specific one decides, so a
 * `nomatch` (`!`) entry punches a hole into a wider match entry (and a narrower match entry inside
 * a nomatch one matches again).
 */
export class AddressSet {
  /** IPv4: sorted disjoint member intervals as numbers (starts[i]..ends[i], inclusive). */
  private readonly starts4: Float64Array;
  private readonly ends4: Float64Array;
  private readonly starts6: bigint[];
  private readonly ends6: bigint[];

  constructor(entries: { range: IpRange; nomatch?: boolean }[]) {
    const v4 = paint(entries.filter((e) => e.range.family === 4));
    const v6 = paint(entries.filter((e) => e.range.family === 6));
    this.starts4 = Float64Array.from(v4.map((s) => Number(s[0])));
    this.ends4 = Float64Array.from(v4.map((s) => Number(s[1])));
    this.starts6 = v6.map((s) => s[0]);
    this.ends6 = v6.map((s) => s[1]);
  }

  static of(ranges: IpRange[]): AddressSet {
    return new AddressSet(ranges.map((range) => ({ range })));
  }

  /**
   * The set of these ranges, shared with every earlier caller that asked for the same ranges (a set is
   * never changed once built): thousands of rules naming the same alias or address get one set.
   */
  static shared(ranges: IpRange[]): AddressSet {
    let key = '';
    for (const r of ranges) key += `${r.family}:${r.from}-${r.to},`;
    let set = sharedSets.get(key);
    if (!set) {
      set = AddressSet.of(ranges);
      if (sharedSets.size >= 100_000) sharedSets.clear();
      sharedSets.set(key, set);
    }
    return set;
  }

  isEmpty(family: 4 | 6): boolean {
    return family === 4 ? this.starts4.length === 0 : this.starts6.length === 0;
  }

  has4(a: number): boolean {
    const s = this.starts4;
    let lo = 0;
    let hi = s.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (a < s[mid]) hi = mid - 1;
      else if (a > this.ends4[mid]) lo = mid + 1;
      else return true;
    }
    return false;
  }

  has6(a: bigint): boolean {
    const s = this.starts6;
    let lo = 0;
    let hi = s.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (a < s[mid]) hi = mid - 1;
      else if (a > this.ends6[mid]) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /**
   * Where membership can change: each member interval's first address and the address after its last.
   * Any two addresses between consecutive boundaries are both members or both not.
   */
  addBoundaries(family: 4 | 6, out: Set<bigint>): void {
    if (family === 4) {
      for (let i = 0; i < this.starts4.length; i++) {
        out.add(BigInt(this.starts4[i]));
        out.add(BigInt(this.ends4[i]) + 1n);
      }
    } else {
      for (let i = 0; i < this.starts6.length; i++) {
        out.add(this.starts6[i]);
        out.add(this.ends6[i] + 1n);
      }
    }
  }

  /** The member intervals of a family (sorted, disjoint, inclusive). */
  intervals(family: 4 | 6): [bigint, bigint][] {
    if (family === 6) return this.starts6.map((from, i) => [from, this.ends6[i]]);
    return Array.from(this.starts4, (from, i) => [BigInt(from), BigInt(this.ends4[i])]);
  }

  has(a: Address): boolean {
    return a.family === 4 ? this.has4(a.v4) : this.has6(a.v6);
  }
}

const sharedSets = new Map<string, AddressSet>();

/** A packet address: IPv4 as an unsigned 32-bit number (fast path), IPv6 as a bigint. */
export interface Address {
  family: 4 | 6;
  v4: number;
  v6: bigint;
  text: string;
}

export function parseAddress(text: string): Address | undefined {
  const ip = parseIp(text);
  if (!ip) return undefined;
  // Printed in canonical form (RFC 5952 for IPv6), whatever way it was written.
  const canonical = formatIp(ip.family, ip.value);
  return ip.family === 4 ? { family: 4, v4: Number(ip.value), v6: 0n, text: canonical } : { family: 6, v4: 0, v6: ip.value, text: canonical };
}

type Segment = [bigint, bigint, boolean];

/** Paints entries broadest first so that more specific entries override; returns the member intervals, merged. */
function paint(entries: { range: IpRange; nomatch?: boolean }[]): [bigint, bigint][] {
  const sorted = [...entries].sort((a, b) => {
    const sa = a.range.to - a.range.from;
    const sb = b.range.to - b.range.from;
    return sa > sb ? -1 : sa < sb ? 1 : 0;
  });
  let segs: Segment[] = [];
  for (const e of sorted) {
    const { from, to } = e.range;
    const value = !e.nomatch;
    const next: Segment[] = [];
    for (const s of segs) {
      if (s[1] < from || s[0] > to) {
        next.push(s);
        continue;
      }
      if (s[0] < from) next.push([s[0], from - 1n, s[2]]);
      if (s[1] > to) next.push([to + 1n, s[1], s[2]]);
    }
    next.push([from, to, value]);
    next.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    segs = next;
  }
  const out: [bigint, bigint][] = [];
  for (const s of segs) {
    if (!s[2]) continue;
    const last = out[out.length - 1];
    if (last && last[1] + 1n >= s[0]) last[1] = s[1] > last[1] ? s[1] : last[1];
    else out.push([s[0], s[1]]);
  }
  return out;
}

export const MULTICAST4 = { from: 0xe0000000, to: 0xefffffff };
const MULTICAST6_PREFIX = 0xffn << 120n;

/** Address type as iptables' addrtype module sees it for the oracle's purposes. */
export function addressType(a: Address): 'UNICAST' | 'MULTICAST' | 'BROADCAST' {
  if (a.family === 4) {
    if (a.v4 === 0xffffffff) return 'BROADCAST';
    if (a.v4 >= MULTICAST4.from && a.v4 <= MULTICAST4.to) return 'MULTICAST';
    return 'UNICAST';
  }
  return (a.v6 & MULTICAST6_PREFIX) === MULTICAST6_PREFIX ? 'MULTICAST' : 'UNICAST';
}
