import type { Diagnostic } from '../../parse/diagnostics.js';
import { emptyClusterFw, parseClusterFw, parseHostFw } from '../../parse/pve-fw.js';
import { parsePacket, type Packet, type PacketDefaults } from './packet.js';
import { evaluate, type Decision, type Program } from './program.js';
import type { PveEnvironment, PveFirewallConfig } from './pve-common.js';
import { compilePveIptables } from './pve-iptables.js';
import { compilePveNftables } from './pve-nftables.js';

export type Backend = 'iptables' | 'nftables';

/** A compiled firewall of one node (both address families) that decides packets. */
export interface Simulator {
  backend: Backend | 'netfilter';
  programs: Record<4 | 6, Program>;
  /** Every program that has a say on a packet of the family (pve-firewall's and hand-written chains), for exact partitions. */
  layers: Record<4 | 6, Program[]>;
  packetDefaults: PacketDefaults;
  decide(p: Packet): Decision;
}

export function simulatorOf(programs: Record<4 | 6, Program>, backend: Simulator['backend'], packetDefaults: PacketDefaults = {}): Simulator {
  return { backend, programs, layers: { 4: [programs[4]], 6: [programs[6]] }, packetDefaults, decide: (p) => evaluate(programs[p.family], p) };
}

/** host.fw `nftables: 1` selects proxmox-firewall (nftables); otherwise pve-firewall (iptables). */
export function pveBackend(cfg: PveFirewallConfig): Backend {
  return cfg.host?.options.get('nftables')?.value === 1 ? 'nftables' : 'iptables';
}

/** Compiles a node's Proxmox firewall for the backend its host.fw selects (or the one given). */
export function pveSimulator(cfg: PveFirewallConfig, env: PveEnvironment, backend: Backend = pveBackend(cfg)): Simulator {
  const compile = backend === 'nftables' ? compilePveNftables : compilePveIptables;
  return simulatorOf({ 4: compile(cfg, env, 4), 6: compile(cfg, env, 6) }, backend, { hostIp: env.hostIp });
}

/** Parses cluster.fw and host.fw text (host.fw verified against the cluster's aliases and ipsets). */
export function parsePveConfig(clusterText: string | undefined, hostText: string | undefined, node: string): { config: PveFirewallConfig; diagnostics: Diagnostic[] } {
  const c = clusterText === undefined ? { value: emptyClusterFw(), diagnostics: [] } : parseClusterFw(clusterText);
  const h = hostText === undefined ? undefined : parseHostFw(hostText, `/etc/pve/nodes/${node}/host.fw`, c.value);
  return { config: { cluster: c.value, host: h?.value }, diagnostics: [...c.diagnostics, ...(h?.diagnostics ?? [])] };
}

/** Parses and decides one packet description (oracle JSON); throws PacketError naming the bad field. */
export function decideJson(sim: Simulator, packet: unknown): { packet: Packet; decision: Decision } {
  const p = parsePacket(packet, sim.packetDefaults);
  return { packet: p, decision: sim.decide(p) };
}
