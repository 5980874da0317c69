import type { Finding, Severity, Status } from '../core/types.js';

/** Points a control is worth, by severity (docs/scoring.md). */
export const SEVERITY_WEIGHTS: Record<Severity, number> = { critical: 10, high: 5, medium: 3, low: 1, info: 0 };

/** Share of the weight a status earns; statuses absent here do not count towards the score. */
const EARNED_SHARE: Partial<Record<Status, number>> = { PASS: 1, WARN: 0.5, FAIL: 0 };

/** A waiver in force takes the finding out of the score (an expired one no longer does). */
function isWaived(f: Finding): boolean {
  return f.waiver !== undefined && !f.waiver.expired;
}

/**
 * Score 0-100 of a set of findings: PASS earns its full severity weight, WARN half, FAIL nothing;
 * SKIP, NOTICE, INFO and waived findings are left out. 100 when nothing counts.
 */
export function scoreFindings(findings: Iterable<Finding>): number {
  let earned = 0;
  let possible = 0;
  for (const f of findings) {
    const share = EARNED_SHARE[f.status];
    if (share === undefined || isWaived(f)) continue;
    const weight = SEVERITY_WEIGHTS[f.severity] ?? 0;
    earned += weight * share;
    possible += weight;
  }
  return possible === 0 ? 100 : Math.round((100 * earned) / possible);
}
