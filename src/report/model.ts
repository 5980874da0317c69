import { SEVERITIES, STATUSES, type ControlMeta, type Finding, type Severity, type Status } from '../core/types.js';
import type { ClusterResult } from '../audit/run.js';
import type { Snapshot } from '../collect/snapshot.js';
import type { ClusterModel } from '../model/fact.js';
import { scoreFindings } from './score.js';

/** What happened to one target given on the command line (or one bundle of an expanded directory). */
export interface TargetOutcome {
  target: string;
  status: 'ok' | 'error';
  error?: string;
  node?: string;
  cluster?: string;
  privilege?: Snapshot['meta']['privilege'];
}

export interface NodeReport {
  node: string;
  score: number;
  findings: Finding[];
}

export interface ClusterReport {
  name: string;
  clustered: boolean;
  nodes: string[];
  /** Score of the cluster-wide findings and of every node's findings together. */
  score: number;
  /** Cluster-scoped findings (evaluated once on /etc/pve). */
  findings: Finding[];
  nodeFindings: NodeReport[];
}

/**
 * Everything a renderer needs. Scores are computed over every finding of the audited controls;
 * the --only view filter (filter.ts) removes findings afterwards but leaves the scores alone.
 */
export interface AuditReport {
  tool: { name: 'pvesec'; version: string };
  generatedAt: string;
  targets: TargetOutcome[];
  clusters: ClusterReport[];
  score: number;
  /** Metadata of the controls that were evaluated, in catalogue order (SARIF rules). */
  controls: ControlMeta[];
}

export interface ReportInput {
  version: string;
  generatedAt: Date;
  /** Every target with its snapshot or its error, in command-line order. */
  targets: { target: string; snapshot?: Snapshot; error?: string }[];
  clusters: ClusterModel[];
  results: ClusterResult[];
  controls: ControlMeta[];
}

export function buildReport(input: ReportInput): AuditReport {
  const clusterOf = new Map<Snapshot, { cluster: string; node: string }>();
  for (const c of input.clusters) for (const n of c.nodes) clusterOf.set(n.snapshot, { cluster: c.name, node: n.name });

  const targets: TargetOutcome[] = input.targets.map((t) => {
    if (!t.snapshot) return { target: t.target, status: 'error', error: t.error ?? `${t.target}: collection failed` };
    const where = clusterOf.get(t.snapshot);
    return { target: t.target, status: 'ok', node: where?.node, cluster: where?.cluster, privilege: t.snapshot.meta.privilege };
  });

  const clusters: ClusterReport[] = input.results.map((r) => {
    const nodeFindings = r.nodeFindings.map((n) => ({ node: n.node, score: scoreFindings(n.findings), findings: n.findings }));
    return {
      name: r.name,
      clustered: r.clustered,
      nodes: r.nodes,
      score: scoreFindings([...r.findings, ...r.nodeFindings.flatMap((n) => n.findings)]),
      findings: r.findings,
      nodeFindings,
    };
  });

  return {
    tool: { name: 'pvesec', version: input.version },
    generatedAt: input.generatedAt.toISOString(),
    targets,
    clusters,
    score: scoreFindings(input.results.flatMap((r) => [...r.findings, ...r.nodeFindings.flatMap((n) => n.findings)])),
    controls: input.controls,
  };
}

/** Every finding of the report in its stable order: per cluster, the cluster's findings then each node's. */
export function allFindings(report: AuditReport): Finding[] {
  return report.clusters.flatMap((c) => [...c.findings, ...c.nodeFindings.flatMap((n) => n.findings)]);
}

/**
 * The report as the blocks a reader goes through: for a cluster, its /etc/pve findings, then each node;
 * a standalone node is one block holding both (its cluster score is its score).
 */
export interface ReportBlock {
  kind: 'cluster' | 'node';
  name: string;
  /** For a cluster block: its nodes. For a node of a cluster: that cluster. Absent for a standalone node. */
  nodes?: string[];
  cluster?: string;
  score: number;
  findings: Finding[];
}

export function reportBlocks(report: AuditReport): ReportBlock[] {
  return report.clusters.flatMap((c): ReportBlock[] =>
    c.clustered
      ? [
          { kind: 'cluster', name: c.name, nodes: c.nodes, score: c.score, findings: c.findings },
          ...c.nodeFindings.map((n): ReportBlock => ({ kind: 'node', name: n.node, cluster: c.name, score: n.score, findings: n.findings })),
        ]
      : c.nodeFindings.map((n): ReportBlock => ({ kind: 'node', name: n.node, score: c.score, findings: [...c.findings, ...n.findings] })),
  );
}

export type StatusCounts = Record<Status, number> & { total: number };

export function countStatuses(findings: Iterable<Finding>): StatusCounts {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as StatusCounts;
  counts.total = 0;
  for (const f of findings) {
    counts[f.status]++;
    counts.total++;
  }
  return counts;
}

/** --fail-on threshold: a severity, or 'none' (never fail on findings). */
export type FailOn = Severity | 'none';
export const FAIL_ON_VALUES: readonly FailOn[] = [...SEVERITIES, 'none'];

/**
 * Exit code of `pvesec audit`: 2 when a target could not be collected, 1 when a FAIL at or above
 * the threshold remains (waived findings are NOTICE and do not count), else 0.
 */
export function auditExitCode(report: AuditReport, failOn: FailOn): 0 | 1 | 2 {
  if (report.targets.some((t) => t.status === 'error')) return 2;
  if (failOn === 'none') return 0;
  const limit = SEVERITIES.indexOf(failOn);
  const failing = allFindings(report).some((f) => f.status === 'FAIL' && SEVERITIES.indexOf(f.severity) <= limit);
  return failing ? 1 : 0;
}
