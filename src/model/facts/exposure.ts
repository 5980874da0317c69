import { FILES } from '../../collect/sources.js';
import type { Evidence } from '../../core/types.js';
import { exactExposure, SOURCE_PORT, type Exposure, type ExposureService } from '../../engines/firewall/exposure.js';
import { countAddresses, RangeSet, summarizeCidrs } from '../../engines/firewall/ranges.js';
import { canonicalIp, parseIp, parseIpRange, type IpRange } from '../../parse/ip-address.js';
import { parsePropertyString } from '../../parse/section-config.js';
import { nodeFact, Unavailable, type FactContext } from '../fact.js';
import { adminRanges, corosyncTopologyFact, nodeFirewallFact, type NodeFirewall } from './firewall.js';
import { datacenterFact } from './pve.js';
import { sshdFact, sshdValue } from './ssh.js';

/**
 * Exact exposure of a node's services (see engines/firewall/exposure.ts) and the classification of
 * source addresses the FW checks judge it by (admin, peer, declared non-admin, public).
 */

export type ServiceName = 'ssh' | 'web' | 'spice' | 'corosync' | 'migration';

/** Where sshd listens, from `sshd -T` (Port/ListenAddress), else sshd_config, else the default 22. */
export interface SshService {
  service: ExposureService;
  /** Families sshd accepts connections on (a ListenAddress of the other family only: not reachable over it). */
  families: (4 | 6)[];
  /** A specific listen address per family (sshd bound to one address instead of the wildcard). */
  listen: Partial<Record<4 | 6, string>>;
  /** Why the port is assumed rather than known, when it is. */
  note?: string;
  evidence: Evidence[];
}

export const sshServiceFact = nodeFact<SshService>('firewall.ssh-service', (ctx) => {
  let state;
  try {
    state = ctx.get(sshdFact);
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
    return defaultSsh(`SSH assumed on tcp/22: sshd's configuration was not collected (${e.reason})`);
  }
  const listen: Partial<Record<4 | 6, string>> = {};
  const families = new Set<4 | 6>();
  const ports = new Set<number>();
  const la = sshdValue(state, 'listenaddress');
  const fromListen = la && !la.isDefault ? la.values : [];
  for (const v of fromListen) {
    const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(v.split(/\s+/)[0]) ?? /^([^:]+)(?::(\d+))?$/.exec(v.split(/\s+/)[0]);
    const ip = m ? parseIp(m[1]) : undefined;
    if (!m || !ip) continue;
    families.add(ip.family);
    if (m[2]) ports.add(Number(m[2]));
    if (ip.value !== 0n && listen[ip.family] === undefined) listen[ip.family] = canonicalIp(m[1]);
  }
  if (!ports.size) for (const p of sshdValue(state, 'port')?.values ?? []) if (/^\d+$/.test(p)) ports.add(Number(p));
  if (!ports.size) return defaultSsh('SSH assumed on tcp/22: sshd reports no port');
  const evidence = [...(la && !la.isDefault ? la.evidence : []), ...(sshdValue(state, 'port')?.evidence ?? [])].slice(0, 4);
  const sorted = [...ports].sort((a, b) => a - b);
  return {
    service: { name: 'ssh', proto: 'tcp', ports: sorted.map((p) => [p, p]) },
    families: families.size ? [...families].sort() : [4, 6],
    listen,
    note: state.source === 'files' ? `sshd port from ${FILES.sshdConfig} (${state.sshdTNote ?? 'sshd -T not collected'})` : undefined,
    evidence,
  };
});

function defaultSsh(note: string): SshService {
  return { service: { name: 'ssh', proto: 'tcp', ports: [[22, 22]] }, families: [4, 6], listen: {}, note, evidence: [] };
}

/** The services Proxmox needs, as the node's firewall backend defines them (corosync ports differ). */
export function standardServices(backend: 'iptables' | 'nftables', ssh: ExposureService): Record<ServiceName, ExposureService> {
  return {
    ssh,
    web: { name: 'web', proto: 'tcp', ports: [[8006, 8006]] },
    spice: { name: 'spice', proto: 'tcp', ports: [[3128, 3128]] },
    corosync: { name: 'corosync', proto: 'udp', ports: [backend === 'nftables' ? [5405, 5412] : [5404, 5405]] },
    migration: { name: 'migration', proto: 'tcp', ports: [[60000, 60050]] },
  };
}

/** `ssh`, `web`, ..., or `PORT/PROTO` / `FROM-TO/PROTO`; undefined when not one of those. */
export function parseServiceSpec(text: string, services: Record<ServiceName, ExposureService>): ExposureService | undefined {
  if (text in services) return services[text as ServiceName];
  const m = /^(\d{1,5})(?:[-:](\d{1,5}))?\/(tcp|udp)$/i.exec(text);
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from > 65535 || to > 65535 || from > to) return undefined;
  return { name: text.toLowerCase(), proto: m[3].toLowerCase() as 'tcp' | 'udp', ports: [[from, to]] };
}

