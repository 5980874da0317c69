import { FILES } from '../../collect/sources.js';
import { corosyncTopologyFact, nodeFirewallFact, reachabilityFact } from '../../model/facts/firewall.js';
import { fail, pass, type Check, type Verdict } from '../types.js';
import { FW_REFERENCES } from './common.js';
import { assumptionNote, decisionEvidence, describePort, ENGINE_READS } from './reachability.js';

export const fw07: Check = {
  meta: {
    id: 'FW-07',
    section: 'FW',
    title: 'Cluster traffic passes between all peers',
    severity: 'high',
    scope: 'node',
    rationale: 'Blocking corosync (udp 5404-5405, or 5405-5412 with nftables), SSH or migration ports (tcp 60000-60050) between nodes breaks quorum, the GUI shell and live migration.',
    fix: 'Admit the peers\' ring addresses to corosync, tcp 22 and tcp 60000:60050 (e.g. cluster.fw `[IPSET cluster_nodes]` with the ring addresses and `IN ACCEPT -source +cluster_nodes -p tcp -dport 22,60000:60050`); with pve-firewall the management ipset (local_network) covers 22 and migration.',
    reads: ENGINE_READS,
    references: FW_REFERENCES,
  },
  evaluate(ctx) {
    const topo = ctx.get(corosyncTopologyFact);
    const fw = ctx.get(nodeFirewallFact);
    if (!topo || topo.nodes.filter((n) => n.name !== ctx.node.name).length === 0) {
      return pass(`standalone node: ${topo ? 'corosync.conf lists no other node' : 'no corosync.conf'}, no cluster traffic to let through`, [{ source: FILES.corosyncConf, text: topo ? 'no peers' : 'absent' }]);
    }
    const cells = ctx.get(reachabilityFact).cells.filter((c) => c.source.kind === 'peer' && ['corosync', 'ssh', 'migration'].includes(c.service.name));
    const out: Verdict[] = [];
    for (const cell of cells) {
      for (const p of cell.ports) {
        if (p.verdict === 'ACCEPT') continue;
        out.push(fail(`cluster traffic blocked: ${describePort(cell, p)}${assumptionNote([p], fw)}`, decisionEvidence(p.decision, fw)));
      }
    }
    if (out.length) return out;
    const peers = [...new Set(cells.map((c) => `${c.source.label} ${c.source.address}`))];
    if (!peers.length) return pass('no peer ring address is an IP address (hostnames are not resolved): nothing to probe', [{ source: FILES.corosyncConf }]);
    const ports = [...new Set(cells.map((c) => `${c.service.proto} ${c.service.ports.join('-')}`))];
    return pass(`${ports.join(', ')} accepted from ${peers.join(', ')} (${fw.manager})${assumptionNote(cells.flatMap((c) => c.ports), fw)}`,
      cells.flatMap((c) => c.ports.flatMap((p) => decisionEvidence(p.decision, fw))).slice(0, 4));
  },
};
