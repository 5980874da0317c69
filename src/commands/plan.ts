import { fsErrorText } from '../core/fs-errors.js';
import { readFileSync } from 'node:fs';
import type { SshCliOptions } from './ssh-options.js';
import { idMatches } from '../checks/ids.js';
import { clean } from '../report/text.js';
import { VERSION } from '../version.js';
import { collectAndAudit, collectOptions, knownControlIds, loadConfigReporting, selectedChecks, type AuditDeps } from './audit.js';
import { writeFileAtomic, type CommandIO } from './io.js';
import { parseControls, parseFormat, UsageError } from './options.js';
import type { Remedy } from '../harden/plan-types.js';

/** Options of `pvesec plan` as commander hands them over. */
export interface PlanOptions extends SshCliOptions {
  config?: string;
  control?: string;
  format?: string;
  /** Write the plan (pvesec.plan/v1 JSON) to this file for `pvesec apply`. */
  out?: string;
}

export interface PlanDeps extends AuditDeps {
  remedies?: Remedy[];
}

/** `pvesec plan TARGET...`: 0 nothing to change, 1 changes planned, 2 usage, collection or plan error. */
export async function runPlan(targets: string[], opts: PlanOptions, io: CommandIO, deps: PlanDeps = {}): Promise<number> {
  const format = parseFormat(opts.format, ['text', 'json']);
  const patterns = parseControls(opts.control, knownControlIds(deps), idMatches);
  const collectOpts = collectOptions(opts);
  if (targets.length === 0) throw new UsageError('plan: give at least one target (ssh://root@pve1, local, a bundle directory or .tar.gz)');

  const loaded = loadConfigReporting(opts.config, io);
  if (!loaded) return 2;
  const configBytes = loaded.file ? readFileSync(loaded.file) : '';
  // the planner and the renderer load with the checks, once the collection has started
  let planning: Promise<[typeof import('../harden/plan.js'), typeof import('../harden/plan-json.js'), typeof import('../report/plan-text.js') | undefined]> | undefined;
  const checks = () => {
    planning = Promise.all([import('../harden/plan.js'), import('../harden/plan-json.js'), format === 'text' ? import('../report/plan-text.js') : undefined]);
    planning.catch(() => undefined); // awaited below
    return selectedChecks(patterns, deps);
  };
  const run = await collectAndAudit(targets, loaded.config, checks, collectOpts, io, deps);
  const [{ buildPlan, PlanConflict, sha256 }, { renderPlanJson }, planText] = await planning!;
  const configDigest = sha256(configBytes);
  const failed = run.collected.filter((t) => !t.snapshot);
  for (const t of failed) io.err(`pvesec: ${clean(t.error ?? t.target)}`);

  let plan;
  try {
    plan = buildPlan({ ...run, config: loaded.config, configDigest, configFile: loaded.file, version: VERSION, remedies: deps.remedies });
  } catch (e) {
    if (!(e instanceof PlanConflict)) throw e;
    io.err(`pvesec: plan: ${e.message}`);
    return 2;
  }
  const snapshots = new Map(run.clusters.flatMap((c) => c.nodes.map((n) => [n.name, n.snapshot] as const)));
  const text = planText ? planText.renderPlanText(plan, (node, p) => snapshots.get(node)?.text(p)) : renderPlanJson(plan);
  // a plan file is what apply runs: never one that silently lacks a node that could not be collected
  if (opts.out !== undefined && failed.length) io.err(`pvesec: ${opts.out} not written: ${failed.length} target${failed.length === 1 ? '' : 's'} could not be collected`);
  else if (opts.out !== undefined) {
    try {
      await writeFileAtomic(opts.out, renderPlanJson(plan));
    } catch (e) {
      io.err(`pvesec: cannot write ${opts.out}: ${fsErrorText(e)}`);
      return 2;
    }
  }
  await io.out(text);
  if (failed.length || !plan.nodes.length) return 2;
  return plan.nodes.some((n) => n.ops.length) ? 1 : 0;
}
