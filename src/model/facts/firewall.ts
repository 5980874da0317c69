import { COMMANDS, FILES } from '../../collect/sources.js';
import type { Evidence } from '../../core/types.js';
import { reachabilityMatrix, publicAddress, representative, SERVICES, type Matrix, type SourceClass } from '../../engines/firewall/matrix.js';
import { netfilterSimulator } from '../../engines/firewall/netfilter.js';
import { pveSimulator, type Simulator } from '../../engines/firewall/simulator.js';
import { formatIp, formatRange, parseIp, parseIpRange, type IpRange } from '../../parse/ip-address.js';
import type { Ruleset } from '../../parse/iptables-save.js';
import { parseNftRuleset } from '../../parse/nft-ruleset.js';
import { resolveAddress } from '../../parse/pve-fw.js';
import { nodeFact, Unavailable, type FactContext } from '../fact.js';
import { corosyncTopologyFact, nodeAddressFact, type NodeAddress } from './node-address.js';
import {
  clusterFirewallFact, handWrittenChains, handWrittenInput, hostFirewallFact, ip6tablesFact, iptablesFact, isManagedNftTable, isProxmoxChain,
  pveFirewallStateFact,
} from './network.js';

export { corosyncTopologyFact };

/** Who filters a node's traffic, and a simulator that decides packets the way its kernel will. */
export interface NodeFirewall {
  /** pve-firewall / proxmox-firewall (the Proxmox firewall, by backend), netfilter (hand-written rules), both, or none. */
  manager: 'pve-firewall' | 'proxmox-firewall' | 'pve-firewall+netfilter' | 'proxmox-firewall+netfilter' | 'netfilter' | 'none';
  /** One line: what filters and why. */
  description: string;
  sim: Simulator;
  backend: 'iptables' | 'nftables';
  /** The node's own IPv4 address (ring0 address, else what its name resolves to) and ring addresses by ring number. */
  hostIp?: string;
  /** The local network the Proxmox firewall adds to `management` (detected or assumed; the cluster.fw alias wins). */
  localNetwork?: string;
  /** True when localNetwork is the /24 guess (the interfaces or the node address were not collected). */
  localNetworkAssumed: boolean;
  ringAddrs: string[];
  /** Whether IPv6 filtering was seen (ip6tables-save or nft collected, or the Proxmox firewall, which filters both). */
  ipv6Seen: boolean;
  /** Assumptions made (e.g. local_network guessed as the /24 of the node address when the interfaces were not collected). */
  assumptions: string[];
  evidence: Evidence[];
}

/** The hand-written part of a ruleset: without pve-firewall's chains, its jumps, and proxmox-firewall's nft tables. */
export function handWrittenRuleset(rs: Ruleset): Ruleset {
  const nft = rs.source.startsWith('nft');
  return {
    source: rs.source,
    tables: rs.tables
      .filter((t) => !(nft && isManagedNftTable(t.family, t.name, [...t.chains.values()])))
      .map((t) => ({
        ...t,
        chains: new Map([...t.chains].filter(([name]) => !isProxmoxChain(name))
          .map(([name, c]) => [name, { ...c, rules: c.rules.filter((r) => !(r.target && isProxmoxChain(r.target))) }])),
      })),
  };
}

