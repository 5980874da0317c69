import { formatIp, rangeContains, type IpRange } from '../../parse/ip-address.js';
import { parseAddress } from './addr.js';
import { parsePacket, type Packet } from './packet.js';
import type { Decision, Verdict } from './program.js';
import type { Simulator } from './simulator.js';

/** Who knocks: one representative address per source class. */
export interface SourceClass {
  kind: 'admin' | 'peer' | 'non-admin' | 'public';
  /** "admin 10.10.0.0/24", "peer pve2 ring0", "public IPv4" */
  label: string;
  /** The address probed. */
  address: string;
  family: 4 | 6;
  /** Where this class was declared (config admin_sources, cluster.fw [IPSET management], corosync.conf ...). */
  origin: string;
}

export interface Service {
  name: 'ssh' | 'web' | 'spice' | 'corosync' | 'migration';
  proto: 'tcp' | 'udp';
  /** Ports probed (edges of ranges). */
  ports: number[];
  /** Destination: the node's own address, or (corosync) its ring address on the source's ring. */
}

export interface PortVerdict {
  port: number;
  verdict: Verdict;
  decision: Decision;
  packet: Packet;
}

export interface MatrixCell {
  source: SourceClass;
  service: Service;
  /** ACCEPT/DROP/REJECT when every probed port agrees, PARTIAL otherwise. */
  verdict: Verdict | 'PARTIAL';
  ports: PortVerdict[];
}

export interface Matrix {
  node: string;
  manager: string;
  sources: SourceClass[];
  services: Service[];
  cells: MatrixCell[];
}

export const SERVICES: Record<'iptables' | 'nftables', Service[]> = {
  iptables: [
    { name: 'ssh', proto: 'tcp', ports: [22] },
    { name: 'web', proto: 'tcp', ports: [8006] },
    { name: 'spice', proto: 'tcp', ports: [3128] },
    { name: 'corosync', proto: 'udp', ports: [5404, 5405] },
    { name: 'migration', proto: 'tcp', ports: [60000, 60050] },
  ],
  nftables: [
    { name: 'ssh', proto: 'tcp', ports: [22] },
    { name: 'web', proto: 'tcp', ports: [8006] },
    { name: 'spice', proto: 'tcp', ports: [3128] },
    { name: 'corosync', proto: 'udp', ports: [5405, 5412] },
    { name: 'migration', proto: 'tcp', ports: [60000, 60050] },
  ],
};

export interface MatrixTarget {
  node: string;
  manager: string;
  sim: Simulator;
  /** The node's IPv4 / IPv6 address (destination of the probes). */
  hostIp?: string;
  hostIp6?: string;
  /** The node's own ring addresses by position (ring0, ring1...), for corosync probes from peers. */
  ringAddrs?: string[];
  iface?: string;
}

const FALLBACK_DST = { 4: '192.0.2.1', 6: '2001:db8::1' } as const;

/** Probes every source class against every service (the first packet of a new connection, inbound). */
export function reachabilityMatrix(target: MatrixTarget, sources: SourceClass[], services: Service[]): Matrix {
  const cells: MatrixCell[] = [];
  for (const source of sources) {
    for (const service of services) {
      const dst = destinationFor(target, source, service);
      const ports = service.ports.map((port) => {
        const packet = parsePacket({ direction: 'in', src: source.address, dst, proto: service.proto, dport: port, sport: 40000, iface: target.iface ?? 'vmbr0' });
        const decision = target.sim.decide(packet);
        return { port, verdict: decision.verdict, decision, packet };
      });
      const verdicts = new Set(ports.map((p) => p.verdict));
      cells.push({ source, service, verdict: verdicts.size === 1 ? ports[0].verdict : 'PARTIAL', ports });
    }
  }
  return { node: target.node, manager: target.manager, sources, services, cells };
}

function destinationFor(t: MatrixTarget, s: SourceClass, svc: Service): string {
  if (svc.name === 'corosync' && s.kind === 'peer' && t.ringAddrs) {
    const ring = /ring(\d+)/.exec(s.label);
    const own = ring ? t.ringAddrs[Number(ring[1])] : undefined;
    if (own && parseAddress(own)?.family === s.family) return own;
  }
  const own = s.family === 4 ? t.hostIp : t.hostIp6;
  return own && parseAddress(own)?.family === s.family ? own : FALLBACK_DST[s.family];
}

/** A representative host address inside a range (not the network address of a subnet). */
export function representative(r: IpRange): string {
  return formatIp(r.family, r.to > r.from ? r.from + 1n : r.from);
}

const PUBLIC_CANDIDATES = { 4: ['8.8.8.8', '1.1.1.1', '9.9.9.9', '198.18.0.77'], 6: ['2001:4860:4860::8888', '2606:4700:4700::1111'] } as const;

/** A public address of the family outside every given range (admin sources must not be mistaken for the Internet). */
export function publicAddress(family: 4 | 6, avoid: IpRange[]): string {
  for (const c of PUBLIC_CANDIDATES[family]) {
    const a = parseAddress(c)!;
    const v = family === 4 ? BigInt(a.v4) : a.v6;
    if (!avoid.some((r) => rangeContains(r, { family, from: v, to: v, text: c }))) return c;
  }
  return PUBLIC_CANDIDATES[family][0];
}

/**
 * What decided a verdict, worded to follow "ACCEPT by": the deciding rule's configuration line (and
 * what the rule is for), e.g. "security group web (/etc/pve/firewall/cluster.fw:30 `GROUP web`)".
 */
export function explainDecision(d: Decision): string {
  const r = d.rule;
  if (!r) return d.reason;
  // Notes like "accepted by security group web" already say "accepted by": the caller says it once.
  const note = r.note?.replace(/^accepted by /, '');
  const where = r.origin ? `${r.origin.file}:${r.origin.line} \`${r.origin.text}\`` : note ?? `${r.chain} rule ${r.index}`;
  return r.origin && note ? `${note} (${where})` : where;
}
