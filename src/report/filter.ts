import type { Status } from '../core/types.js';
import type { Check } from '../checks/types.js';
import { idMatches } from '../checks/ids.js';
import type { AuditReport } from './model.js';

/** The controls an audit evaluates: all of them, or those matching --control patterns (SSH-*, FW-01). */
export function selectChecks(checks: Check[], patterns: string[] | undefined): Check[] {
  if (!patterns || patterns.length === 0) return checks;
  return checks.filter((c) => idMatches(c.meta.id, patterns));
}

/**
 * The --only view: keeps the findings whose status is listed. Counts are taken from what remains,
 * so every counted finding is shown; scores stay those of the whole audit.
 */
export function filterReport(report: AuditReport, only: Status[] | undefined): AuditReport {
  if (!only || only.length === 0) return report;
  const keep = new Set(only);
  return {
    ...report,
    clusters: report.clusters.map((c) => ({
      ...c,
      findings: c.findings.filter((f) => keep.has(f.status)),
      nodeFindings: c.nodeFindings.map((n) => ({ ...n, findings: n.findings.filter((f) => keep.has(f.status)) })),
    })),
  };
}
