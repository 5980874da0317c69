import { COMMANDS, FILES, nodeFile } from '../../collect/sources.js';
import type { Snapshot } from '../../collect/snapshot.js';
import type { Diagnostic } from '../../parse/diagnostics.js';
import { parseIpRange, rangeContains, type IpRange } from '../../parse/ip-address.js';
import { parseIptablesSave, type FilterChain, type FilterRule, type PacketMatch, type Ruleset } from '../../parse/iptables-save.js';
import { parseNftRuleset } from '../../parse/nft-ruleset.js';
import {
  appliedRules, clusterFirewallEnabled, emptyClusterFw, parseClusterFw, parseHostFw, resolveAddress, type ClusterFw, type FwRule, type HostFw,
} from '../../parse/pve-fw.js';
import { parseSs, type ListeningSocket } from '../../parse/ss.js';
import { clusterFact, nodeFact, Unavailable, type FactContext } from '../fact.js';
import { nodeAddressFact } from './node-address.js';
import { unitState, unitStatesFact } from './system-base.js';

/** cluster.fw as Proxmox reads it. A missing file (with /etc/pve collected) is an empty configuration: firewall off. */
export interface ClusterFirewall {
  conf: ClusterFw;
  present: boolean;
  diagnostics: Diagnostic[];
}

export const clusterFirewallFact = clusterFact<ClusterFirewall>('pve-firewall.cluster', (ctx) => {
  const text = ctx.snapshot.text(FILES.clusterFw);
  if (text === undefined) {
    if (!pveSeen(ctx.snapshot) || ctx.snapshot.errors.has(FILES.clusterFw)) throw new Unavailable(ctx.snapshot.whyMissing(FILES.clusterFw));
    return { conf: emptyClusterFw(FILES.clusterFw), present: false, diagnostics: [] };
  }
  const parsed = parseClusterFw(text, FILES.clusterFw);
  return { conf: parsed.value, present: true, diagnostics: parsed.diagnostics };
});

function pveSeen(s: Snapshot): boolean {
  return s.sawDir('/etc/pve/nodes') || s.file(FILES.userCfg) !== undefined || s.file(FILES.corosyncConf) !== undefined || s.sawDir('/etc/pve/firewall');
}

export interface HostFirewall {
  conf: HostFw;
  present: boolean;
  path: string;
  /** host.fw `enable` (absent means enabled). */
  enabled: boolean;
  /** host.fw `nftables: 1` selects the proxmox-firewall (nftables) backend. */
  nftables: boolean;
  diagnostics: Diagnostic[];
}

// host.fw is read by this node's facts and by the cluster-wide FW-08: parse each file once per snapshot.
const hostFirewalls = new WeakMap<Snapshot, WeakMap<ClusterFw, Map<string, HostFirewall | undefined>>>();

/** Reads one node's host.fw from a snapshot holding /etc/pve (parsed once per snapshot, cluster.fw and node). */
export function readHostFirewall(snapshot: Snapshot, node: string, cluster: ClusterFw): HostFirewall | undefined {
  let byCluster = hostFirewalls.get(snapshot);
  if (!byCluster) hostFirewalls.set(snapshot, (byCluster = new WeakMap()));
  let byNode = byCluster.get(cluster);
  if (!byNode) byCluster.set(cluster, (byNode = new Map()));
  if (!byNode.has(node)) byNode.set(node, parseHostFirewall(snapshot, node, cluster));
  return byNode.get(node);
}

function parseHostFirewall(snapshot: Snapshot, node: string, cluster: ClusterFw): HostFirewall | undefined {
  const path = nodeFile(node, 'host.fw');
  const text = snapshot.text(path);
  if (text === undefined) {
    if (!pveSeen(snapshot) || snapshot.errors.has(path)) return undefined;
    return { conf: { file: path, options: new Map(), rules: [] }, present: false, path, enabled: true, nftables: false, diagnostics: [] };
  }
  const parsed = parseHostFw(text, path, cluster);
  const conf = parsed.value;
  return {
    conf, present: true, path,
    enabled: conf.options.get('enable')?.value !== 0,
    nftables: conf.options.get('nftables')?.value === 1,
    diagnostics: parsed.diagnostics,
  };
}