/** The fixed parts of the packets (the node's address as destination, vmbr0, source port 40000) and a cache of answers. */
export interface NodeExposure {
  fw: NodeFirewall;
  ssh: SshService;
  services: Record<ServiceName, ExposureService>;
  /** The destination held fixed for a family, and whether it is the node's real address. */
  destination(family: 4 | 6): { dst: string; known: boolean };
  /** Exact exposure of a service (destination: the node's own address of the family, or `dst`). */
  of(service: ExposureService, family: 4 | 6, dst?: string): Exposure;
}

export const INPUT_INTERFACE = 'vmbr0';
const FALLBACK_DST = { 4: '192.0.2.1', 6: '2001:db8::1' } as const;

export const nodeExposureFact = nodeFact<NodeExposure>('firewall.exposure', (ctx) => {
  const fw = ctx.get(nodeFirewallFact);
  const ssh = ctx.get(sshServiceFact);
  const services = standardServices(fw.backend, ssh.service);
  const own6 = fw.ringAddrs.find((a) => parseIp(a)?.family === 6);
  const destination = (family: 4 | 6) => {
    const own = family === 4 ? fw.hostIp : own6;
    return own ? { dst: own, known: true } : { dst: FALLBACK_DST[family], known: false };
  };
  const cache = new Map<string, Exposure>();
  return {
    fw, ssh, services, destination,
    of(service, family, dst) {
      const to = dst ?? (service.name === 'ssh' ? ssh.listen[family] : undefined) ?? destination(family).dst;
      const key = `${service.name} ${service.proto} ${JSON.stringify(service.ports)} ${family} ${to}`;
      let e = cache.get(key);
      if (!e) cache.set(key, (e = exactExposure(fw.sim, service, { family, dst: to, iface: INPUT_INTERFACE, sport: SOURCE_PORT })));
      return e;
    },
  };
});

// ---------------------------------------------------------------- who is who

/** A cluster peer's address on one corosync link. */
export interface PeerAddress {
  node: string;
  /** ring0, ring1, ... */
  ring: string;
  addr: string;
  family?: 4 | 6;
  /** Set when addr is not an IP address (a hostname that was not resolved). */
  unresolved?: string;
}

/**
 * Source addresses by the role the FW checks judge them by:
 * - admin: configured `admin_sources`, else the `management` ipset plus local_network;
 * - peer: the other nodes' corosync ring addresses;
 * - non-admin: configured `non_admin_networks` (minus admin and peer addresses);
 * - public: every other address except special-purpose space: IPv4 private (RFC 1918), shared (100.64/10),
 *   loopback, link-local, "this network" (0/8), multicast and reserved (224/3); IPv6 outside global
 *   unicast 2000::/3 (ULA, link-local, multicast, loopback, IPv4-mapped).
 * Private space that nobody declared non-admin is neither: the checks do not judge it.
 */
export interface AddressPolicy {
  admin: Record<4 | 6, RangeSet>;
  adminRanges: IpRange[];
  adminOrigin: string;
  peers: PeerAddress[];
  peerSet: Record<4 | 6, RangeSet>;
  nonAdmin: Record<4 | 6, RangeSet>;
  public: Record<4 | 6, RangeSet>;
}

const SPECIAL4 = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '224.0.0.0/3'];
const GLOBAL6 = '2000::/3';

const ranges = (texts: string[]) => texts.map((t) => parseIpRange(t)).filter((r): r is IpRange => typeof r !== 'string');
const setsOf = (rs: IpRange[]): Record<4 | 6, RangeSet> => ({ 4: RangeSet.fromRanges(4, rs), 6: RangeSet.fromRanges(6, rs) });

/** The public address space of a family (before taking admin/peer/non-admin addresses out). */
export function publicSpace(family: 4 | 6): RangeSet {
  return family === 4 ? RangeSet.fromRanges(4, ranges(SPECIAL4)).complement() : RangeSet.fromRanges(6, ranges([GLOBAL6]));
}

/** The other nodes' ring addresses (a ring address that is not an IP is kept, marked unresolved). */
export function peerAddresses(ctx: FactContext): PeerAddress[] {
  const topo = ctx.get(corosyncTopologyFact);
  const out: PeerAddress[] = [];
  for (const n of topo?.nodes ?? []) {
    if (n.name === ctx.node.name) continue;
    for (const r of n.rings as { key: string; addr: string; unresolved?: string }[]) {
      const ip = parseIp(r.addr);
      const ring = r.key.replace('_addr', '');
      out.push(ip ? { node: n.name, ring, addr: canonicalIp(r.addr), family: ip.family } : { node: n.name, ring, addr: r.addr, unresolved: r.unresolved ?? 'hostname not resolved' });
    }
  }
  return out;
}

