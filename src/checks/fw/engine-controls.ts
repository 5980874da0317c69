import { COMMANDS, FILES } from '../../collect/sources.js';
import type { ControlMeta } from '../../core/types.js';
import { engineMissing, type Check } from '../types.js';
import { FW_REFERENCES } from './common.js';

const READS = [FILES.clusterFw, '/etc/pve/nodes/<node>/host.fw', FILES.corosyncConf, COMMANDS.iptablesSave.name, COMMANDS.ip6tablesSave.name, COMMANDS.nftRuleset.name];

const meta = (m: Pick<ControlMeta, 'id' | 'title' | 'severity' | 'rationale' | 'fix'> & { reads?: string[] }): ControlMeta => ({
  section: 'FW', scope: 'node', references: FW_REFERENCES, ...m, reads: m.reads ?? READS,
});

/** Controls decided by simulating packets through the effective ruleset (the firewall engine, a later issue). */
export const fw04: Check = engineMissing(meta({
  id: 'FW-04',
  title: 'SSH (tcp 22) is not reachable from public addresses or non-admin networks',
  severity: 'critical',
  rationale: 'An SSH port open to the Internet or to guest/user networks is brute-forced within minutes and exposes every sshd vulnerability.',
  fix: 'Keep policy_in DROP and admit tcp 22 only from [IPSET management] / your admin networks (cluster.fw: `IN SSH(ACCEPT) -source +management`).',
}), 'firewall');

export const fw05: Check = engineMissing(meta({
  id: 'FW-05',
  title: 'The web UI (tcp 8006) and SPICE proxy (tcp 3128) are reachable only from admin sources',
  severity: 'high',
  rationale: 'The web UI is a root-equivalent login; exposing it beyond admin networks invites credential attacks and exploits.',
  fix: 'Admit 8006/3128 only from admin sources (management ipset, cluster.fw rules), or restrict pveproxy with ALLOW_FROM/DENY_FROM/POLICY in /etc/default/pveproxy.',
  reads: [...READS, FILES.pveproxyDefaults],
}), 'firewall');

export const fw06: Check = engineMissing(meta({
  id: 'FW-06',
  title: 'Lockout guard: every admin source reaches tcp 22 and 8006',
  severity: 'critical',
  rationale: 'A DROP placed before the implicit management accepts, or an admin ACCEPT that Proxmox silently ignores, locks administrators out at the next firewall reload.',
  fix: 'Make sure no rule drops 22/8006 for admin sources before they are accepted; fix ignored rules (FW-08).',
}), 'firewall');

export const fw07: Check = engineMissing(meta({
  id: 'FW-07',
  title: 'Cluster traffic passes between all peers',
  severity: 'high',
  rationale: 'Blocking corosync (udp 5404-5405, or 5405-5412 with nftables), SSH or migration ports (tcp 60000-60050) between nodes breaks quorum, the GUI shell and live migration.',
  fix: 'Admit the peers\' ring addresses to corosync, tcp 22 and tcp 60000:60050 (cluster.fw rules from +cluster_nodes or the management ipset).',
}), 'firewall');

export const fw13: Check = engineMissing(meta({
  id: 'FW-13',
  title: 'The SSH and web UI restrictions also hold for IPv6 sources',
  severity: 'low',
  rationale: 'A ruleset that restricts IPv4 sources but leaves ip6tables or IPv6 rules open exposes the same services over IPv6.',
  fix: 'Mirror the IPv4 restrictions for IPv6 (ip6tables rules, IPv6 entries in the management ipset) or disable IPv6 on management interfaces.',
}), 'firewall');
