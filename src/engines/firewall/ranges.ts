import { formatIp, rangeToCidrs, type IpRange } from '../../parse/ip-address.js';

/** An inclusive interval of addresses of one family. */
export interface Interval {
  from: bigint;
  to: bigint;
}

const MAX = { 4: (1n << 32n) - 1n, 6: (1n << 128n) - 1n } as const;

/**
 * An exact set of addresses of one family as sorted, disjoint, non-adjacent intervals, with the set
 * algebra the exposure answers need (union, intersection, difference, complement, size, CIDRs).
 */
export class RangeSet {
  private constructor(readonly family: 4 | 6, readonly intervals: readonly Interval[]) {}

  static empty(family: 4 | 6): RangeSet {
    return new RangeSet(family, []);
  }

  static all(family: 4 | 6): RangeSet {
    return new RangeSet(family, [{ from: 0n, to: MAX[family] }]);
  }

  /** From intervals in any order, overlapping or not. */
  static of(family: 4 | 6, intervals: Iterable<Interval>): RangeSet {
    const sorted = [...intervals].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
    const out: Interval[] = [];
    for (const i of sorted) {
      const last = out[out.length - 1];
      if (last && i.from <= last.to + 1n) {
        if (i.to > last.to) last.to = i.to;
      } else out.push({ from: i.from, to: i.to });
    }
    return new RangeSet(family, out);
  }

  /** The ranges of one family among parsed ranges (others are ignored). */
  static fromRanges(family: 4 | 6, ranges: Iterable<IpRange>): RangeSet {
    return RangeSet.of(family, [...ranges].filter((r) => r.family === family));
  }

  isEmpty(): boolean {
    return this.intervals.length === 0;
  }

  /** Number of addresses. */
  size(): bigint {
    return this.intervals.reduce((n, i) => n + i.to - i.from + 1n, 0n);
  }

  has(v: bigint): boolean {
    const xs = this.intervals;
    let lo = 0;
    let hi = xs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (v < xs[mid].from) hi = mid - 1;
      else if (v > xs[mid].to) lo = mid + 1;
      else return true;
    }
    return false;
  }

  union(o: RangeSet): RangeSet {
    return RangeSet.of(this.family, [...this.intervals, ...o.intervals]);
  }

  complement(): RangeSet {
    const out: Interval[] = [];
    let next = 0n;
    for (const i of this.intervals) {
      if (i.from > next) out.push({ from: next, to: i.from - 1n });
      next = i.to + 1n;
    }
    if (next <= MAX[this.family]) out.push({ from: next, to: MAX[this.family] });
    return new RangeSet(this.family, out);
  }

  intersect(o: RangeSet): RangeSet {
    const out: Interval[] = [];
    const a = this.intervals;
    const b = o.intervals;
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      const from = a[i].from > b[j].from ? a[i].from : b[j].from;
      const to = a[i].to < b[j].to ? a[i].to : b[j].to;
      if (from <= to) out.push({ from, to });
      if (a[i].to < b[j].to) i++;
      else j++;
    }
    return new RangeSet(this.family, out);
  }

  minus(o: RangeSet): RangeSet {
    return this.intersect(o.complement());
  }

  equals(o: RangeSet): boolean {
    return this.family === o.family && this.intervals.length === o.intervals.length
      && this.intervals.every((x, k) => x.from === o.intervals[k].from && x.to === o.intervals[k].to);
  }

  /** The minimal CIDR list (RFC 5952 for IPv6), ascending. */
  cidrs(): string[] {
    return this.intervals.flatMap((i) => rangeToCidrs(this.family, i.from, i.to));
  }

  /** The first address, for a representative. */
  first(): string | undefined {
    return this.intervals.length ? formatIp(this.family, this.intervals[0].from) : undefined;
  }
}

/** "10.10.0.0/24, 203.0.113.7/32 and 3 more" — at most `max` CIDRs, then a count. */
export function summarizeCidrs(set: RangeSet, max = 8): string {
  const cidrs = set.cidrs();
  if (!cidrs.length) return 'nothing';
  return cidrs.length <= max ? cidrs.join(', ') : `${cidrs.slice(0, max).join(', ')} and ${cidrs.length - max} more block(s)`;
}

/** "1 address", "256 addresses", "2^64 addresses" (exact up to 2^53, then as a power of two when it is one). */
export function countAddresses(n: bigint): string {
  if (n === 1n) return '1 address';
  if (n <= BigInt(Number.MAX_SAFE_INTEGER)) return `${withThousandsSeparators(n)} addresses`;
  const bits = n.toString(2).length - 1;
  if (n === 1n << BigInt(bits)) return `2^${bits} addresses`;
  return `about 2^${(Math.log2(Number(n))).toFixed(1)} addresses`;
}

/**
 * "16,777,216": what toLocaleString('en-US') gives, without it (its first call initialises ICU's number
 * formatting, ~30 ms of CPU in every audit that reports an exposure).
 */
export function withThousandsSeparators(n: bigint): string {
  const digits = (n < 0n ? -n : n).toString();
  let out = digits.slice(0, digits.length % 3 || 3);
  for (let i = out.length; i < digits.length; i += 3) out += ',' + digits.slice(i, i + 3);
  return (n < 0n ? '-' : '') + out;
}
