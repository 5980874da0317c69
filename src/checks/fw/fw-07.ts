import { FILES } from '../../collect/sources.js';
import type { Evidence } from '../../core/types.js';
import { classAt, portText, serviceText, type Exposure } from '../../engines/firewall/exposure.js';
import { explainDecision } from '../../engines/firewall/matrix.js';
import type { Decision, Rule } from '../../engines/firewall/program.js';
import { nodeExposureFact, peerRequirements } from '../../model/facts/exposure.js';
import { corosyncTopologyFact } from '../../model/facts/firewall.js';
import { Unavailable } from '../../model/fact.js';
import { parseIp } from '../../parse/ip-address.js';
import { fail, keyed, pass, type Check, type Verdict } from '../types.js';
import { FW_REFERENCES } from './common.js';
import { assumptionsNote } from './exposure.js';
import { decisionEvidence, decisionKey, ENGINE_READS } from './reachability.js';

export const fw07: Check = {
  meta: {
    id: 'FW-07',
    section: 'FW',
    title: 'Cluster traffic passes between all peers',
    severity: 'high',
    scope: 'node',
    rationale: 'Blocking corosync (udp 5404-5405, or 5405-5412 with nftables) on any link, or SSH and the migration ports (tcp 60000-60050) on the cluster network, breaks quorum, the GUI shell and live migration.',
    fix: 'Admit the peers\' ring addresses to corosync, and their cluster-network addresses to the SSH port and tcp 60000:60050 (e.g. cluster.fw `[IPSET cluster_nodes]` with the addresses and `IN ACCEPT -source +cluster_nodes -p tcp -dport 22,60000:60050`); with pve-firewall the management ipset (local_network) covers 22 and migration.',
    reads: [...ENGINE_READS, FILES.datacenterCfg, 'sshd -T'],
    references: FW_REFERENCES,
  },
  evaluate(ctx) {
    const topo = ctx.get(corosyncTopologyFact);
    const nx = ctx.get(nodeExposureFact);
    if (!topo || topo.nodes.filter((n) => n.name !== ctx.node.name).length === 0) {
      return pass(`standalone node: ${topo ? 'corosync.conf lists no other node' : 'no corosync.conf'}, no cluster traffic to let through`, [{ source: FILES.corosyncConf, text: topo ? 'no peers' : 'absent' }]);
    }
    const { requirements, unresolved, notes, migration } = peerRequirements(ctx, nx);
    const out: Verdict[] = [];
    const decisions: Decision[] = [];
    for (const { peer, service, dst } of requirements) {
      const e = nx.of(service, peer.family!, dst);
      for (const b of blockedFor(e, peer.addr)) {
        out.push(keyed(`${peer.node} ${peer.ring} ${peer.addr} ${serviceText(service)} ${decisionKey(b.decision)}`, fail(`cluster traffic blocked: ${b.ports.join(', ')} from peer ${peer.node} ${peer.ring} (${peer.addr}): ${b.decision.verdict} by ${explainDecision(b.decision)}${assumptionsNote([b.decision], nx)}`,
          decisionEvidence(b.decision, nx.fw))));
      }
      decisions.push(...acceptedDecisions(e, peer.addr));
    }
    const unresolvedText = unresolved.map((p) => `${p.node} ${p.ring} "${p.addr}" (${p.unresolved})`).join(', ');
    if (out.length) {
      if (unresolved.length) out.push(keyed('unresolved peers', fail(`also not decided: peer ring address(es) that are not IP addresses: ${unresolvedText}`, [{ source: FILES.corosyncConf, text: unresolved.map((p) => `${p.node} ${p.ring} ${p.addr}`).join(', ') }])));
      return out;
    }
    if (unresolved.length) throw new Unavailable(`peer ring address(es) are not IP addresses: ${unresolvedText}; cannot decide whether cluster traffic passes`);
    const byNode = new Map<string, string[]>();
    for (const { peer } of requirements) {
      const l = byNode.get(peer.node) ?? [];
      const t = `${peer.ring} ${peer.addr}`;
      if (!l.includes(t)) l.push(t);
      byNode.set(peer.node, l);
    }
    // the first four distinct evidence lines (thousands of peers: no need to spell out every decision)
    const firstFour = new Map<string, Evidence>();
    found: for (const d of decisions) {
      for (const x of decisionEvidence(d, nx.fw)) {
        const key = `${x.source}:${x.line}:${x.text}`;
        if (!firstFour.has(key)) firstFour.set(key, x);
        if (firstFour.size === 4) break found;
      }
    }
    const ev: Evidence[] = [...firstFour.values()];
    if (migration.evidence) ev.push(migration.evidence);
    const where = migration.range ? `the migration network ${migration.range.text}` : 'ring0';
    const peers = [...byNode].map(([n, l]) => `${n} (${l.join(', ')})`).join(', ');
    return pass(`corosync ${serviceText(nx.services.corosync)} on every link, SSH ${serviceText(nx.ssh.service)} and migration ${serviceText(nx.services.migration)} (every port) over ${where} accepted from ${peers} (${nx.fw.manager})${assumptionsNote(decisions, nx, [nx.ssh.note, ...notes])}`, ev);
  },
};

/** The port segments where an address is not accepted, grouped by the deciding rule. */
export function blockedFor(e: Exposure, addr: string): { decision: Decision; ports: string[] }[] {
  const v = parseIp(addr)!.value;
  const groups = new Map<Rule | string, { decision: Decision; ports: string[] }>();
  for (const s of e.segments) {
    const c = classAt(s, v);
    if (c.verdict === 'ACCEPT') continue;
    const key = c.decision.rule ?? c.decision.reason;
    const g = groups.get(key) ?? { decision: c.decision, ports: [] };
    g.ports.push(portText(e.service.proto, s.from, s.to));
    groups.set(key, g);
  }
  return [...groups.values()];
}

function acceptedDecisions(e: Exposure, addr: string): Decision[] {
  const v = parseIp(addr)!.value;
  return e.segments.map((s) => classAt(s, v)).filter((c) => c.verdict === 'ACCEPT').map((c) => c.decision);
}
