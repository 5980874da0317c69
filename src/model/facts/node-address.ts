import { COMMANDS, FILES } from '../../collect/sources.js';
import type { Evidence } from '../../core/types.js';
import { corosyncTopology, type CorosyncTopology } from '../../engines/firewall/pve-common.js';
import { parseCorosyncConf } from '../../parse/corosync.js';
import { hostsEntriesFor, parseEtcHosts, type HostsEntry } from '../../parse/etc-hosts.js';
import { parseIpAddr, type InterfaceAddress } from '../../parse/ip-addr.js';
import { parseIp, rangeContains } from '../../parse/ip-address.js';
import { nodeFact, Unavailable } from '../fact.js';

/** The node's address and local network, decided the way Proxmox decides them. */
export interface NodeAddress {
  /** The node's IP (PVE::Cluster::remote_node_ip): undefined when Proxmox could not tell it either (see notes). */
  ip?: string;
  /** Where the IP came from. */
  ipFrom?: 'corosync.conf' | '/etc/hosts';
  /** The network of the interface address that contains ip (what pve-firewall's local_network detection finds). */
  localNetwork?: string;
  /** Whether the interface addresses were collected: then an undefined localNetwork means Proxmox finds none. */
  interfacesSeen: boolean;
  interfaces: InterfaceAddress[];
  /** Why the IP or the network is missing or uncertain, one line each. */
  notes: string[];
  evidence: Evidence[];
}

/**
 * The cluster's corosync topology as this node's pve-firewall sees it: ring addresses that are host
 * names are resolved through this node's /etc/hosts (PVE::Corosync::resolve_hostname_like_corosync).
 */
export const corosyncTopologyFact = nodeFact<CorosyncTopology | undefined>('firewall.corosync', (ctx) => {
  const text = ctx.snapshot.text(FILES.corosyncConf) ?? ctx.cluster.representative.snapshot.text(FILES.corosyncConf);
  if (text === undefined) {
    if (ctx.cluster.clustered || ctx.snapshot.errors.has(FILES.corosyncConf)) throw new Unavailable(ctx.snapshot.whyMissing(FILES.corosyncConf));
    return undefined;
  }
  const conf = parseCorosyncConf(text).value;
  const hostsText = ctx.snapshot.text(FILES.hosts);
  const hosts: HostsLookup = hostsText === undefined
    ? { missing: ctx.snapshot.whyMissing(FILES.hosts) }
    : { entries: parseEtcHosts(hostsText, FILES.hosts).value };
  const topo = corosyncTopology(conf);
  for (const n of topo.nodes) {
    n.rings = n.rings.map((r) => {
      if (isLiteralIp(r.addr)) return r;
      const res = resolveLikeCorosync(r.addr, hosts, conf.ipVersion);
      return 'ip' in res ? { ...r, addr: res.ip, host: r.addr } : { ...r, unresolved: res.unresolved };
    });
  }
  return topo;
});

/** This node's /etc/hosts, or why it was not collected. */
export type HostsLookup = { entries: HostsEntry[] } | { missing: string };

/** An address as corosync and PVE::Corosync take it without resolving: a plain IPv4 or IPv6 address (no zone). */
const isLiteralIp = (text: string): boolean => parseIp(text) !== undefined && !text.includes('%');

const COROSYNC_STRATEGIES: Record<string, (4 | 6)[]> = { ipv4: [4], ipv6: [6], 'ipv4-6': [4, 6], 'ipv6-4': [6, 4] };

/**
 * PVE::Corosync::resolve_hostname_like_corosync through /etc/hosts only (DNS is not seen): the first
 * address of each family among the lines naming the host, then the family order of totem ip_version
 * (default ipv6-4). A loopback address is kept, as Proxmox keeps it.
 */
export function resolveLikeCorosync(host: string, hosts: HostsLookup, ipVersion: string | undefined): { ip: string } | { unresolved: string } {
  if ('missing' in hosts) return { unresolved: `${host}: cannot be resolved, ${hosts.missing}` };
  const entries = hostsEntriesFor(hosts.entries, host);
  if (!entries.length) return { unresolved: `${host}: not in ${FILES.hosts} (Proxmox would ask DNS, which pvesec does not see)` };
  const strategy = (ipVersion ?? 'ipv6-4').toLowerCase();
  const order = COROSYNC_STRATEGIES[strategy];
  if (!order) return { unresolved: `${host}: totem ip_version "${ipVersion}" is none of ${Object.keys(COROSYNC_STRATEGIES).join(', ')}, so Proxmox resolves no address` };
  for (const family of order) {
    const entry = entries.find((e) => e.family === family);
    if (entry) return { ip: entry.address };
  }
  return { unresolved: `${host}: ${FILES.hosts} gives only IPv${entries[0].family} addresses (line ${entries[0].line}) and totem ip_version is ${strategy}` };
}

const isLoopbackIp = (ip: string) => /^127\./.test(ip) || parseIp(ip)?.value === 1n && parseIp(ip)?.family === 6;

/**
 * pve-firewall's local_network detection: the first route of the IP's family whose network contains
 * the node IP. The connected routes are those of the interface addresses (except `noprefixroute`
 * ones); IPv4 masks shorter than /8 (the default route) or /32 are not local networks.
 */
