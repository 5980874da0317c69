import type { Evidence, Finding, Severity, Status } from '../core/types.js';
import { allFindings, countStatuses, reportBlocks, type AuditReport, type TargetOutcome } from './model.js';

export const AUDIT_SCHEMA_ID = 'pvesec.audit/v1';

export interface JsonEvidence { source: string; line?: number; text: string }
export interface JsonFinding {
  id: string;
  status: Status;
  severity: Severity;
  title: string;
  message: string;
  /** Identity of the finding within its control and node or cluster, stable across runs ("" for a control's only verdict). */
  key: string;
  evidence: JsonEvidence[];
  node?: string;
  cluster?: string;
  waiver?: { reason: string; expires?: string; expired: boolean };
}
export interface JsonReport {
  schema: typeof AUDIT_SCHEMA_ID;
  tool: { name: string; version: string };
  generatedAt: string;
  targets: TargetOutcome[];
  clusters: { name: string; clustered: boolean; nodes: string[]; score: number }[];
  findings: JsonFinding[];
  /** score: null when nothing was audited (no target could be collected). */
  summary: { PASS: number; FAIL: number; WARN: number; SKIP: number; NOTICE: number; INFO: number; total: number; score: number | null };
}

/** Copies only the defined fields, in the given key order (stable output, no `undefined` keys). */
function pick<T extends object, K extends keyof T>(obj: T, keys: K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}

function jsonFinding(f: Finding, cluster: string): JsonFinding {
  return {
    ...pick(f, ['id', 'status', 'severity', 'title', 'message']),
    key: f.key ?? '',
    evidence: f.evidence.map((e: Evidence) => ({ ...pick(e, ['source', 'line']), text: e.text ?? '' })),
    // Node findings carry their node and cluster; cluster findings only the cluster.
    ...(f.node !== undefined ? { node: f.node } : {}),
    cluster,
    ...(f.waiver ? { waiver: pick(f.waiver, ['reason', 'expires', 'expired']) } : {}),
  };
}

/** The report as the pvesec.audit/v1 document (docs/output-formats.md). */
export function toJsonReport(report: AuditReport): JsonReport {
  const counts = countStatuses(allFindings(report));
  return {
    schema: AUDIT_SCHEMA_ID,
    tool: { name: report.tool.name, version: report.tool.version },
    generatedAt: report.generatedAt,
    targets: report.targets.map((t) => ({
      ...pick(t, ['target', 'status', 'error', 'node', 'cluster', 'privilege']),
      ...(t.partial ? { partial: { present: t.partial.present, expected: t.partial.expected, missing: [...t.partial.missing] } } : {}),
    })),
    clusters: report.clusters.map((c) => ({ name: c.name, clustered: c.clustered, nodes: [...c.nodes], score: c.score })),
    findings: reportBlocks(report).flatMap((b) => b.findings.map((f) => jsonFinding(f, b.clusterName))),
    summary: {
      PASS: counts.PASS, FAIL: counts.FAIL, WARN: counts.WARN, SKIP: counts.SKIP, NOTICE: counts.NOTICE, INFO: counts.INFO,
      total: counts.total, score: report.score,
    },
  };
}

export function renderJson(report: AuditReport): string {
  return JSON.stringify(toJsonReport(report), null, 2) + '\n';
}
