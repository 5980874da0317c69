import { Unavailable, type FactContext } from '../model/fact.js';
import type { PvesecConfig } from '../config/schema.js';
import type { Finding } from '../core/types.js';
import type { Op, Phase } from './ops.js';

/** An operation with the phase apply runs it in (see PHASES). */
export type PlannedOp = Op & { phase: Phase };

/** What a remedy sees: the node's model, the operator's pvesec.yaml, and this node's audit findings. */
export interface RemedyInput {
  ctx: FactContext;
  config: PvesecConfig;
  /** The findings of this node (and of its cluster), after waivers. */
  findings: Finding[];
  /**
   * `apply --force`: the firewall remedies plan a change whose exposure gate names admin ranges or cluster
   * peers that lose access (loudly, FORCED lines) instead of leaving it manual. Never the loss of the
   * address pvesec connects from.
   */
  force?: boolean;
}

/**
 * A fixer beside its checks (like an ESLint rule's fix): a pure function from the model and the config
 * to operations. It is asked only when one of its controls is FAIL or WARN on the node. It returns the
 * operations that fix them, or throws ManualOnly(reason) when it cannot fix them safely here (the plan
 * then lists the control as left for a human, with that reason and the control's fix text).
 */
export interface Remedy {
  /** Control ids this remedy can fix. */
  controls: string[];
  plan(input: RemedyInput): PlannedOp[];
}

export class ManualOnly extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ManualOnly';
  }
}

/**
 * The analysis a family of remedies shares (one remedy per control, one drop-in for all): computed once per
 * node (per RemedyInput); data the model lacks makes every control of the family manual, saying `what: why`.
 */
export function sharedAnalysis<A>(what: string, analyse: (input: RemedyInput) => A): (input: RemedyInput) => A {
  const cache = new WeakMap<RemedyInput, A>();
  return (input) => {
    let a = cache.get(input);
    if (!a) {
      try {
        a = analyse(input);
      } catch (e) {
        if (e instanceof Unavailable) throw new ManualOnly(`${what}: ${e.reason}`);
        throw e;
      }
      cache.set(input, a);
    }
    return a;
  };
}

/** A control the plan does not fix automatically, with why and the human fix text. */
export interface ManualItem {
  id: string;
  status: string;
  reason: string;
  fix: string;
}

export interface NodePlan {
  node: string;
  /** How apply reaches the node again (the audit target, e.g. ssh://root@10.0.0.1). */
  target: string;
  ops: PlannedOp[];
  /** sha256 (hex) of every file the plan read or will write, as collected; null = absent. apply refuses when one changed. */
  fileDigests: Record<string, string | null>;
  /** Controls the ops fix. */
  fixes: string[];
  manual: ManualItem[];
}

export const PLAN_SCHEMA = 'pvesec.plan/v1';

export interface Plan {
  schema: typeof PLAN_SCHEMA;
  createdAt: string;
  pvesecVersion: string;
  /** sha256 of the pvesec.yaml used (or of the empty config). */
  configDigest: string;
  /**
   * Local files the plan was made from: absolute path of pvesec.yaml and of its access matrix -> sha256
   * (null: absent). `apply plan.json` refuses when one differs (src/harden/plan-local.ts).
   */
  localFiles?: Record<string, string | null>;
  nodes: NodePlan[];
}
