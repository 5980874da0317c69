import { parseIpRange, type IpRange } from '../../parse/ip-address.js';
import { clusterFirewallEnabled, type ClusterFw, type FwAddress, type FwMatch, type FwRule, type HostFw } from '../../parse/pve-fw.js';
import { parseCorosyncConf, type CorosyncConf } from '../../parse/corosync.js';
import { AddressSet, parseAddress } from './addr.js';
import type { Rule } from './program.js';
import { icmpType, PROTO_NUMBERS } from './tables.js';

/** A node's Proxmox firewall configuration: cluster.fw and (optionally) its host.fw, as parsed. */
export interface PveFirewallConfig {
  cluster: ClusterFw;
  /** undefined = no host.fw file (host firewall on, no host rules). */
  host?: HostFw;
}

/** One corosync node with its ring addresses by ring key (ring0_addr, ring1_addr, ...). */
export interface CorosyncNodeAddrs {
  name: string;
  /**
   * key: ring0_addr, ring1_addr ... as written. addr: the IP (a host name resolved through the node's
   * /etc/hosts as corosync resolves it); when it cannot be resolved, the host name as written, and
   * `unresolved` says why in one line. host: the host name as written, when addr was resolved from it.
   */
  rings: { key: string; addr: string; host?: string; unresolved?: string }[];
}

export interface CorosyncTopology {
  /** totem transport (`udp` = multicast). */
  transport?: string;
  nodes: CorosyncNodeAddrs[];
}

/** What pve-firewall learns from the system besides the .fw files. */
export interface PveEnvironment {
  /** This node's name (as in corosync.conf and /etc/pve/nodes). */
  node: string;
  /** The node's own address (stands in for a packet's missing dst/src). */
  hostIp?: string;
  /** What PVE::Firewall::local_network() detects; a `local_network` alias in cluster.fw overrides it. */
  localNetwork?: string;
  /** undefined = no corosync.conf (standalone node). */
  corosync?: CorosyncTopology;
  now: Date;
}

/** The ring addresses of corosync.conf by ring key. */
export function corosyncTopology(conf: CorosyncConf): CorosyncTopology {
  return { transport: conf.transport, nodes: conf.nodes.map((n) => ({ name: n.name, rings: n.links })) };
}

/** The oracle's env.json `peers` (`name -> ring0[,ring1...]`) as a corosync topology (knet). */
export function topologyFromPeers(peers: Record<string, string>): CorosyncTopology | undefined {
  const names = Object.keys(peers);
  if (!names.length) return undefined;
  return { nodes: names.map((name) => ({ name, rings: peers[name].split(',').map((addr, i) => ({ key: `ring${i}_addr`, addr: addr.trim() })) })) };
}

export function topologyFromText(text: string, file = '/etc/pve/corosync.conf'): CorosyncTopology {
  return corosyncTopology(parseCorosyncConf(text, file).value);
}

/** Whether pve-firewall generates any chain: the datacenter switch, then the node's host.fw `enable`. */
export function pveFilterState(cfg: PveFirewallConfig, now: Date): { filtering: boolean; reason: string } {
  const dc = clusterFirewallEnabled(cfg.cluster, now);
  if (!dc.enabled) return { filtering: false, reason: `datacenter firewall disabled (${dc.reason}): no PVEFW chains, everything accepted` };
  if (cfg.host && cfg.host.options.get('enable')?.value === 0) {
    return { filtering: false, reason: `host firewall disabled (${cfg.host.file}:${cfg.host.options.get('enable')!.line} enable: 0): no PVEFW-HOST chains` };
  }
  return { filtering: true, reason: dc.reason };
}

/** local_network: the cluster.fw alias if defined, else the detected network. */
export function localNetwork(cluster: ClusterFw, env: PveEnvironment): IpRange | undefined {
  const alias = cluster.aliases.get('local_network');
  if (alias) return alias.range;
  if (!env.localNetwork) return undefined;
  const r = parseIpRange(env.localNetwork);
  return typeof r === 'string' ? undefined : r;
}

/** Compiles address operands and ipsets of one address family, caching each ipset. */
export class AddressCompiler {
  private readonly sets = new Map<string, AddressSet>();

  constructor(readonly cluster: ClusterFw, readonly family: 4 | 6, readonly management: IpRange[]) {}

  /** The kernel ipset PVEFW-0-<name>-v4/v6 (management gets local_network added). */
  ipset(name: string): AddressSet {
    let s = this.sets.get(name);
    if (!s) {
      const def = this.cluster.ipsets.get(name);
      const entries = (def?.entries ?? []).filter((e) => e.range && !e.error).map((e) => ({ range: e.range!, nomatch: e.nomatch }));
      if (name === 'management') entries.push(...this.management.map((range) => ({ range, nomatch: false })));
      s = new AddressSet(entries.filter((e) => e.range.family === this.family));
      this.sets.set(name, s);
    }
    return s;
  }

