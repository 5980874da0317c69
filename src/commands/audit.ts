import { fsErrorText } from '../core/fs-errors.js';
import type { CollectOptions, CollectResult } from '../collect/index.js';
import type { SshCliOptions } from './ssh-options.js';
import { adminNames } from '../config/admins.js';
import { configNotice, ConfigError, loadConfigFile, type LoadedConfig } from '../config/load.js';
import type { PvesecConfig } from '../config/schema.js';
import type { ClusterModel } from '../model/fact.js';
import { CONTROL_IDS, idMatches } from '../checks/ids.js';
import type { Check } from '../checks/types.js';
import type { ClusterResult } from '../audit/run.js';
import { auditExitCode, buildReport, type AuditReport } from '../report/model.js';
import { useColor } from '../report/terminal.js';
import { VERSION } from '../version.js';
import { writeFileAtomic, type CommandIO } from './io.js';
import { notProxmoxNotice } from './proxmox-node.js';
import { clean } from '../report/text.js';
import {
  parseControls, parseFailOn, parseFormat, parseOnly, parsePositiveInt, parseTimeoutSeconds, UsageError, type Format,
} from './options.js';

/** Options of `pvesec audit` as commander hands them over (strings, unvalidated). */
export interface AuditOptions extends SshCliOptions {
  config?: string;
  format?: string;
  output?: string;
  only?: string;
  control?: string;
  failOn?: string;
  /** false with --no-color */
  color?: boolean;
}

export type Collector = (targets: string[], opts: CollectOptions) => Promise<CollectResult[]>;

export interface AuditDeps {
  collect?: Collector;
  /** The controls to choose from (default: the whole catalogue). */
  checks?: Check[];
  now?: Date;
}

/** Options every collecting command shares (audit, collect). */
export function collectOptions(opts: SshCliOptions): CollectOptions {
  return {
    identity: opts.identity,
    knownHostsFile: opts.knownHosts,
    acceptNew: opts.acceptNew === true,
    concurrency: parsePositiveInt('--concurrency', opts.concurrency),
    timeoutMs: parseTimeoutSeconds(opts.timeout),
  };
}

export async function defaultCollector(): Promise<Collector> {
  return (await import('../collect/collect.js')).collectTargets;
}

/** `pvesec audit TARGET...`: returns the exit code (0 clean, 1 failing findings, 2 usage or collection error). */
export async function runAudit(targets: string[], opts: AuditOptions, io: CommandIO, deps: AuditDeps = {}): Promise<number> {
  // Every option is checked before anything is collected: a typo must not cost a round of SSH sessions.
  const format = parseFormat(opts.format);
  const only = parseOnly(opts.only);
  const failOn = parseFailOn(opts.failOn);
  const patterns = parseControls(opts.control, knownControlIds(deps), idMatches);
  const collectOpts = collectOptions(opts);
  if (targets.length === 0) throw new UsageError('audit: give at least one target (ssh://root@pve1, local, a bundle directory or .tar.gz)');

  const loaded = loadConfigReporting(opts.config, io);
  if (!loaded) return 2;
  const config = loaded.config;
  const { collected, clusters, results, checks, now } = await collectAndAudit(targets, config, () => selectedChecks(patterns, deps), collectOpts, io, deps);
  const report = buildReport({ version: VERSION, generatedAt: now, targets: collected, clusters, results, controls: checks.map((c) => c.meta) });
  const exitCode = auditExitCode(report, failOn);

  const toStdout = opts.output === undefined;
  const color = toStdout && format === 'text' && useColor({ isTTY: io.stdoutIsTTY }, opts.color === false, io.env);
  const { filterReport } = await import('../report/filter.js');
  const text = await render(filterReport(report, only), format, color);
  // A text report read on a terminal already lists failed targets; otherwise stderr must say it.
  if (!(toStdout && format === 'text' && io.stdoutIsTTY)) {
    for (const t of report.targets) if (t.status === 'error') io.err(`pvesec: ${clean(t.error ?? t.target)}`);
  }
  if (opts.output !== undefined) {
    try {
      await writeFileAtomic(opts.output, text);
    } catch (e) {
      io.err(`pvesec: cannot write ${opts.output}: ${fsErrorText(e)}`);
      return 2;
    }
  } else {
    await io.out(text);
  }
  return exitCode;
}

