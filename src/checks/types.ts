import { STATUSES, type ControlMeta, type Evidence, type Severity, type Status } from '../core/types.js';
import type { FactContext } from '../model/fact.js';

/** What a check returns; the runner adds id, title, node and default severity. */
export interface Verdict {
  status: Status;
  message: string;
  evidence?: Evidence[];
  /** Overrides the control's default severity for this verdict (rare). */
  severity?: Severity;
  /**
   * What this verdict is about, when a control gives several (a sysctl name, an admin, a port and rule):
   * unique among the control's verdicts on one node or cluster and stable across runs, never message
   * text. A control's single verdict leaves it out (key "").
   */
  key?: string;
}

/** The same verdict about a given thing (Verdict.key). */
export function keyed(key: string, v: Verdict): Verdict {
  return { ...v, key };
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

export const pass = (message: string, evidence: Evidence[] = []): Verdict => ({ status: 'PASS', message, evidence: capEvidence(evidence) });
export const fail = (message: string, evidence: Evidence[] = []): Verdict => ({ status: 'FAIL', message, evidence: capEvidence(evidence) });
export const warn = (message: string, evidence: Evidence[] = []): Verdict => ({ status: 'WARN', message, evidence: capEvidence(evidence) });
export const skip = (message: string, evidence: Evidence[] = []): Verdict => ({ status: 'SKIP', message, evidence: capEvidence(evidence) });
export const notice = (message: string, evidence: Evidence[] = []): Verdict => ({ status: 'NOTICE', message, evidence: capEvidence(evidence) });
export const info = (message: string, evidence: Evidence[] = []): Verdict => ({ status: 'INFO', message, evidence: capEvidence(evidence) });

/** The most evidence lines one finding lists (a 2 MB file of AllowUsers lines made one finding 7 MB of JSON). */
export const MAX_EVIDENCE_PER_FINDING = 1000;

/** The first MAX_EVIDENCE_PER_FINDING - 1 lines and one that counts the rest. */
export function capEvidence(evidence: Evidence[]): Evidence[] {
  if (evidence.length <= MAX_EVIDENCE_PER_FINDING) return evidence;
  const kept = evidence.slice(0, MAX_EVIDENCE_PER_FINDING - 1);
  kept.push({ source: 'pvesec', text: `${evidence.length - kept.length} more evidence lines not listed: a finding lists at most ${MAX_EVIDENCE_PER_FINDING}` });
  return kept;
}

/** For controls that need an engine a later issue provides. */
export function engineMissing(meta: ControlMeta, engine: 'permission' | 'firewall'): Check {
  return {
    meta,
    evaluate: () => skip(`engine not available yet (needs the ${engine} engine)`),
  };
}

/** The most findings one control lists per node or cluster; the rest are counted in one last finding. */
export const MAX_FINDINGS_PER_CHECK = 1000;

/** The last finding of a capped control: how many more there are, by status, in their worst status. */
export function omittedFindings(counts: Map<Status, number>): Verdict {
  const statuses = STATUSES.filter((s) => counts.has(s));
  const omitted = statuses.reduce((n, s) => n + counts.get(s)!, 0);
  return {
    status: statuses[0],
    key: 'omitted',
    message: `${omitted} more findings not listed (${statuses.map((s) => `${counts.get(s)} ${s}`).join(', ')}): a control lists at most ${MAX_FINDINGS_PER_CHECK} per node or cluster`,
  };
}

/**
 * Verdicts of a control that may find very many (one per ignored line of a hostile file): past the cap
 * a verdict is only counted, never built. Add the worst statuses first: the first ones are kept.
 */
export class VerdictList {
  readonly verdicts: Verdict[] = [];
  private readonly omitted = new Map<Status, number>();

  add(status: Status, build: () => Verdict): void {
    if (!this.full) this.verdicts.push(build());
    else this.count(status);
  }

  /** Whether further verdicts are only counted: a caller with a million of them need not make a closure each. */
  get full(): boolean {
    return this.verdicts.length >= MAX_FINDINGS_PER_CHECK - 1;
  }

  /** Counts one verdict past the cap (what add() does once the list is full), without building it. */
  count(status: Status): void {
    if (!this.full) throw new Error('VerdictList.count: the list is not full; add() the verdict');
    this.omitted.set(status, (this.omitted.get(status) ?? 0) + 1);
  }

  get length(): number {
    return this.verdicts.length;
  }

  done(): Verdict[] {
    return this.omitted.size ? [...this.verdicts, omittedFindings(this.omitted)] : this.verdicts;
  }
}