export const nodeFirewallFact = nodeFact<NodeFirewall>('firewall.effective', (ctx) => {
  ctx.nodeName(); // its host.fw, corosync entry and address are found by name
  const state = ctx.tryGet(pveFirewallStateFact);
  const topo = ctx.tryGet(corosyncTopologyFact);
  const own = topo?.nodes.find((n) => n.name === ctx.node.name);
  const ringAddrs = own?.rings.map((r) => r.addr) ?? [];
  const address = ctx.tryGet(nodeAddressFact);
  const hostIp = (address?.ip && parseIp(address.ip)?.family === 4 ? address.ip : undefined) ?? ringAddrs.find((a) => parseIp(a)?.family === 4);
  const assumptions: string[] = [];
  const evidence: Evidence[] = [];

  const v4 = ctx.tryGet(iptablesFact);
  const v6 = ctx.tryGet(ip6tablesFact);
  const nftOut = ctx.snapshot.command(COMMANDS.nftRuleset.name);
  const nft = nftOut ? parseNftRuleset(nftOut.output, COMMANDS.nftRuleset.name).value : undefined;
  const rulesets = [v4, v6, nft].filter((r): r is Ruleset => !!r).map(handWrittenRuleset);
  const handInput = rulesets.flatMap((r) => handWrittenInput(handWrittenChains(r, r.source)));
  const hand = handInput.length
    ? netfilterSimulator(rulesets.filter((r) => r.source !== COMMANDS.ip6tablesSave.name), rulesets.filter((r) => r.source !== COMMANDS.iptablesSave.name), hostIp)
    : undefined;
  for (const c of handInput) evidence.push({ source: c.source, line: c.chain.line, text: `${c.table} ${c.chain.name}: ${c.rules.length} rule(s), policy ${c.chain.policy ?? '-'}` });

  const local = detectedLocalNetwork(address, hostIp);
  let pve: Simulator | undefined;
  let backend: 'iptables' | 'nftables' = 'iptables';
  if (state?.active) {
    const cluster = ctx.get(clusterFirewallFact).conf;
    const host = ctx.get(hostFirewallFact);
    backend = state.backend;
    pve = pveSimulator({ cluster, host: host.present ? host.conf : undefined }, { node: ctx.node.name, hostIp, localNetwork: local.network, corosync: topo, now: ctx.now }, backend);
    evidence.push({ source: FILES.clusterFw, text: state.reason });
    if (!cluster.aliases.get('local_network')) {
      if (local.assumption) assumptions.push(local.assumption);
      evidence.push(...(address?.evidence ?? []));
    }
  }
  if (!hostIp && [pve, hand].some((sim) => sim && destinationRules(sim))) {
    assumptions.push(`${ctx.node.name}'s own address is unknown (${address?.notes[0] ?? 'no corosync ring0 address, /etc/hosts not collected'}): probes go to 192.0.2.1, so rules with a destination condition may decide differently`);
  }
  const pveName = backend === 'nftables' ? 'proxmox-firewall' : 'pve-firewall';
  const base = { backend, hostIp, localNetwork: local.network, localNetworkAssumed: local.assumption !== undefined, ringAddrs, assumptions, evidence };
  if (pve && hand) {
    return {
      ...base, manager: `${pveName}+netfilter`, ipv6Seen: true,
      description: `${pveName} (${state!.reason}) and hand-written rules (${handInput.map((c) => `${c.source} ${c.chain.name}`).join(', ')}) both filter input`,
      sim: combined(pve, hand),
    };
  }
  if (pve) return { ...base, manager: pveName, ipv6Seen: true, description: `${pveName}: ${state!.reason}`, sim: pve };
  if (hand) {
    return {
      ...base, manager: 'netfilter', ipv6Seen: v6 !== undefined || nft !== undefined,
      description: `hand-written rules (${handInput.map((c) => `${c.source} ${c.table} ${c.chain.name}`).join(', ')})${state ? `; Proxmox firewall inactive (${state.reason})` : ''}`,
      sim: hand,
    };
  }
  if (!state && !v4 && !nft) throw new Unavailable(`neither the Proxmox firewall state nor the live ruleset is known (${ctx.snapshot.whyMissing(COMMANDS.iptablesSave.name)})`);
  const why = [state ? `Proxmox firewall inactive (${state.reason})` : undefined, 'no hand-written input rules'].filter(Boolean).join(', ');
  if (state) evidence.push({ source: FILES.clusterFw, text: state.reason });
  for (const r of rulesets) evidence.push({ source: r.source, text: 'no hand-written input rules (input policy ACCEPT)' });
  return {
    ...base, manager: 'none', ipv6Seen: v6 !== undefined || nft !== undefined || state !== undefined, description: `nothing filters input: ${why}`,
    sim: netfilterSimulator([], [], hostIp),
  };
});

/**
 * local_network as pve-firewall detects it: the network of the interface address containing the node IP.
 * Without the interfaces (or the IP), the /24 of the IPv4 address is assumed and said so.
 */
function detectedLocalNetwork(address: NodeAddress | undefined, hostIp: string | undefined): { network?: string; assumption?: string } {
  if (address?.ip && address.interfacesSeen) return { network: address.localNetwork };
  if (!hostIp) return {};
  const network = `${hostIp.split('.').slice(0, 3).join('.')}.0/24`;
  const why = address?.ip ? 'the interfaces were not collected' : 'the node address is unknown';
  return { network, assumption: `local_network assumed to be ${network}, the /24 of ${hostIp} (${why})` };
}

