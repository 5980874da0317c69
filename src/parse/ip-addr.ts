import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';
import { parseIp, parseIpRange, type IpRange } from './ip-address.js';

/** One address line of `ip -o addr show`. */
export interface InterfaceAddress {
  /** Interface index and name (vmbr0, vmbr0.20, eno1). */
  index: number;
  ifname: string;
  family: 4 | 6;
  /** The local address, without prefix (10.10.10.11, fe80::1). */
  address: string;
  prefix: number;
  /** The network the address sits in (10.10.10.0/24); for a point-to-point address, the peer's prefix. */
  network: IpRange;
  /** `peer` address of a point-to-point link (wg0, tun0), when present. */
  peer?: string;
  /** host, link, global ... */
  scope: string;
  /** Flags such as secondary, dynamic, noprefixroute, tentative, deprecated. */
  flags: string[];
  /** The IPv4 label (vmbr0, or an alias label such as vmbr0:1). */
  label?: string;
  line: number;
}

const VALUED = new Set(['brd', 'any', 'peer', 'scope', 'metric', 'proto', 'label']);

/**
 * Parses `ip -o addr show` (iproute2 one-line mode): `<index>: <ifname>    inet[6] <addr>/<len> [brd X]
 * [peer P/len] scope S [flags] [label]\       valid_lft ... preferred_lft ...`. Lines of other kinds
 * (link/ether when a different mode was used) are skipped with a diagnostic.
 */
export function parseIpAddr(input: string | Buffer, file = 'ip -o addr show'): Parsed<InterfaceAddress[]> {
  const text = asText(input, file);
  const value: InterfaceAddress[] = [];
  const diagnostics: Diagnostic[] = [];
  const warn = (line: number, message: string) => diagnostics.push({ file, line, message, severity: 'warning' });
  for (const { line, text: raw } of numberedLines(text)) {
    if (!raw.trim()) continue;
    // One-line mode joins the continuation lines with a backslash: only the first part is the address.
    const head = raw.split('\\')[0];
    const m = /^\s*(\d+):\s+(\S+?)(?:@\S+)?\s+(\S+)\s+(\S+)(.*)$/.exec(head);
    if (!m || (m[3] !== 'inet' && m[3] !== 'inet6')) {
      warn(line, `not an address line (expected "<index>: <ifname> inet|inet6 <address>/<prefix> ...")`);
      continue;
    }
    const [, indexText, ifname, kind, local, rest] = m;
    const family = kind === 'inet' ? 4 : 6;
    const tokens = rest.trim().split(/\s+/).filter(Boolean);
    const fields = new Map<string, string>();
    const flags: string[] = [];
    let label: string | undefined;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (VALUED.has(t) && i + 1 < tokens.length) fields.set(t, tokens[++i]);
      else if (family === 4 && i === tokens.length - 1 && (t === ifname || t.startsWith(`${ifname}:`))) label = t;
      else flags.push(t);
    }
    const peerText = fields.get('peer');
    // With `peer`, the prefix belongs to the peer (`inet 172.16.0.1 peer 172.16.0.2/32`).
    const withPrefix = peerText ?? local;
    const slash = withPrefix.indexOf('/');
    const address = peerText || slash === -1 ? local.split('/')[0] : local.slice(0, slash);
    const prefixText = slash === -1 ? String(family === 4 ? 32 : 128) : withPrefix.slice(slash + 1);
    const ip = parseIp(address);
    if (!ip || ip.family !== family) {
      warn(line, `invalid ${kind} address "${address}"`);
      continue;
    }
    const base = peerText ? peerText.slice(0, slash === -1 ? undefined : slash) : address;
    const range = parseIpRange(`${base}/${prefixText}`);
    if (typeof range === 'string') {
      warn(line, range);
      continue;
    }
    const network = { ...range, text: `${formatIp(range.family, range.from)}/${prefixText}` };
    value.push({
      index: Number(indexText), ifname, family, address, prefix: Number(prefixText), network,
      ...(peerText ? { peer: base } : {}), scope: fields.get('scope') ?? 'global', flags, ...(label ? { label } : {}), line,
    });
  }
  return { value, diagnostics };
}

/** An address value as text: dotted quad, or IPv6 with the longest run of zero groups compressed. */
export function formatIp(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((value >> s) & 0xffffn).toString(16));
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len) best = { at: i, len: j - i };
  }
  if (best.at === -1) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}
