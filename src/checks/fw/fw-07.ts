import { FILES } from '../../collect/sources.js';
import type { Evidence } from '../../core/types.js';
import { portText, serviceText, type Exposure, type ExposureService } from '../../engines/firewall/exposure.js';
import { explainDecision } from '../../engines/firewall/matrix.js';
import type { Decision, Rule } from '../../engines/firewall/program.js';
import { migrationNetwork, nodeExposureFact, peerAddresses, type PeerAddress } from '../../model/facts/exposure.js';
import { corosyncTopologyFact } from '../../model/facts/firewall.js';
import { Unavailable } from '../../model/fact.js';
import { parseIp, rangeContains } from '../../parse/ip-address.js';
import { fail, pass, type Check, type Verdict } from '../types.js';
import { FW_REFERENCES } from './common.js';
import { assumptionsNote } from './exposure.js';
import { decisionEvidence, ENGINE_READS } from './reachability.js';

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
    const own = new Map((topo.nodes.find((n) => n.name === ctx.node.name)?.rings ?? []).map((r) => [r.key.replace('_addr', ''), r.addr]));
    const mig = migrationNetwork(ctx);
    const peers = peerAddresses(ctx);
    const unresolved: PeerAddress[] = [];
    const out: Verdict[] = [];
    const decisions: Decision[] = [];
    const accepted: string[] = [];
    const notes: string[] = [];
    const dstFor = (p: PeerAddress): string | undefined => {
      const mine = own.get(p.ring);
      const ip = mine ? parseIp(mine) : undefined;
      return ip && ip.family === p.family ? mine : undefined;
    };
    const probe = (p: PeerAddress, svc: ExposureService) => {
      const e = nx.of(svc, p.family!, dstFor(p));
      const blocked = blockedFor(e, p);
      for (const b of blocked) {
        out.push(fail(`cluster traffic blocked: ${b.ports.join(', ')} from peer ${p.node} ${p.ring} (${p.addr}): ${b.decision.verdict} by ${explainDecision(b.decision)}${assumptionsNote([b.decision], nx)}`,
          decisionEvidence(b.decision, nx.fw)));
      }
      decisions.push(...acceptedDecisions(e, p));
    };
    for (const node of [...new Set(peers.map((p) => p.node))]) {
      const links = peers.filter((p) => p.node === node);
      // corosync on every link
      for (const p of links) {
        if (p.unresolved) unresolved.push(p);
        else probe(p, nx.services.corosync);
      }
      // SSH and migration over the cluster network: datacenter.cfg `migration: network=`, else ring0.
      let cluster = mig.range ? links.find((p) => p.family && rangeContains(mig.range!, { family: p.family, from: parseIp(p.addr)!.value, to: parseIp(p.addr)!.value, text: p.addr })) : undefined;
      if (mig.range && !cluster) notes.push(`${node} has no ring address in the migration network ${mig.range.text}: its ring0 address stands in`);
      cluster ??= links.find((p) => p.ring === 'ring0') ?? links[0];
      if (!cluster) continue;
      if (cluster.unresolved) {
        if (!unresolved.includes(cluster)) unresolved.push(cluster);
        continue;
      }
      probe(cluster, nx.ssh.service);
      probe(cluster, nx.services.migration);
      accepted.push(`${node} (${links.filter((p) => !p.unresolved).map((p) => `${p.ring} ${p.addr}`).join(', ')})`);
    }
    const unresolvedText = unresolved.map((p) => `${p.node} ${p.ring} "${p.addr}" (${p.unresolved})`).join(', ');
    if (out.length) {
      if (unresolved.length) out.push(fail(`also not decided: peer ring address(es) that are not IP addresses: ${unresolvedText}`, [{ source: FILES.corosyncConf }]));
      return out;
    }
    if (unresolved.length) throw new Unavailable(`peer ring address(es) are not IP addresses: ${unresolvedText}; cannot decide whether cluster traffic passes`);
    const ev: Evidence[] = [...new Map(decisions.flatMap((d) => decisionEvidence(d, nx.fw)).map((x) => [`${x.source}:${x.line}:${x.text}`, x])).values()].slice(0, 4);
    if (mig.evidence) ev.push(mig.evidence);
    const where = mig.range ? `the migration network ${mig.range.text}` : 'ring0';
    return pass(`corosync ${serviceText(nx.services.corosync)} on every link, SSH ${serviceText(nx.ssh.service)} and migration ${serviceText(nx.services.migration)} (every port) over ${where} accepted from ${accepted.join(', ')} (${nx.fw.manager})${assumptionsNote(decisions, nx, [nx.ssh.note, ...notes])}`, ev);
  },
};

/** The port segments where a peer's address is not accepted, grouped by the deciding rule. */
function blockedFor(e: Exposure, p: PeerAddress): { decision: Decision; ports: string[] }[] {
  const v = parseIp(p.addr)!.value;
  const groups = new Map<Rule | string, { decision: Decision; ports: string[] }>();
  for (const s of e.segments) {
    const c = s.classes.find((x) => x.set.has(v))!;
    if (c.verdict === 'ACCEPT') continue;
    const key = c.decision.rule ?? c.decision.reason;
    const g = groups.get(key) ?? { decision: c.decision, ports: [] };
    g.ports.push(portText(e.service.proto, s.from, s.to));
    groups.set(key, g);
  }
  return [...groups.values()];
}

function acceptedDecisions(e: Exposure, p: PeerAddress): Decision[] {
  const v = parseIp(p.addr)!.value;
  return e.segments.map((s) => s.classes.find((x) => x.set.has(v))!).filter((c) => c.verdict === 'ACCEPT').map((c) => c.decision);
}
