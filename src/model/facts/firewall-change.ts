import { Snapshot } from '../../collect/snapshot.js';
import { acceptedOnAll, acceptedOnAny, groupByRule, type ExposureService } from '../../engines/firewall/exposure.js';
import { RangeSet } from '../../engines/firewall/ranges.js';
import type { Decision } from '../../engines/firewall/program.js';
import { parseIpRange, type IpRange } from '../../parse/ip-address.js';
import { Unavailable, type FactContext } from '../fact.js';
import { describeOffenders, type AddressPolicy, type NodeExposure, type PeerRequirement, peerRequirements } from './exposure.js';

/**
 * What a firewall change does to one node, decided on exact exposure sets: who loses access (admin
 * addresses on ssh/web, cluster peers on corosync/ssh/migration, any extra required source such as the
 * address pvesec itself connects from) and what becomes newly reachable from public or non-admin ranges.
 * `fw check-change`, `plan` and `apply` all gate a firewall change with compareNode.
 */

export interface Lockout {
  node: string;
  /** "admin" or "peer pve2 ring0" */
  who: string;
  service: ExposureService;
  family: 4 | 6;
  ports: string[];
  lost: RangeSet;
  after: Decision;
}

export interface NewExposure {
  node: string;
  service: ExposureService;
  family: 4 | 6;
  ports: string[];
  set: RangeSet;
  description: string;
  after: Decision;
}

/** Admin addresses losing ssh/web, peers losing corosync/ssh/migration, public or non-admin ranges newly accepted. */
export function compareNode(ctx: FactContext, before: NodeExposure, next: NodeExposure, policy: AddressPolicy, lockouts: Lockout[], exposed: NewExposure[]): void {
  const node = ctx.node.name;
  const lose = (who: string, svc: ExposureService, family: 4 | 6, set: RangeSet, dst?: string) => {
    const was = acceptedOnAll(before.of(svc, family, dst)).intersect(set);
    if (was.isEmpty()) return;
    const now = next.of(svc, family, dst);
    for (const g of groupByRule(now, was, false)) lockouts.push({ node, who, service: svc, family, ports: g.ports, lost: g.set, after: g.decision });
  };
  for (const family of [4, 6] as const) {
    for (const svc of [before.ssh.service, before.services.web]) {
      if (svc === before.ssh.service && !before.ssh.families.includes(family)) continue;
      lose('admin', svc, family, policy.admin[family]);
    }
  }
  let reqs: PeerRequirement[] = [];
  try {
    reqs = peerRequirements(ctx, before).requirements;
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
  }
  for (const r of reqs) lose(`peer ${r.peer.node} ${r.peer.ring}`, r.service, r.peer.family!, RangeSet.fromRanges(r.peer.family!, [parseIpRange(r.peer.addr) as IpRange]), r.dst);
  for (const family of [4, 6] as const) {
    const forbidden = policy.public[family].union(policy.nonAdmin[family]);
    for (const svc of Object.values(before.services)) {
      const newly = acceptedOnAny(next.of(svc, family)).minus(acceptedOnAny(before.of(svc, family))).intersect(forbidden);
      if (newly.isEmpty()) continue;
      for (const g of groupByRule(next.of(svc, family), newly, true)) {
        exposed.push({ node, service: svc, family, ports: g.ports, set: g.set, description: describeOffenders(g.set, policy), after: g.decision });
      }
    }
  }
}

/** A copy of a snapshot with some files (and command outputs, e.g. `iptables-save`) replaced: the proposed configuration. */
export function withFiles(s: Snapshot, files: Map<string, string>, commands: Map<string, string> = new Map()): Snapshot {
  const copy = new Snapshot(s.origin);
  copy.meta = s.meta;
  for (const f of s.files.values()) copy.addFile(f);
  for (const [d, st] of s.dirs) copy.addDir(d, st);
  for (const [n, c] of s.commands) copy.commands.set(n, c);
  for (const [k, v] of s.errors) if (!files.has(k)) copy.errors.set(k, v);
  for (const [p, text] of files) copy.addFile({ path: p, content: Buffer.from(text), stat: s.file(p)?.stat });
  for (const [name, output] of commands) copy.commands.set(name, { name, output, exitCode: 0 });
  return copy;
}
