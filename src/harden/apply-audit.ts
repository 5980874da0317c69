/**
 * The audit apply runs around a change: the node collected (like `pvesec audit`) and the targeted
 * controls evaluated, before (for "before -> after") and after (verification (e)); plus the cluster
 * peers of the node from its corosync.conf (verification (d)).
 */
import type { CollectOptions, CollectResult } from '../collect/index.js';
import { FILES } from '../collect/sources.js';
import type { Snapshot } from '../collect/snapshot.js';
import { groupClusters, runChecks } from '../audit/run.js';
import { ALL_CHECKS } from '../checks/registry.js';
import { selectChecks } from '../report/filter.js';
import type { PvesecConfig } from '../config/schema.js';
import { adminNames } from '../config/admins.js';
import type { Finding, Status } from '../core/types.js';
import { parseCorosyncConf } from '../parse/corosync.js';
import { fileDigest } from './plan.js';
import { controlStatuses } from './verify.js';

export type Collector = (targets: string[], opts: CollectOptions) => Promise<CollectResult[]>;

export interface NodeAudit {
  node: string;
  snapshot: Snapshot;
  findings: Finding[];
  statuses: Map<string, Status | undefined>;
}

export async function defaultCollector(): Promise<Collector> {
  return (await import('../collect/collect.js')).collectTargets;
}

/** Collects one node and evaluates the given controls on it; throws with the collection's one-line error. */
export async function auditNode(
  target: string,
  controls: string[],
  config: PvesecConfig,
  opts: CollectOptions,
  collect: Collector,
): Promise<NodeAudit> {
  // collected like `pvesec audit` and `pvesec plan` do (collectAndAudit), so digests and verdicts compare
  const [result] = await collect([target], { ...opts, backupGlob: config.config_backup_glob, sshdUsers: adminNames(config) });
  if (!result?.snapshot) throw new Error(result?.error ?? `${target}: nothing collected`);
  const clusters = groupClusters([result.snapshot]);
  const checks = selectChecks(ALL_CHECKS, controls);
  const [cluster] = runChecks(clusters, checks, config);
  const node = cluster.nodes[0];
  const findings = [...cluster.findings, ...(cluster.nodeFindings.find((n) => n.node === node)?.findings ?? [])];
  return { node, snapshot: result.snapshot, findings, statuses: controlStatuses(findings, controls) };
}

export interface ClusterView {
  /** This node's ring addresses (where its peers reach it). */
  ownAddresses: string[];
  peers: { name: string; addresses: string[] }[];
}

/** This node and its peers from the collected corosync.conf; empty on a standalone node. */
export function clusterView(snapshot: Snapshot, nodeName: string): ClusterView {
  const text = snapshot.text(FILES.corosyncConf);
  if (text === undefined) return { ownAddresses: [], peers: [] };
  const conf = parseCorosyncConf(text).value;
  const own = conf.nodes.find((n) => n.name === nodeName);
  return {
    ownAddresses: own?.rings ?? [],
    peers: conf.nodes.filter((n) => n.name !== nodeName).map((n) => ({ name: n.name, addresses: n.rings })),
  };
}

/**
 * sha256 (hex) of each file's collected content, null when the collection does not hold it: the same
 * digests `pvesec plan` records in fileDigests, so a node that did not change compares equal.
 */
export function snapshotDigests(snapshot: Snapshot, paths: string[]): Map<string, string | null> {
  return new Map(paths.map((p) => [p, fileDigest(snapshot, p)]));
}
