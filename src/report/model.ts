import { SEVERITIES, STATUSES, type ControlMeta, type Finding, type Severity, type Status } from '../core/types.js';
import type { ClusterResult } from '../audit/run.js';
import type { Snapshot } from '../collect/snapshot.js';
import type { ClusterModel } from '../model/fact.js';
import { scoreFindings } from './score.js';
import { sourceCoverage, type SourceCoverage } from './coverage.js';

/** What happened to one target given on the command line (or one bundle of an expanded directory). */
export interface TargetOutcome {
  target: string;
  status: 'ok' | 'error';
  error?: string;
  node?: string;
  cluster?: string;
  privilege?: Snapshot['meta']['privilege'];
  /** A plain backup (no pvesec/meta.json) lacking some of what pvesec reads: how much it holds. */
  partial?: SourceCoverage;
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
  /** Overall score; null when nothing was audited (no target could be collected). */
  score: number | null;
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
    const partial = sourceCoverage(t.snapshot);
    return { target: t.target, status: 'ok', node: where?.node, cluster: where?.cluster, privilege: t.snapshot.meta.privilege, ...(partial ? { partial } : {}) };
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
    score: input.results.length ? scoreFindings(input.results.flatMap((r) => [...r.findings, ...r.nodeFindings.flatMap((n) => n.findings)])) : null,
    controls: input.controls,
  };
}

/**
 * Every finding of the report in the one order every format uses: block by block (reportBlocks), within a
 * block in catalogue order, so grouped by section as the text report shows them.
 */
export function allFindings(report: AuditReport): Finding[] {
  return reportBlocks(report).flatMap((b) => b.findings);
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
  /** The cluster the block belongs to (a standalone node's is its own name). */
  clusterName: string;
  score: number;
  /** In catalogue order (a standalone node's cluster-wide and node findings merged). */
  findings: Finding[];
  /** A node block read from a partial backup: what it lacks (said once, at the top of the block). */
  partial?: SourceCoverage;
}

export function reportBlocks(report: AuditReport): ReportBlock[] {
  const rank = new Map(report.controls.map((m, i) => [m.id, i]));
  // stable: the verdicts of one control keep their order; an id outside the catalogue goes last
  const ordered = (fs: Finding[]) => fs.map((f, i) => ({ f, i, r: rank.get(f.id) ?? rank.size })).sort((a, b) => a.r - b.r || a.i - b.i).map((x) => x.f);
  const partialOf = (cluster: string, node: string) => report.targets.find((t) => t.cluster === cluster && t.node === node)?.partial;
  const nodeBlock = (c: ClusterReport, n: NodeReport, standalone: boolean): ReportBlock => {
    const partial = partialOf(c.name, n.node);
    return {
      kind: 'node', name: n.node, ...(standalone ? {} : { cluster: c.name }), clusterName: c.name,
      score: standalone ? c.score : n.score, findings: ordered(standalone ? [...c.findings, ...n.findings] : n.findings), ...(partial ? { partial } : {}),
    };
  };
  return report.clusters.flatMap((c): ReportBlock[] =>
    c.clustered
      ? [
          { kind: 'cluster', name: c.name, nodes: c.nodes, clusterName: c.name, score: c.score, findings: ordered(c.findings) },
          ...c.nodeFindings.map((n) => nodeBlock(c, n, false)),
        ]
      : c.nodeFindings.map((n) => nodeBlock(c, n, true)),
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