export function addressPolicy(ctx: FactContext): AddressPolicy {
  const fw = ctx.get(nodeFirewallFact);
  const admin = adminRanges(ctx, fw);
  const adminSet = setsOf(admin.ranges);
  let peers: PeerAddress[] = [];
  try {
    peers = peerAddresses(ctx);
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
  }
  const peerSet = setsOf(peers.flatMap((p) => (p.family ? [parseIpRange(p.addr) as IpRange] : [])));
  const known = (f: 4 | 6) => adminSet[f].union(peerSet[f]);
  const declared = setsOf(ranges(ctx.config.non_admin_networks));
  const nonAdmin = { 4: declared[4].minus(known(4)), 6: declared[6].minus(known(6)) };
  const pub = { 4: publicSpace(4).minus(known(4)).minus(declared[4]), 6: publicSpace(6).minus(known(6)).minus(declared[6]) };
  return { admin: adminSet, adminRanges: admin.ranges, adminOrigin: admin.origin, peers, peerSet, nonAdmin, public: pub };
}

/** The network cluster traffic other than corosync (SSH, migration) uses: datacenter.cfg `migration: network=`, else ring0. */
export function migrationNetwork(ctx: FactContext): { range?: IpRange; evidence?: Evidence } {
  const dc = ctx.tryGet(datacenterFact);
  const m = dc?.values.get('migration');
  if (!m) return {};
  const net = parsePropertyString(m.value, 'type').get('network');
  const r = net ? parseIpRange(net) : undefined;
  return r && typeof r !== 'string' ? { range: r, evidence: { source: FILES.datacenterCfg, line: m.line, text: `migration: ${m.value}` } } : {};
}

/** One thing a peer must reach on this node: a service, from one of its addresses, to this node's address on that link. */
export interface PeerRequirement {
  peer: PeerAddress;
  service: ExposureService;
  /** This node's address on the same link (undefined: the node's own address of the family). */
  dst?: string;
}

/**
 * What cluster traffic needs from each peer: corosync on every link (each ring address), SSH and
 * migration over the cluster network (datacenter.cfg `migration: network=`, else ring0), never on a
 * backup link. Peer addresses that are not IPs are listed as unresolved instead.
 */
export function peerRequirements(ctx: FactContext, nx: NodeExposure): { requirements: PeerRequirement[]; unresolved: PeerAddress[]; notes: string[]; migration: ReturnType<typeof migrationNetwork> } {
  const topo = ctx.get(corosyncTopologyFact);
  const own = new Map((topo?.nodes.find((n) => n.name === ctx.node.name)?.rings ?? []).map((r) => [r.key.replace('_addr', ''), r.addr]));
  const mig = migrationNetwork(ctx);
  const peers = peerAddresses(ctx);
  const requirements: PeerRequirement[] = [];
  const unresolved: PeerAddress[] = [];
  const notes: string[] = [];
  const dstFor = (p: PeerAddress): string | undefined => {
    const mine = own.get(p.ring);
    const ip = mine ? parseIp(mine) : undefined;
    return ip && ip.family === p.family ? canonicalIp(mine!) : undefined;
  };
  const inNetwork = (p: PeerAddress, r: IpRange) => {
    const ip = p.family ? parseIp(p.addr) : undefined;
    return !!ip && ip.family === r.family && r.from <= ip.value && ip.value <= r.to;
  };
  const linksOf = new Map<string, PeerAddress[]>();
  for (const p of peers) {
    const l = linksOf.get(p.node);
    if (l) l.push(p);
    else linksOf.set(p.node, [p]);
  }
  for (const [node, links] of linksOf) {
    for (const p of links) {
      if (p.unresolved) unresolved.push(p);
      else requirements.push({ peer: p, service: nx.services.corosync, dst: dstFor(p) });
    }
    let cluster = mig.range ? links.find((p) => inNetwork(p, mig.range!)) : undefined;
    if (mig.range && !cluster) notes.push(`${node} has no ring address in the migration network ${mig.range.text}: its ring0 address stands in`);
    cluster ??= links.find((p) => p.ring === 'ring0') ?? links[0];
    if (!cluster) continue;
    if (cluster.unresolved) {
      if (!unresolved.includes(cluster)) unresolved.push(cluster);
      continue;
    }
    requirements.push({ peer: cluster, service: nx.ssh.service, dst: dstFor(cluster) }, { peer: cluster, service: nx.services.migration, dst: dstFor(cluster) });
  }
  return { requirements, unresolved, notes, migration: mig };
}

/** "public addresses 0.0.0.0/5, ... (3,758,096,384 addresses); non-admin 10.50.0.0/16 (65,536 addresses)" */
export function describeOffenders(set: RangeSet, policy: AddressPolicy): string {
  const f = set.family;
  const parts: string[] = [];
  const pub = set.intersect(policy.public[f]);
  const non = set.intersect(policy.nonAdmin[f]);
  if (!pub.isEmpty()) parts.push(`public addresses ${summarizeCidrs(pub)} (${countAddresses(pub.size())})`);
  if (!non.isEmpty()) parts.push(`non-admin ${summarizeCidrs(non)} (${countAddresses(non.size())})`);
  return parts.join('; ');
}