/** This node's host.fw (from its own /etc/pve, or the cluster's representative node). */
export const hostFirewallFact = nodeFact<HostFirewall>('pve-firewall.host', (ctx) => {
  const cluster = ctx.get(clusterFirewallFact).conf;
  const path = nodeFile(ctx.nodeName(), 'host.fw');
  const snapshots = [ctx.snapshot, ctx.cluster.representative.snapshot];
  const holder = snapshots.find((s) => s.file(path) !== undefined)
    ?? snapshots.find((s) => s.sawDir(FILES.pveNodesDir) && !s.errors.has(path));
  const fw = holder && readHostFirewall(holder, ctx.node.name, cluster);
  if (fw) return fw;
  throw new Unavailable(ctx.snapshot.whyMissing(path));
});

/** Every host.fw under /etc/pve/nodes visible in a snapshot (pmxcfs shows all nodes' files on each node). */
export function allHostFirewalls(snapshot: Snapshot, cluster: ClusterFw): { node: string; fw: HostFirewall }[] {
  return snapshot.subdirs(FILES.pveNodesDir).flatMap((node) => {
    const fw = readHostFirewall(snapshot, node, cluster);
    return fw?.present ? [{ node, fw }] : [];
  });
}

/**
 * Whether the Proxmox firewall filters this node's traffic: the service (pve-firewall, or
 * proxmox-firewall with host.fw `nftables: 1`) is running, the datacenter switch is on, and the
 * node's host.fw does not disable it.
 */
export interface PveFirewallState {
  active: boolean;
  /** One-line explanation naming what decided. */
  reason: string;
  serviceActive: boolean;
  clusterEnabled: boolean;
  hostEnabled: boolean;
  backend: 'iptables' | 'nftables';
}

export const pveFirewallStateFact = nodeFact<PveFirewallState>('pve-firewall.state', (ctx) => {
  const cluster = ctx.get(clusterFirewallFact);
  const host = ctx.get(hostFirewallFact);
  const states = ctx.get(unitStatesFact);
  const backend = host.nftables ? 'nftables' : 'iptables';
  const unit = host.nftables ? 'proxmox-firewall' : 'pve-firewall';
  const svc = unitState(states, unit);
  const dc = clusterFirewallEnabled(cluster.conf, ctx.now);
  const serviceActive = svc.active === 'active';
  const state = { serviceActive, clusterEnabled: dc.enabled, hostEnabled: host.enabled, backend } as const;
  if (!dc.enabled) return { ...state, active: false, reason: `datacenter firewall is off (${dc.reason})` };
  if (!host.enabled) return { ...state, active: false, reason: `${host.path} has enable: 0` };
  if (!serviceActive) return { ...state, active: false, reason: `${unit} service is ${svc.active}` };
  return { ...state, active: true, reason: `${unit} is running and the firewall is enabled` };
});

/** Output of a command that must have succeeded: a failed run (stdout and stderr are collected together) is no data. */
function successfulOutput(ctx: FactContext, name: string): string {
  const out = ctx.requireCommand(name);
  if (out.exitCode !== undefined && out.exitCode !== 0) {
    const first = out.output.split('\n').find((l) => l.trim())?.trim().slice(0, 120);
    throw new Unavailable(`${name} failed (exit ${out.exitCode})${first ? `: ${first}` : ''}`);
  }
  return out.output;
}

export const iptablesFact = nodeFact('netfilter.iptables', (ctx) =>
  parseIptablesSave(successfulOutput(ctx, COMMANDS.iptablesSave.name), COMMANDS.iptablesSave.name, 'ip').value);