  /** Condition and iptables text for -source/-dest; undefined when it cannot be resolved (Proxmox skipped the rule). */
  operand(addr: FwAddress, dir: 'src' | 'dst'): { set: AddressSet; text: string } | undefined {
    const flag = dir === 'src' ? '-s' : '-d';
    if (addr.kind === 'ipset') {
      return { set: this.ipset(addr.name), text: `-m set --match-set PVEFW-0-${addr.name}-v${this.family} ${dir}` };
    }
    const ranges = addr.kind === 'ip' ? addr.ranges : [this.cluster.aliases.get(addr.name.toLowerCase())?.range].filter((r): r is IpRange => !!r);
    if (!ranges.length) return undefined;
    const own = ranges.filter((r) => r.family === this.family);
    const isRange = addr.kind === 'ip' && ranges.length === 1 && ranges[0].text.includes('-');
    const text = isRange ? `-m iprange --${dir}-range ${ranges[0].text}` : `${flag} ${own.map((r) => r.text).join(',')}`;
    return { set: AddressSet.shared(own), text };
  }
}

/** Numeric inclusive pairs of a port list. */
export function portPairs(ports: { from: number; to: number }[]): number[] {
  return ports.flatMap((p) => [p.from, p.to]);
}

function portText(flag: 'dport' | 'sport', ports: { from: number; to: number }[]): string {
  const items = ports.map((p) => (p.from === p.to ? `${p.from}` : `${p.from}:${p.to}`));
  return items.length > 1 || ports.length > 1 ? `--match multiport --${flag}s ${items.join(',')}` : `--${flag} ${items[0]}`;
}

/**
 * The match part of one generated iptables rule for a Proxmox rule and one of its (macro) matches,
 * or undefined when the rule does not exist in this family's chain.
 */
export function compileMatch(rule: FwRule, m: FwMatch, addrs: AddressCompiler, ifaceDir: 'in' | 'out'): { cond: Partial<Rule>; text: string } | undefined {
  const family = addrs.family;
  if (rule.ipversion !== undefined && rule.ipversion !== family) return undefined;
  if (m.family !== undefined && m.family !== family) return undefined;
  const cond: Partial<Rule> = {};
  const parts: string[] = [];
  if (rule.iface) {
    const c = { name: rule.iface, prefix: false, neg: false };
    if (ifaceDir === 'in') cond.inIface = c;
    else cond.outIface = c;
    parts.push(`${ifaceDir === 'in' ? '-i' : '-o'} ${rule.iface}`);
  }
  for (const [addr, dir] of [[rule.sourceAddr, 'src'], [rule.destAddr, 'dst']] as const) {
    if (!addr) continue;
    const o = addrs.operand(addr, dir);
    if (!o) return undefined;
    cond[dir] = { set: o.set, neg: false };
    parts.push(o.text);
  }
  if (m.proto) {
    const num = /^\d+$/.test(m.proto) ? Number(m.proto) : PROTO_NUMBERS.get(m.proto);
    if (num === undefined) return undefined;
    const icmpFamily = num === 1 ? 4 : num === 58 ? 6 : undefined;
    if (icmpFamily !== undefined && icmpFamily !== family) return undefined;
    cond.proto = { nums: [num], neg: false };
    parts.push(`-p ${m.proto}`);
    // Proxmox's order (ruleset_generate_match): a single port before a multiport match, or iptables would read
    // `--sport` after `--match multiport` as multiport's own --sports (a prefix) and reject the rule
    const dport = m.dport?.length ? portText('dport', m.dport) : undefined;
    const sport = m.sport?.length ? portText('sport', m.sport) : undefined;
    if (m.dport?.length) cond.dport = { ranges: portPairs(m.dport), neg: false };
    if (m.sport?.length) cond.sport = { ranges: portPairs(m.sport), neg: false };
    const multiSport = sport?.startsWith('--match multiport') ?? false;
    if (dport && multiSport) parts.push(dport);
    if (sport) parts.push(sport);
    if (dport && !multiSport) parts.push(dport);
    if (m.icmpType !== undefined && icmpFamily !== undefined) {
      const t = icmpType(m.icmpType, family);
      if (!t) return undefined;
      cond.icmp = { type: t.type, code: t.code, neg: false };
      parts.push(`-m ${family === 4 ? 'icmp --icmp-type' : 'icmp6 --icmpv6-type'} ${m.icmpType}`);
    }
  }
  return { cond, text: parts.join(' ') };
}

/** Source of a generated rule, for evidence. */
export function originOf(rule: FwRule): Rule['origin'] {
  return { file: rule.file, line: rule.line, text: rule.text.trim() };
}

/**
 * Ring addresses already compiled, per family: both families' programs and both directions ask for
 * every peer's address, and each peer for the local node's (an AddressSet is never changed once built).
 */
const ringAddresses: Record<4 | 6, Map<string, AddressSet | undefined>> = { 4: new Map(), 6: new Map() };

/** A corosync peer address of the family, or undefined (hostnames are not resolved). */
export function ringAddress(text: string, family: 4 | 6): AddressSet | undefined {
  const known = ringAddresses[family];
  if (known.has(text)) return known.get(text);
  const a = parseAddress(text);
  const r = a && a.family === family ? parseIpRange(text) : undefined;
  const set = r === undefined || typeof r === 'string' ? undefined : AddressSet.of([r]);
  if (known.size >= 100_000) known.clear();
  known.set(text, set);
  return set;
}
