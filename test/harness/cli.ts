/**
 * Running the built CLI from a client namespace and reading its JSON report (schema pvesec.audit/v1)
 * in end-to-end tests and the benchmark.
 */
import { CLI, keys, runInClient, type Host, type RunResult } from './hosts.js';

export interface ReportFinding {
  id: string;
  status: 'PASS' | 'FAIL' | 'WARN' | 'SKIP' | 'NOTICE' | 'INFO';
  severity: string;
  title: string;
  message: string;
  evidence: { source: string; line?: number; text?: string }[];
  node?: string;
  cluster?: string;
  waiver?: unknown;
}

export interface ReportTarget {
  target: string;
  status: 'ok' | 'error';
  error?: string;
  node?: string;
  cluster?: string;
  privilege?: string;
}

export interface AuditReport {
  schema: string;
  tool: { name: string; version: string };
  generatedAt: string;
  targets: ReportTarget[];
  clusters: { name: string; clustered: boolean; nodes: string[]; score: number }[];
  findings: ReportFinding[];
  summary: Record<string, number>;
}

export interface AuditRun extends RunResult {
  /** Parsed stdout when it is a JSON report; undefined otherwise (see stdout/stderr). */
  report?: AuditReport;
}

export interface AuditOptions {
  identity?: string;
  knownHosts: string;
  /** Per-node timeout passed as --timeout (seconds). */
  timeoutSec?: number;
  /** Hard limit for the whole CLI process. */
  processTimeoutMs?: number;
  extraArgs?: string[];
}

/** `pvesec audit TARGET... --format json` run with `node dist/cli.js` inside the client's namespace. */
export async function auditJson(client: Host, targets: string[], opts: AuditOptions): Promise<AuditRun> {
  const argv = [
    process.execPath, CLI, 'audit', ...targets,
    '--identity', opts.identity ?? keys.root,
    '--known-hosts', opts.knownHosts,
    '--timeout', String(opts.timeoutSec ?? 15),
    '--format', 'json', '--no-color',
    ...(opts.extraArgs ?? []),
  ];
  const r = await runInClient(client, argv, { timeoutMs: opts.processTimeoutMs ?? 60_000 });
  let report: AuditReport | undefined;
  try {
    const parsed = JSON.parse(r.stdout) as AuditReport;
    if (parsed && parsed.schema === 'pvesec.audit/v1') report = parsed;
  } catch {
    /* not JSON: leave undefined, callers show stdout/stderr */
  }
  return { ...r, report };
}

/** The finding(s) of one control for one node. */
export function findingsOf(report: AuditReport, id: string, node?: string): ReportFinding[] {
  return report.findings.filter((f) => f.id === id && (node === undefined || f.node === node));
}

/** Status of a control on a node; throws with the node's control list when it is absent or ambiguous. */
export function statusOf(report: AuditReport, id: string, node: string): ReportFinding['status'] {
  const fs = findingsOf(report, id, node);
  if (fs.length === 0) {
    const ids = [...new Set(report.findings.filter((f) => f.node === node).map((f) => f.id))].join(' ');
    throw new Error(`no ${id} finding for node ${node}; node has: ${ids || '(none)'}`);
  }
  // Multi-verdict controls: the worst verdict decides.
  const order = ['FAIL', 'WARN', 'SKIP', 'NOTICE', 'INFO', 'PASS'] as const;
  return order.find((s) => fs.some((f) => f.status === s)) ?? fs[0].status;
}

/** One-line description of a run for assertion messages. */
export function describeRun(r: RunResult): string {
  const clip = (s: string) => (s.length > 1500 ? `${s.slice(0, 1500)}...` : s);
  return `exit=${r.code} signal=${r.signal} timedOut=${r.timedOut} ${Math.round(r.durationMs)}ms\n` +
    `stderr: ${clip(r.stderr.trim())}\nstdout: ${clip(r.stdout.trim())}`;
}
