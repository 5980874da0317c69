import { ETC_PROTOCOLS } from '../../parse/pve-fw-tables.js';

/** Protocol names (Debian /etc/protocols plus iptables' spellings) to numbers. */
export const PROTO_NUMBERS: ReadonlyMap<string, number> = new Map([...ETC_PROTOCOLS, ['icmpv6', 58], ['ipv6-icmp', 58]]);

/** ICMP type names as iptables knows them: a type with `code` undefined matches every code of that type. */
export interface IcmpType {
  type: number;
  code?: number;
}

const V4: Record<string, IcmpType> = {
  'echo-reply': { type: 0 }, 'destination-unreachable': { type: 3 }, 'network-unreachable': { type: 3, code: 0 },
  'host-unreachable': { type: 3, code: 1 }, 'protocol-unreachable': { type: 3, code: 2 }, 'port-unreachable': { type: 3, code: 3 },
  'fragmentation-needed': { type: 3, code: 4 }, 'source-route-failed': { type: 3, code: 5 }, 'network-unknown': { type: 3, code: 6 },
  'host-unknown': { type: 3, code: 7 }, 'network-prohibited': { type: 3, code: 9 }, 'host-prohibited': { type: 3, code: 10 },
  'TOS-network-unreachable': { type: 3, code: 11 }, 'TOS-host-unreachable': { type: 3, code: 12 },
  'communication-prohibited': { type: 3, code: 13 }, 'host-precedence-violation': { type: 3, code: 14 },
  'precedence-cutoff': { type: 3, code: 15 }, 'source-quench': { type: 4 }, redirect: { type: 5 },
  'network-redirect': { type: 5, code: 0 }, 'host-redirect': { type: 5, code: 1 }, 'TOS-network-redirect': { type: 5, code: 2 },
  'TOS-host-redirect': { type: 5, code: 3 }, 'echo-request': { type: 8 }, 'router-advertisement': { type: 9 },
  'router-solicitation': { type: 10 }, 'time-exceeded': { type: 11 }, 'ttl-zero-during-transit': { type: 11, code: 0 },
  'ttl-zero-during-reassembly': { type: 11, code: 1 }, 'parameter-problem': { type: 12 }, 'ip-header-bad': { type: 12, code: 0 },
  'required-option-missing': { type: 12, code: 1 }, 'timestamp-request': { type: 13 }, 'timestamp-reply': { type: 14 },
  'address-mask-request': { type: 17 }, 'address-mask-reply': { type: 18 },
};

const V6: Record<string, IcmpType> = {
  'destination-unreachable': { type: 1 }, 'no-route': { type: 1, code: 0 }, 'communication-prohibited': { type: 1, code: 1 },
  'beyond-scope': { type: 1, code: 2 }, 'address-unreachable': { type: 1, code: 3 }, 'port-unreachable': { type: 1, code: 4 },
  'failed-policy': { type: 1, code: 5 }, 'reject-route': { type: 1, code: 6 }, 'packet-too-big': { type: 2 },
  'time-exceeded': { type: 3 }, 'ttl-zero-during-transit': { type: 3, code: 0 }, 'ttl-zero-during-reassembly': { type: 3, code: 1 },
  'parameter-problem': { type: 4 }, 'bad-header': { type: 4, code: 0 }, 'unknown-header-type': { type: 4, code: 1 },
  'unknown-option': { type: 4, code: 2 }, 'echo-request': { type: 128 }, 'echo-reply': { type: 129 },
  'router-solicitation': { type: 133 }, 'router-advertisement': { type: 134 }, 'neighbour-solicitation': { type: 135 },
  'neighbor-solicitation': { type: 135 }, 'neighbour-advertisement': { type: 136 }, 'neighbor-advertisement': { type: 136 },
  redirect: { type: 137 },
};

export const ICMP_TYPES: Record<4 | 6, ReadonlyMap<string, IcmpType>> = { 4: new Map(Object.entries(V4)), 6: new Map(Object.entries(V6)) };

/** Resolves an icmp type as written in a rule (`echo-request`, `8`, `3/4`); undefined when unknown. */
export function icmpType(text: string, family: 4 | 6): IcmpType | undefined {
  if (text === 'any') return { type: -1 };
  const named = ICMP_TYPES[family].get(text);
  if (named) return named;
  const m = /^(\d{1,3})(?:\/(\d{1,3}))?$/.exec(text);
  if (!m) return undefined;
  return { type: Number(m[1]), code: m[2] === undefined ? undefined : Number(m[2]) };
}
