import { STATUSES, type Finding, type Status } from '../core/types.js';
import type { Snapshot } from '../collect/snapshot.js';
import type { PvesecConfig, Waiver } from '../config/schema.js';
import { ClusterModel, FactContext, Unavailable, type NodeHandle } from '../model/fact.js';
import { clusterNameOf, nodeIdentityOf } from '../model/identity.js';
import { MAX_FINDINGS_PER_CHECK, omittedFindings, type Check, type Verdict } from '../checks/types.js';

export { MAX_FINDINGS_PER_CHECK };

export interface ClusterResult {
  name: string;
  clustered: boolean;
  nodes: string[];
  /** Cluster-scoped findings (evaluated once on /etc/pve). */
  findings: Finding[];
  /** Node-scoped findings, per node in target order. */
  nodeFindings: { node: string; findings: Finding[] }[];
}

/** Groups snapshots into clusters by corosync cluster name; a standalone node is its own group. */
export function groupClusters(snapshots: Snapshot[]): ClusterModel[] {
  const groups = new Map<string, NodeHandle[]>();
  const clustered = new Map<string, boolean>();
  for (const snapshot of snapshots) {
    const id = nodeIdentityOf(snapshot);
    const node: NodeHandle = { name: id.name, snapshot, ...(id.unknown !== undefined ? { nameUnknown: id.unknown } : {}) };
    const cname = clusterNameOf(snapshot);
    const key = cname ? `cluster:${cname}` : `node:${node.name}:${snapshot.origin.target}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(node);
    clustered.set(key, cname !== undefined);
  }
  return [...groups.entries()].map(([key, nodes]) => {
    // Prefer a node collected with full privilege for the cluster-wide /etc/pve view.
    const rep = nodes.find((n) => n.snapshot.meta.privilege === 'root' || n.snapshot.meta.privilege === 'sudo') ?? nodes[0];
    const name = key.startsWith('cluster:') ? key.slice(8) : nodes[0].name;
    return new ClusterModel(name, nodes, rep, clustered.get(key)!);
  });
}

export function runChecks(
  clusters: ClusterModel[],
  checks: Check[],
  config: PvesecConfig,
  now: Date = new Date(),
): ClusterResult[] {
  return clusters.map((cluster) => {
    const repCtx = new FactContext(cluster.representative, cluster, config, now);
    const findings = checks
      .filter((c) => c.meta.scope === 'cluster')
      .flatMap((c) => evaluate(c, repCtx, { cluster: cluster.name }));
    const nodeFindings = cluster.nodes.map((node) => {
      const ctx = node === cluster.representative ? repCtx : new FactContext(node, cluster, config, now);
      return {
        node: node.name,
        findings: checks.filter((c) => c.meta.scope === 'node').flatMap((c) => evaluate(c, ctx, { node: node.name })),
      };
    });
    for (const f of [...findings, ...nodeFindings.flatMap((n) => n.findings)]) applyWaiver(f, config.waivers, now);
    return { name: cluster.name, clustered: cluster.clustered, nodes: cluster.nodes.map((n) => n.name), findings, nodeFindings };
  });
}

/**
 * A control lists at most this many findings per node (or cluster); the rest are counted in one
 * last finding. A hostile file with a million bad lines must not become a million-line report
 * (hundreds of MB of JSON, beyond what a string can hold).
 */
/** Keeps the MAX_FINDINGS_PER_CHECK - 1 worst verdicts (in their order) and sums up the others in one of their worst status. */
export function capVerdicts(verdicts: Verdict[]): Verdict[] {
  if (verdicts.length <= MAX_FINDINGS_PER_CHECK) return verdicts;
  const rank = (v: Verdict) => STATUSES.indexOf(v.status);
  const keep = new Set(verdicts.map((_, i) => i).sort((a, b) => rank(verdicts[a]) - rank(verdicts[b]) || a - b).slice(0, MAX_FINDINGS_PER_CHECK - 1));
  const kept = verdicts.filter((_, i) => keep.has(i));
  const counts = new Map<Status, number>();
  for (let i = 0; i < verdicts.length; i++) {
    if (!keep.has(i)) counts.set(verdicts[i].status, (counts.get(verdicts[i].status) ?? 0) + 1);
  }
  kept.push(omittedFindings(counts));
  return kept;
}

function evaluate(check: Check, ctx: FactContext, where: { node?: string; cluster?: string }): Finding[] {
  let verdicts: Verdict[];
  try {
    const v = check.evaluate(ctx);
    verdicts = Array.isArray(v) ? capVerdicts(v) : [v];
  } catch (e) {
    const reason = e instanceof Unavailable ? e.reason : `check failed: ${(e as Error).message ?? String(e)}`;
    verdicts = [{ status: 'SKIP', message: reason }];
  }
  const keys = uniqueKeys(verdicts.map((v) => v.key ?? ''));
  return verdicts.map((v, i) => ({
    id: check.meta.id,
    status: v.status,
    severity: v.severity ?? check.meta.severity,
    title: check.meta.title,
    message: v.message,
    // Every evidence item has a text (docs/output-formats.md); a check that gives none gets "".
    evidence: (v.evidence ?? []).map((e) => (e.text === undefined ? { ...e, text: '' } : e)),
    key: keys[i],
    ...where,
  }));
}

/**
 * The verdicts' keys made unique: a key given twice (a check that did not tell two verdicts apart)
 * becomes "key #2", "key #3" in order, so that no two findings of a control and target share one.
 */
export function uniqueKeys(keys: string[]): string[] {
  const seen = new Map<string, number>();
  return keys.map((k) => {
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    return n === 1 ? k : `${k} #${n}`.trimStart();
  });
}

/** A waiver turns a FAIL/WARN into NOTICE "waived"; an expired waiver no longer applies and says so. */
export function applyWaiver(f: Finding, waivers: Waiver[], now: Date): void {
  const w = waivers.find((w) => waiverMatches(w, f));
  if (!w) return;
  const expired = w.expires !== undefined && now.getTime() >= Date.parse(w.expires + 'T00:00:00Z') + 86_400_000;
  f.waiver = { reason: w.reason, expires: w.expires, expired };
  if (expired) {
    f.message += ` (waiver expired on ${w.expires}: ${w.reason})`;
    return;
  }
  if (f.status === 'FAIL' || f.status === 'WARN') {
    const original: Status = f.status;
    f.status = 'NOTICE';
    f.message = `waived ${original}${w.expires ? ` until ${w.expires}` : ''} (${w.reason}): ${f.message}`;
  }
}

function waiverMatches(w: Waiver, f: Finding): boolean {
  const idOk = w.id.endsWith('-*') ? f.id.startsWith(w.id.slice(0, -1)) : w.id === f.id;
  if (!idOk) return false;
  if (w.node === undefined) return true;
  return w.node === f.node;
}