function containingAddress(ifaces: InterfaceAddress[], ip: string): InterfaceAddress | undefined {
  const a = parseIp(ip);
  if (!a) return undefined;
  const host = { family: a.family, from: a.value, to: a.value, text: ip };
  return ifaces
    .filter((i) => !i.flags.includes('noprefixroute') && (i.family === 6 ? i.prefix > 0 : i.prefix >= 8 && i.prefix < 32))
    .filter((i) => rangeContains(i.network, host))
    .sort((x, y) => y.prefix - x.prefix)[0];
}

export const nodeAddressFact = nodeFact<NodeAddress>('node.address', (ctx) => {
  const hostsText = ctx.snapshot.text(FILES.hosts);
  const ipCmd = ctx.snapshot.command(COMMANDS.ipAddr.name);
  const ipOk = ipCmd && (ipCmd.exitCode ?? 0) === 0 ? ipCmd : undefined;
  if (hostsText === undefined && !ipOk) {
    throw new Unavailable(`neither ${FILES.hosts} nor \`${COMMANDS.ipAddr.name}\` was collected (${ctx.snapshot.whyMissing(FILES.hosts)}; ${ctx.snapshot.whyMissing(COMMANDS.ipAddr.name)})`);
  }
  const name = ctx.nodeName();
  const hosts = hostsText === undefined ? undefined : parseEtcHosts(hostsText, FILES.hosts).value;
  const interfaces = ipOk ? parseIpAddr(ipOk.output, COMMANDS.ipAddr.name).value : [];
  const notes: string[] = [];
  const evidence: Evidence[] = [];
  const hostsEvidence = (e: HostsEntry): Evidence => ({ source: FILES.hosts, line: e.line, text: `${e.address} ${e.names.join(' ')}` });

  /** getaddrinfo through /etc/hosts; a name missing there would go to DNS, which pvesec does not see. */
  const resolve = (host: string): string | undefined => {
    if (!hosts) {
      notes.push(`${host} cannot be resolved: ${ctx.snapshot.whyMissing(FILES.hosts)}`);
      return undefined;
    }
    const entries = hostsEntriesFor(hosts, host);
    if (!entries.length) {
      notes.push(`${host} is not in ${FILES.hosts} (Proxmox would ask DNS, which pvesec does not see)`);
      return undefined;
    }
    const first = entries[0];
    evidence.push(hostsEvidence(first));
    if (entries.some((e) => e.family !== first.family)) notes.push(`${host} has IPv4 and IPv6 entries in ${FILES.hosts}: the first one (${first.address}) assumed`);
    if (isLoopbackIp(first.address)) {
      notes.push(`${FILES.hosts}:${first.line} maps ${host} to the loopback address ${first.address}: Proxmox's lookup fails ("got local IP address"), so it knows no node address and no local_network`);
      return undefined;
    }
    return first.address;
  };

  // A cluster member's address is its corosync ring0 address (pmxcfs nodelist); otherwise the hostname is resolved.
  let ip: string | undefined;
  let ipFrom: NodeAddress['ipFrom'];
  const own = ctx.tryGet(corosyncTopologyFact)?.nodes.find((n) => n.name === name);
  const ring0 = own?.rings.find((r) => r.key === 'ring0_addr');
  if (ring0) {
    evidence.push({ source: FILES.corosyncConf, text: `node ${name} ring0_addr: ${ring0.host ?? ring0.addr}` });
    ipFrom = 'corosync.conf';
    if (ring0.unresolved) notes.push(ring0.unresolved);
    else if (ring0.host === undefined) ip = ring0.addr;
    else {
      // a host name, resolved as corosync resolves it (corosyncTopologyFact)
      const line = hosts && hostsEntriesFor(hosts, ring0.host).find((e) => e.address === ring0.addr);
      if (line) evidence.push(hostsEvidence(line));
      if (isLoopbackIp(ring0.addr)) {
        notes.push(`${FILES.hosts}${line ? `:${line.line}` : ''} maps ring0_addr ${ring0.host} to the loopback address ${ring0.addr}: no usable node address nor local_network`);
      } else ip = ring0.addr;
    }
  } else {
    ip = resolve(name);
    if (ip) ipFrom = '/etc/hosts';
  }

  let localNetwork: string | undefined;
  if (ip && ipOk) {
    const iface = containingAddress(interfaces, ip);
    if (iface) {
      localNetwork = iface.network.text;
      evidence.push({ source: COMMANDS.ipAddr.name, line: iface.line, text: `${iface.ifname} ${iface.family === 4 ? 'inet' : 'inet6'} ${iface.address}/${iface.prefix}` });
    } else {
      notes.push(`no interface address's network contains ${ip} (\`${COMMANDS.ipAddr.name}\`): Proxmox detects no local_network`);
    }
    if (!interfaces.some((i) => i.address === ip)) notes.push(`${ip} is not an address of any interface of ${name}`);
  } else if (ip) {
    notes.push(`the interfaces were not collected (${ctx.snapshot.whyMissing(COMMANDS.ipAddr.name)}): the network of ${ip} is unknown`);
  }
  return { ip, ipFrom, localNetwork, interfacesSeen: ipOk !== undefined, interfaces, notes, evidence };
});