/** pvesec.yaml (--config FILE, else ./pvesec.yaml when present); undefined after printing why it is unusable. */
export function loadConfigReporting(file: string | undefined, io: CommandIO): LoadedConfig | undefined {
  try {
    const loaded = loadConfigFile(file);
    const notice = configNotice(loaded);
    if (notice) io.err(notice);
    return loaded;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const line of e.message.split('\n')) io.err(`pvesec: ${line}`);
    return undefined;
  }
}

/** What one audit run saw: the collections, the model of each cluster, and the findings. */
export interface AuditRun {
  collected: CollectResult[];
  clusters: ClusterModel[];
  results: ClusterResult[];
  checks: Check[];
  now: Date;
}

/** The control ids --control may name: the catalogue's (CONTROL_IDS, no check loaded), or those of the checks a test gives. */
export function knownControlIds(deps: Pick<AuditDeps, 'checks'>): string[] {
  return deps.checks ? deps.checks.map((c) => c.meta.id) : [...CONTROL_IDS];
}

/** The checks --control selects (all without it), loading their sections of the catalogue unless a test gave its own. */
export async function selectedChecks(patterns: string[] | undefined, deps: Pick<AuditDeps, 'checks'>): Promise<Check[]> {
  const { selectChecks } = await import('../report/filter.js');
  return selectChecks(deps.checks ?? (await (await import('../checks/load.js')).loadChecks(patterns)), patterns);
}

/**
 * Collects the targets and runs the checks on them: the pipeline `audit` and `plan` share. Given a
 * function, the checks (with the model and the engines, ~200 modules) are loaded by it while the
 * nodes run the collection script, instead of before.
 */
export async function collectAndAudit(targets: string[], config: PvesecConfig, checks: Check[] | (() => Promise<Check[]>), collectOpts: CollectOptions, io: CommandIO, deps: AuditDeps = {}): Promise<AuditRun> {
  const collect = deps.collect ?? (await defaultCollector());
  // loading ~200 modules would hold up the SSH handshakes: it starts once a node runs its script
  let nodeAtWork!: () => void;
  const loadNow = new Promise<void>((resolve) => (nodeAtWork = resolve));
  const collecting = collect(targets, { ...collectOpts, backupGlob: config.config_backup_glob, sshdUsers: adminNames(config), onRunning: () => nodeAtWork() });
  const [collected, [selected, { groupClusters, runChecks }]] = await Promise.all([
    collecting.finally(() => nodeAtWork()),
    loadNow.then(() => Promise.all([typeof checks === 'function' ? checks() : checks, import('../audit/run.js')])),
  ]);
  for (const r of collected) {
    const notPve = r.snapshot && notProxmoxNotice(r.target, r.snapshot);
    if (notPve) io.err(notPve);
  }
  const snapshots = collected.flatMap((r) => (r.snapshot ? [r.snapshot] : []));
  const clusters = groupClusters(snapshots);
  for (const n of clusters.flatMap((c) => c.nodes)) if (n.nameUnknown) io.err(`pvesec: ${n.name}: ${n.nameUnknown}; the controls that need it are skipped`);
  const now = deps.now ?? new Date();
  const results = runChecks(clusters, selected, config, now);
  return { collected, clusters, results, checks: selected, now };
}

/** The report in the format asked for (only that renderer is loaded). */
export async function render(report: AuditReport, format: Format, color: boolean): Promise<string> {
  switch (format) {
    case 'json': return (await import('../report/json.js')).renderJson(report);
    case 'sarif': return (await import('../report/sarif.js')).renderSarif(report);
    case 'junit': return (await import('../report/junit.js')).renderJunit(report);
    case 'text': return (await import('../report/terminal.js')).renderTerminal(report, { color });
  }
}
