/**
 * Issue 10: the FW remedy's plan for a 16-node cluster in iptables mode — per node the generated
 * allowlist and its exposure gate (current vs proposed exact exposure of every service and family, the
 * peers' corosync/SSH/migration, pvesec's own address). Target ≤ 1 s for all 16 nodes.
 */
import { memorySnapshot } from '../src/collect/memory.js';
import { groupClusters } from '../src/audit/run.js';
import { FactContext } from '../src/model/fact.js';
import { DEFAULT_CONFIG } from '../src/config/schema.js';
import { planIptablesFirewall } from '../src/checks/fw/remedy.js';
import { corosyncConf, pveNodeWith } from '../src/checks/fw/testing.js';
import { EMPTY_IP6TABLES, EMPTY_IPTABLES } from '../test/fixtures/netfilter/helpers.js';
import type { BenchResult } from './perms.js';

const TARGET_MS = 1000;

export async function benchFwGate(nodes = 16): Promise<BenchResult[]> {
  const names = Array.from({ length: nodes }, (_, i) => `pve${i + 1}`);
  const coro = corosyncConf(Object.fromEntries(names.map((n, i) => [n, `10.20.0.${i + 1}`])));
  const states = 'ssh active enabled\npve-firewall inactive not-found\nnetfilter-persistent inactive not-found\n';
  const snapshots = names.map((name, i) => memorySnapshot({
    target: name,
    ...pveNodeWith({ name, clusterFw: null, states, iptables: EMPTY_IPTABLES, ip6tables: EMPTY_IP6TABLES },
      { '/etc/pve/corosync.conf': coro, '/etc/hosts': `127.0.0.1 localhost\n10.20.0.${i + 1} ${name}\n` }, { 'sshd -T': 'port 22\n' }),
    meta: { sshConnection: '10.10.0.5 50000 10.20.0.1 22' },
  }));
  const config = { ...DEFAULT_CONFIG, admin_sources: ['10.10.0.0/24', '2001:db8:10::/64'], non_admin_networks: ['192.168.0.0/16'] };
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (const c of groupClusters(snapshots)) {
      for (const n of c.nodes) planIptablesFirewall({ ctx: new FactContext(n, c, config), config, findings: [] });
    }
    times.push(performance.now() - t0);
  }
  const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
  return [{ name: `FW remedy plan + exposure gate, ${nodes}-node cluster (iptables mode, median of 5)`, value: median, unit: 'ms', target: `<= ${TARGET_MS}`, ok: median <= TARGET_MS }];
}