/** Whether a configured (not builtin) rule matches on the destination address. */
function destinationRules(sim: Simulator): boolean {
  return [sim.programs[4], sim.programs[6]].some((p) => [...p.chains.values()].some((c) => c.rules.some((r) => r.dst && r.origin)));
}

/** The kernel runs pve-firewall's chains first; what they let through (RETURN/accept) meets the hand-written rules next. */
function combined(pve: Simulator, hand: Simulator): Simulator {
  return {
    backend: pve.backend, programs: pve.programs, packetDefaults: pve.packetDefaults,
    layers: { 4: [...pve.layers[4], ...hand.layers[4]], 6: [...pve.layers[6], ...hand.layers[6]] },
    decide: (p) => {
      const d = pve.decide(p);
      if (d.verdict !== 'ACCEPT' || d.rule?.target.kind === 'ACCEPT') return d;
      const h = hand.decide(p);
      return { verdict: h.verdict, rule: h.rule, reason: h.reason, trace: [...d.trace, ...h.trace], assumptions: [...d.assumptions, ...h.assumptions] };
    },
  };
}

/** Source classes probed for a node: admin sources, cluster peers, declared non-admin networks, the Internet. */
export const sourceClassesFact = nodeFact<SourceClass[]>('firewall.sources', (ctx) => {
  const fw = ctx.get(nodeFirewallFact);
  const out: SourceClass[] = [];
  const admin = adminRanges(ctx, fw);
  for (const a of admin.ranges.slice(0, 16)) out.push({ kind: 'admin', label: `admin ${formatRange(a)}`, address: representative(a), family: a.family, origin: admin.origin });
  const topo = ctx.tryGet(corosyncTopologyFact);
  for (const n of topo?.nodes ?? []) {
    if (n.name === ctx.node.name) continue;
    for (const r of n.rings) {
      const ip = parseIp(r.addr);
      if (ip) out.push({ kind: 'peer', label: `peer ${n.name} ${r.key.replace('_addr', '')}`, address: formatIp(ip.family, ip.value), family: ip.family, origin: FILES.corosyncConf });
    }
  }
  for (const n of ctx.config.non_admin_networks) {
    const r = parseIpRange(n);
    if (typeof r !== 'string') out.push({ kind: 'non-admin', label: `non-admin ${formatRange(r)}`, address: representative(r), family: r.family, origin: 'config non_admin_networks' });
  }
  out.push({ kind: 'public', label: 'public IPv4', address: publicAddress(4, admin.ranges), family: 4, origin: 'any Internet address' });
  out.push({ kind: 'public', label: 'public IPv6', address: publicAddress(6, admin.ranges), family: 6, origin: 'any Internet address' });
  return out;
});

/** Admin sources: configured ones, else the management ipset entries plus local_network. */
export function adminRanges(ctx: FactContext, fw: NodeFirewall): { ranges: IpRange[]; origin: string } {
  if (ctx.config.admin_sources.length) {
    return { ranges: ctx.config.admin_sources.map((s) => parseIpRange(s)).filter((r): r is IpRange => typeof r !== 'string'), origin: 'configured admin_sources' };
  }
  const cluster = ctx.tryGet(clusterFirewallFact)?.conf;
  const ranges: IpRange[] = [];
  const origins: string[] = [];
  const mgmt = cluster && resolveAddress({ kind: 'ipset', name: 'management' }, cluster);
  if (mgmt?.match.length) {
    ranges.push(...mgmt.match);
    origins.push('cluster.fw [IPSET management]');
  }
  const local = cluster?.aliases.get('local_network')?.range ?? (fw.localNetwork ? (parseIpRange(fw.localNetwork) as IpRange) : undefined);
  if (local && !ranges.some((r) => r.from === local.from && r.to === local.to && r.family === local.family)) {
    ranges.push(local);
    origins.push(cluster?.aliases.get('local_network') ? 'local_network alias' : fw.localNetworkAssumed ? `assumed local network ${local.text}` : `local network ${local.text}`);
  }
  return { ranges, origin: origins.join(' + ') || 'no admin sources declared' };
}

/** The node's reachability matrix: each source class against ssh, web, spice, corosync and migration. */
export const reachabilityFact = nodeFact<Matrix>('firewall.reachability', (ctx) => {
  const fw = ctx.get(nodeFirewallFact);
  return reachabilityMatrix({ node: ctx.node.name, manager: fw.manager, sim: fw.sim, hostIp: fw.hostIp, ringAddrs: fw.ringAddrs }, ctx.get(sourceClassesFact), SERVICES[fw.backend]);
});
