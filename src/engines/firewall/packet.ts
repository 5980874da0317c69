import { addressType, parseAddress, type Address } from './addr.js';
import { ICMP_TYPES, PROTO_NUMBERS } from './tables.js';

/**
 * The first packet of a new connection, as the engine evaluates it: the oracle's packet description
 * (`{"id","direction","src","dst","proto","dport","sport","icmp_type","iface"}`) after validation.
 */
export interface Packet {
  id?: string;
  direction: 'in' | 'out';
  src: Address;
  dst: Address;
  family: 4 | 6;
  /** IP protocol number (tcp 6, udp 17, icmp 1, icmpv6 58, ...). */
  proto: number;
  protoName: string;
  dport?: number;
  sport?: number;
  icmpType?: number;
  icmpCode?: number;
  icmpName?: string;
  /** Input interface for `in`, output interface for `out`. */
  iface: string;
  dstType: 'UNICAST' | 'MULTICAST' | 'BROADCAST';
  srcType: 'UNICAST' | 'MULTICAST' | 'BROADCAST';
}

/** A packet description that cannot be evaluated; the message names the field. */
export class PacketError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'PacketError';
  }
}

/** Defaults for omitted fields: the node's own address stands in for the missing end. */
export interface PacketDefaults {
  hostIp?: string;
  iface?: string;
  /** Accept tcp/udp packets without a destination port (upstream's tests leave it out; rules with -dport then never match). */
  optionalDport?: boolean;
}

const KNOWN_FIELDS = new Set(['id', 'direction', 'src', 'dst', 'proto', 'dport', 'sport', 'icmp_type', 'iface']);

/** Validates a packet description (one JSON object of the oracle's packets.jsonl). */
export function parsePacket(input: unknown, defaults: PacketDefaults = {}): Packet {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new PacketError('packet', 'packet: expected a JSON object');
  const o = input as Record<string, unknown>;
  const id = o.id === undefined ? undefined : String(o.id);
  const where = id !== undefined ? `packet ${id}: ` : 'packet: ';
  const bad = (field: string, why: string): never => {
    throw new PacketError(field, `${where}field "${field}" ${why}`);
  };
  for (const k of Object.keys(o)) if (!KNOWN_FIELDS.has(k)) bad(k, `is not a packet field (known: ${[...KNOWN_FIELDS].join(', ')})`);

  const direction = o.direction ?? 'in';
  if (direction !== 'in' && direction !== 'out') bad('direction', `must be "in" or "out", got ${JSON.stringify(direction)}`);

  const addr = (field: 'src' | 'dst'): Address => {
    let v = o[field];
    if (v === undefined) {
      const own = (direction === 'in') === (field === 'dst');
      if (own && defaults.hostIp) v = defaults.hostIp;
      else bad(field, own ? 'is missing (and no host address is known to stand in for it)' : 'is missing');
    }
    if (typeof v !== 'string') return bad(field, `must be an IP address string, got ${JSON.stringify(v)}`);
    const a = parseAddress(v);
    if (!a) return bad(field, `is not an IP address: ${JSON.stringify(v)}`);
    return a;
  };
  const src = addr('src');
  const dst = addr('dst');
  if (src.family !== dst.family) bad('dst', `is IPv${dst.family} while src is IPv${src.family}`);

  const protoName = o.proto === undefined ? 'tcp' : o.proto;
  if (typeof protoName !== 'string' && typeof protoName !== 'number') return bad('proto', 'must be a protocol name or number');
  const proto = typeof protoName === 'number' ? protoName : /^\d+$/.test(protoName) ? Number(protoName) : PROTO_NUMBERS.get(protoName.toLowerCase());
  if (proto === undefined || !Number.isInteger(proto) || proto < 0 || proto > 255) return bad('proto', `unknown protocol ${JSON.stringify(protoName)}`);

  const port = (field: 'dport' | 'sport'): number | undefined => {
    const v = o[field];
    if (v === undefined) return undefined;
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535) bad(field, `must be a port number 0-65535, got ${JSON.stringify(v)}`);
    if (proto !== 6 && proto !== 17 && proto !== 132 && proto !== 33 && proto !== 136) bad(field, `is only valid for tcp/udp packets, not ${protoName}`);
    return n as number;
  };
  const dport = port('dport');
  const sport = port('sport');
  if ((proto === 6 || proto === 17) && dport === undefined && !defaults.optionalDport) bad('dport', `is required for ${protoName} packets`);

  let icmpType: number | undefined;
  let icmpCode: number | undefined;
  let icmpName: string | undefined;
  if (o.icmp_type !== undefined) {
    if (proto !== 1 && proto !== 58) bad('icmp_type', `is only valid for icmp/icmpv6 packets, not ${protoName}`);
    const t = ICMP_TYPES[proto === 1 ? 4 : 6].get(String(o.icmp_type));
    if (!t) bad('icmp_type', `unknown icmp type ${JSON.stringify(o.icmp_type)}`);
    icmpType = t!.type;
    icmpCode = t!.code;
    icmpName = String(o.icmp_type);
  } else if (proto === 1 || proto === 58) {
    icmpType = proto === 1 ? 8 : 128;
    icmpName = 'echo-request';
  }
  if (src.family === 4 && proto === 58) bad('proto', 'icmpv6 with IPv4 addresses');
  if (src.family === 6 && proto === 1) bad('proto', 'icmp with IPv6 addresses (use icmpv6)');

  let iface = o.iface ?? defaults.iface ?? 'vmbr0';
  if (typeof iface !== 'string' || !/^[A-Za-z0-9_.:@-]{1,15}(\/[A-Za-z0-9_.:@-]+)?$/.test(iface)) return bad('iface', `is not an interface name: ${JSON.stringify(iface)}`);
  // `vmbr1/eth1` (bridge/port, the upstream tests' notation) arrives on the bridge.
  iface = iface.split('/')[0];

  return {
    id, direction: direction as 'in' | 'out', src, dst, family: src.family, proto, protoName: String(protoName),
    dport, sport, icmpType, icmpCode, icmpName, iface: iface as string, dstType: addressType(dst), srcType: addressType(src),
  };
}

/** One-line description of a packet for messages. */
export function describePacket(p: Packet): string {
  const port = p.dport !== undefined ? `/${p.dport}` : p.icmpName ? ` ${p.icmpName}` : '';
  return `${p.direction} ${p.protoName}${port} ${p.src.text} -> ${p.dst.text} (${p.direction === 'in' ? 'in on' : 'out via'} ${p.iface})`;
}