export const ip6tablesFact = nodeFact('netfilter.ip6tables', (ctx) =>
  parseIptablesSave(successfulOutput(ctx, COMMANDS.ip6tablesSave.name), COMMANDS.ip6tablesSave.name, 'ip6').value);
export const nftFact = nodeFact('netfilter.nft', (ctx) =>
  parseNftRuleset(successfulOutput(ctx, COMMANDS.nftRuleset.name), COMMANDS.nftRuleset.name).value);

/** The live rulesets that were collected (iptables-save, ip6tables-save, nft), each with its command name. */
export function liveRulesets(ctx: FactContext): [string, Ruleset][] {
  const all: [string, Ruleset | undefined][] = [
    [COMMANDS.iptablesSave.name, ctx.tryGet(iptablesFact)],
    [COMMANDS.ip6tablesSave.name, ctx.tryGet(ip6tablesFact)],
    [COMMANDS.nftRuleset.name, ctx.tryGet(nftFact)],
  ];
  return all.filter((e): e is [string, Ruleset] => e[1] !== undefined);
}

/** /etc/iptables/rules.v4 or rules.v6 (undefined when the file does not exist). */
export function persistedRuleset(ctx: FactContext, family: 'ip' | 'ip6'): Ruleset | undefined {
  const path = family === 'ip' ? FILES.iptablesRulesV4 : FILES.iptablesRulesV6;
  const text = ctx.snapshot.text(path);
  if (text === undefined) {
    if (ctx.snapshot.errors.has(path)) throw new Unavailable(ctx.snapshot.whyMissing(path));
    return undefined;
  }
  return parseIptablesSave(text, path, family).value;
}

export const listeningFact = nodeFact('netfilter.listening', (ctx) =>
  parseSs(successfulOutput(ctx, COMMANDS.listening.name), COMMANDS.listening.name).value);

/** Chains pve-firewall generates and owns (iptables backend). */
export function isProxmoxChain(name: string): boolean {
  return name.startsWith('PVEFW-');
}

/** Chains a service manages at run time (pve-firewall, fail2ban's ban chains): not hand-written, never persisted. */
export function isManagedChain(name: string): boolean {
  return isProxmoxChain(name) || name.startsWith('f2b-') || name.startsWith('fail2ban-');
}

/** nft tables of proxmox-firewall and fail2ban, and the iptables-nft mirror of iptables rules (analysed from iptables-save instead). */
export function isManagedNftTable(family: string, name: string, chains: FilterChain[]): boolean {
  if (name === 'proxmox-firewall' || name === 'proxmox-firewall-guests' || name === 'f2b-table') return true;
  const xtNames = ['filter', 'nat', 'mangle', 'raw', 'security'];
  return (family === 'ip' || family === 'ip6' || family === 'arp' || family === 'bridge')
    && xtNames.includes(name) && chains.some((c) => c.hook !== undefined && c.name === c.name.toUpperCase());
}

export interface HandWrittenChain {
  /** Where it was read: iptables-save, ip6tables-save, nft list ruleset. */
  source: string;
  table: string;
  chain: FilterChain;
  /** Rules that are not the hooks of managed chains (`-j PVEFW-INPUT`, `-j f2b-sshd`). */
  rules: FilterRule[];
}

/** Hand-written chains of a ruleset: everything except managed chains (pve-firewall, fail2ban) and the jumps into them. */
export function handWrittenChains(ruleset: Ruleset, source: string): HandWrittenChain[] {
  const out: HandWrittenChain[] = [];
  for (const table of ruleset.tables) {
    const chains = [...table.chains.values()];
    if (source.startsWith('nft') && isManagedNftTable(table.family, table.name, chains)) continue;
    for (const chain of chains) {
      if (isManagedChain(chain.name)) continue;
      const rules = chain.rules.filter((r) => !(r.target && isManagedChain(r.target)));
      out.push({ source, table: source.startsWith('nft') ? `${table.family} ${table.name}` : table.name, chain, rules });
    }
  }
  return out;
}

