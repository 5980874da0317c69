import type { ControlMeta, Evidence, Severity, Status } from '../core/types.js';
import type { FactContext } from '../model/fact.js';

/** What a check returns; the runner adds id, title, node and default severity. */
export interface Verdict {
  status: Status;
  message: string;
  evidence?: Evidence[];
  /** Overrides the control's default severity for this verdict (rare). */
  severity?: Severity;
}

/**
 * One control, ESLint-rule style: metadata plus a single evaluate function. evaluate returns one
 * verdict, or several (e.g. one per sysctl key); it throws Unavailable (via ctx.get/require*) when
 * the data it needs is missing, which the runner reports as SKIP.
 */
export interface Check {
  meta: ControlMeta;
  evaluate(ctx: FactContext): Verdict | Verdict[];
}

export const pass = (message: string, evidence: Evidence[] = []): Verdict => ({ status: 'PASS', message, evidence });
export const fail = (message: string, evidence: Evidence[] = []): Verdict => ({ status: 'FAIL', message, evidence });
export const warn = (message: string, evidence: Evidence[] = []): Verdict => ({ status: 'WARN', message, evidence });
export const skip = (message: string, evidence: Evidence[] = []): Verdict => ({ status: 'SKIP', message, evidence });
export const notice = (message: string, evidence: Evidence[] = []): Verdict => ({ status: 'NOTICE', message, evidence });
export const info = (message: string, evidence: Evidence[] = []): Verdict => ({ status: 'INFO', message, evidence });

/** For controls that need an engine a later issue provides. */
export function engineMissing(meta: ControlMeta, engine: 'permission' | 'firewall'): Check {
  return {
    meta,
    evaluate: () => skip(`engine not available yet (needs the ${engine} engine)`),
  };
}
