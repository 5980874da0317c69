import { isIPv6 } from 'node:net';

/** An inclusive range of addresses of one family; a single address or a CIDR is a range too. */
export interface IpRange {
  family: 4 | 6;
  from: bigint;
  to: bigint;
  /** The text it was parsed from (normalized: no /32 or /128). */
  text: string;
}

const BITS = { 4: 32, 6: 128 } as const;

/**
 * The value of a dotted-quad IPv4 address as node's isIPv4 accepts it (four decimal octets 0-255, no
 * leading zero, nothing else), or -1. One pass over the characters: addresses are parsed by the
 * hundred thousand (every corosync peer, sshd Match address, firewall rule).
 */
export function ipv4Value(text: string): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return -1; // a leading zero
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

export function parseIp(text: string): { family: 4 | 6; value: bigint } | undefined {
  const quad = ipv4Value(text);
  if (quad >= 0) return { family: 4, value: BigInt(quad) };
  // A zone (fe80::1%vmbr0) is not part of the address; node's isIPv6 accepts any text after `%`.
  const pct = text.indexOf('%');
  const bare = pct === -1 ? text : text.slice(0, pct);
  if (!isIPv6(bare)) return undefined;
  let head = bare;
  let tail4: bigint | undefined;
  const v4 = /:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (v4) {
    tail4 = parseIp(v4[1])!.value;
    head = bare.slice(0, v4.index + 1) + '0:0';
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const l = left ? left.split(':') : [];
  const r = right !== undefined && right !== '' ? right.split(':') : [];
  const groups = right === undefined ? l : [...l, ...Array(8 - l.length - r.length).fill('0'), ...r];
  if (groups.length !== 8) return undefined;
  let value = groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
  if (tail4 !== undefined) value = (value & ~0xffffffffn) | tail4;
  return { family: 6, value };
}

/**
 * An address, a CIDR network or an `a-b` range. `strict` rejects a CIDR with host bits set and a
 * backwards range, as Perl's Net::IP does for Proxmox firewall rules.
 */
export function parseIpRange(text: string, strict = false): IpRange | string {
  if (strict && text.includes('%')) return `invalid IP address '${text}' (zone suffix)`;
  const dash = text.indexOf('-');
  if (dash > 0 && !text.includes('/')) {
    const a = parseIp(text.slice(0, dash));
    const b = parseIp(text.slice(dash + 1));
    if (!a || !b) return `invalid IP address range '${text}'`;
    if (a.family !== b.family) return `mixed IP versions in range '${text}'`;
    if (a.value > b.value) return `begin address is greater than end address in '${text}'`;
    return { family: a.family, from: a.value, to: b.value, text };
  }
  const slash = text.indexOf('/');
  const addr = slash === -1 ? text : text.slice(0, slash);
  const ip = parseIp(addr);
  if (!ip) return `invalid IP address '${text}'`;
  const bits = BITS[ip.family];
  if (slash === -1) return { family: ip.family, from: ip.value, to: ip.value, text };
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > bits) return `invalid prefix length in '${text}'`;
  const len = Number(lenText);
  const hostMask = (1n << BigInt(bits - len)) - 1n;
  if (strict && (ip.value & hostMask) !== 0n) return `invalid prefix: host bits set in '${text}'`;
  const from = ip.value & ~hostMask & ((1n << BigInt(bits)) - 1n);
  const normalized = len === bits ? addr : text;
  return { family: ip.family, from, to: from | hostMask, text: normalized };
}

export function rangeContains(outer: IpRange, inner: IpRange): boolean {
  return outer.family === inner.family && outer.from <= inner.from && inner.to <= outer.to;
}

export function rangesOverlap(a: IpRange, b: IpRange): boolean {
  return a.family === b.family && a.from <= b.to && b.from <= a.to;
}

export function isLoopback(r: IpRange): boolean {
  if (r.family === 4) return r.from >= 0x7f000000n && r.to <= 0x7fffffffn;
  return r.from === 1n && r.to === 1n;
}

/** The whole address space of a family (0.0.0.0/0 or ::/0). */
export function anyRange(family: 4 | 6): IpRange {
  return { family, from: 0n, to: (1n << BigInt(BITS[family])) - 1n, text: family === 4 ? '0.0.0.0/0' : '::/0' };
}

/** Private, loopback, link-local and unique-local space: what "not a public address" means. */
export const NON_PUBLIC: IpRange[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '169.254.0.0/16',
  '100.64.0.0/10', 'fc00::/7', 'fe80::/10', '::1/128'].map((t) => parseIpRange(t) as IpRange);

/** An address as text: IPv4 dotted quad, IPv6 in RFC 5952 short form (lower case, longest zero run as `::`). */
export function formatIp(family: 4 | 6, value: bigint): string {
  if (family === 4) {
    const v = Number(value);
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  // RFC 5952 5: an IPv4-mapped address keeps its IPv4 part in dotted form.
  if (value >> 32n === 0xffffn) return `::ffff:${formatIp(4, value & 0xffffffffn)}`;
  const groups: number[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(Number((value >> s) & 0xffffn));
  // RFC 5952 4.2: the longest run of two or more zero groups (the first one on a tie) becomes `::`.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (best === -1) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

/** An address text in its canonical form (RFC 5952 for IPv6); the text itself when it is not an address. */
export function canonicalIp(text: string): string {
  if (ipv4Value(text) >= 0) return text; // a dotted quad without leading zeros is its own canonical form
  const ip = parseIp(text);
  return ip ? formatIp(ip.family, ip.value) : text;
}

/** The smallest list of CIDR blocks covering exactly from..to (`a.b.c.d/32`, `x::/128` for single addresses). */
export function rangeToCidrs(family: 4 | 6, from: bigint, to: bigint): string[] {
  const bits = BITS[family];
  const out: string[] = [];
  let cur = from;
  while (cur <= to) {
    // The largest block that starts at cur (aligned) and does not pass `to`.
    let size = 0;
    while (size < bits && (cur & ((1n << BigInt(size + 1)) - 1n)) === 0n && cur + (1n << BigInt(size + 1)) - 1n <= to) size++;
    out.push(`${formatIp(family, cur)}/${bits - size}`);
    cur += 1n << BigInt(size);
  }
  return out;
}

/** A range in canonical form: an address, a CIDR (`2001:db8::/32`) when it is one block, else `from-to`. */
export function formatRange(r: { family: 4 | 6; from: bigint; to: bigint }): string {
  if (r.from === r.to) return formatIp(r.family, r.from);
  const cidrs = rangeToCidrs(r.family, r.from, r.to);
  return cidrs.length === 1 ? cidrs[0] : `${formatIp(r.family, r.from)}-${formatIp(r.family, r.to)}`;
}