/** The hand-written chains that filter input: base input chains with rules or a non-ACCEPT policy. */
export function handWrittenInput(chains: HandWrittenChain[]): HandWrittenChain[] {
  return chains.filter((c) => c.chain.hook === 'input' && (c.chain.type === 'filter' || c.table === 'filter')
    && (c.rules.length > 0 || (c.chain.policy !== undefined && c.chain.policy !== 'ACCEPT')));
}

/** Admin sources: configured ones, else the Proxmox `management` ipset plus the local_network alias. */
export interface AdminSources {
  ranges: IpRange[];
  /** Where they came from, for messages: "config admin_sources", "cluster.fw [IPSET management]". */
  origin: string;
  /** False when the defaults could not include the cluster's local network (no alias, interfaces or node address collected). */
  complete: boolean;
}

export const adminSourcesFact = clusterFact<AdminSources>('network.admin-sources', (ctx) => {
  if (ctx.config.admin_sources.length) {
    return { ranges: ctx.config.admin_sources.map((s) => parseIpRange(s) as IpRange), origin: 'configured admin_sources', complete: true };
  }
  const cluster = ctx.tryGet(clusterFirewallFact)?.conf ?? emptyClusterFw();
  const ranges: IpRange[] = [];
  const origins: string[] = [];
  const mgmt = resolveAddress({ kind: 'ipset', name: 'management' }, cluster);
  if (mgmt && mgmt.match.length) {
    ranges.push(...mgmt.match);
    origins.push('cluster.fw [IPSET management]');
  }
  const local = cluster.aliases.get('local_network');
  if (local) {
    ranges.push(local.range);
    origins.push('local_network alias');
  }
  // Without the alias, pve-firewall adds the network it detects (the representative node's; cluster nodes share it).
  const address = local ? undefined : ctx.tryGet(nodeAddressFact);
  const detected = address?.ip && address.interfacesSeen ? address.localNetwork : undefined;
  const detectedRange = detected ? parseIpRange(detected) : undefined;
  if (detectedRange && typeof detectedRange !== 'string') {
    ranges.push(detectedRange);
    origins.push(`local network ${detected}`);
  }
  const complete = local !== undefined || (address?.ip !== undefined && address.interfacesSeen);
  return { ranges, origin: origins.join(' + ') || 'no admin sources declared', complete };
});

export function withinAdminSources(ranges: IpRange[], admin: AdminSources): boolean {
  return ranges.length > 0 && ranges.every((r) => admin.ranges.some((a) => rangeContains(a, r)));
}

/** The rules of a Proxmox security group, or [] when the GROUP rule names no group (references are case-sensitive). */
export function groupRules(cluster: ClusterFw, rule: FwRule): FwRule[] {
  return cluster.groups.get(rule.action)?.rules ?? [];
}

/** Proxmox IN rules in evaluation order: host.fw then cluster.fw, security groups expanded; ignored and disabled rules dropped. */
export function effectiveInRules(cluster: ClusterFw, host: HostFw | undefined): FwRule[] {
  const out: FwRule[] = [];
  for (const rule of appliedRules(host, cluster)) {
    if (rule.type === 'group') {
      for (const r of groupRules(cluster, rule)) if (r.enabled && !r.ignored && r.type === 'in') out.push(r);
    } else if (rule.type === 'in') out.push(rule);
  }
  return out;
}

/** Whether a packet match could apply to a protocol and port (absent conditions match everything). */
export function matchesPort(m: PacketMatch, proto: 'tcp' | 'udp', port: number): boolean {
  if (m.proto) {
    const hit = m.proto.values.some((v) => v === proto || v === 'all' || v === (proto === 'tcp' ? '6' : '17'));
    if (hit === m.proto.negated) return false;
  }
  if (m.dport) {
    const hit = m.dport.ports.some((p) => p.from <= port && port <= p.to);
    if (hit === m.dport.negated) return false;
  }
  return true;
}

export { unitState, unitStatesFact };
