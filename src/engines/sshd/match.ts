/**
 * OpenSSH's pattern and address matching (match.c, addrmatch.c, groupaccess.c) as sshd applies it to
 * Match criteria: `*`/`?` wildcards, comma lists where a negated hit (`!pat`) rejects the whole list,
 * CIDR lists that refuse host bits beyond the mask (`10.0.0.5/8`).
 */
import { isIPv4, isIPv6 } from 'node:net';

/** match_pattern: `*` any run, `?` one character, everything else literal. Iterative, O(n*m) worst. */
export function matchPattern(s: string, pattern: string): boolean {
  let si = 0;
  let pi = 0;
  let starP = -1;
  let starS = 0;
  while (si < s.length) {
    if (pi < pattern.length && (pattern[pi] === '?' || (pattern[pi] !== '*' && pattern[pi] === s[si]))) {
      si++;
      pi++;
    } else if (pi < pattern.length && pattern[pi] === '*') {
      starP = pi++;
      starS = si;
    } else if (starP !== -1) {
      pi = starP + 1;
      si = ++starS;
    } else return false;
  }
  while (pi < pattern.length && pattern[pi] === '*') pi++;
  return pi === pattern.length;
}

/** match_pattern_list: 1 positive, 0 none, -1 a negated sub-pattern matched. */
export function matchPatternList(s: string, list: string, lower = false): -1 | 0 | 1 {
  let positive = false;
  for (let raw of list.split(',')) {
    const negated = raw.startsWith('!');
    if (negated) raw = raw.slice(1);
    if (raw.length >= 1023) return 0;
    const sub = lower ? raw.replace(/[A-Z]/g, (c) => c.toLowerCase()) : raw;
    if (matchPattern(s, sub)) {
      if (negated) return -1;
      positive = true;
    }
  }
  return positive ? 1 : 0;
}

export const matchHostname = (host: string, list: string): -1 | 0 | 1 => matchPatternList(host.toLowerCase(), list, true);

/** ga_match_pattern_list: any group hitting a negated pattern rejects; otherwise any positive hit matches. */
export function matchGroups(groups: readonly string[], list: string): boolean {
  let found = false;
  for (const g of groups) {
    const r = matchPatternList(g, list);
    if (r === -1) return false;
    if (r === 1) found = true;
  }
  return found;
}

interface Cidr {
  bytes: number[];
  masklen: number;
}

function parseAddress(text: string): number[] | null {
  if (isIPv4(text)) return text.split('.').map(Number);
  if (isIPv6(text) && !text.includes('%')) {
    const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
    const part = (p: string): number[] => {
      if (p === '') return [];
      const groups = p.split(':');
      const out: number[] = [];
      for (const g of groups) {
        if (g.includes('.')) out.push(...g.split('.').map(Number));
        else {
          const v = parseInt(g, 16);
          out.push(v >> 8, v & 0xff);
        }
      }
      return out;
    };
    const h = part(head);
    if (tail === null) return h;
    const t = part(tail);
    return [...h, ...new Array(16 - h.length - t.length).fill(0), ...t];
  }
  return null;
}

/** addr_pton_cidr: 0 parsed, -1 not an address (try wildcard), -2 invalid mask or host bits set. */
function parseCidr(text: string): Cidr | -1 | -2 {
  if (text.length >= 64) return -1;
  let addr = text;
  let masklen = -1;
  const slash = text.indexOf('/');
  if (slash !== -1) {
    addr = text.slice(0, slash);
    const m = text.slice(slash + 1);
    if (!/^[0-9]+$/.test(m)) return -1;
    masklen = Number(m);
    if (masklen > 128) return -1;
  }
  const bytes = parseAddress(addr);
  if (bytes === null) return -1;
  const bits = bytes.length * 8;
  if (masklen === -1) masklen = bits;
  if (masklen > bits) return -2;
  for (let b = masklen; b < bits; b++) if (bytes[b >> 3] & (0x80 >> (b & 7))) return -2;
  return { bytes, masklen };
}

function netMatch(addr: number[], net: Cidr): boolean {
  if (addr.length !== net.bytes.length) return false;
  for (let b = 0; b < net.masklen; b++) {
    const mask = 0x80 >> (b & 7);
    if ((addr[b >> 3] & mask) !== (net.bytes[b >> 3] & mask)) return false;
  }
  return true;
}

interface AddressListEntry {
  neg: boolean;
  /** The entry without its `!`. */
  cp: string;
  r: Cidr | -1 | -2;
}

/** Address lists already cut and parsed: a reprocess pass per connection meets the same Match lines again. */
const addressLists = new Map<string, AddressListEntry[]>();

function addressList(list: string): AddressListEntry[] {
  let entries = addressLists.get(list);
  if (entries) return entries;
  entries = list.split(',').map((raw) => {
    const neg = raw.startsWith('!');
    const cp = neg ? raw.slice(1) : raw;
    return { neg, cp, r: cp === '' ? -1 : parseCidr(cp) };
  });
  if (addressLists.size >= 100_000) addressLists.clear();
  addressLists.set(list, entries);
  return entries;
}

let lastAddr: string | undefined;
let lastBytes: number[] | null = null;

/** addr_match_list: 1 match, 0 none, -1 negated match, -2 invalid list. `addr` null = syntax check only. */
export function addrMatchList(addr: string | null, list: string): -2 | -1 | 0 | 1 {
  let tryAddr: number[] | null = null;
  if (addr !== null) {
    // a pass asks about one connection's address at every Match line
    if (addr !== lastAddr) {
      lastAddr = addr;
      lastBytes = parseAddress(addr);
    }
    tryAddr = lastBytes;
    if (tryAddr === null) return 0;
  }
  let ret: -2 | -1 | 0 | 1 = 0;
  for (const { neg, cp, r } of addressList(list)) {
    if (cp === '') return -2;
    if (r === -2) return -2;
    let hit = false;
    if (r !== -1) hit = tryAddr !== null && netMatch(tryAddr, r);
    else hit = addr !== null && matchPattern(addr, cp);
    if (hit) {
      if (neg) return -1;
      ret = 1;
    }
  }
  return ret;
}
