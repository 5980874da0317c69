import { fsErrorText } from '../core/fs-errors.js';
import os from 'node:os';
import { promises as fsp, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { SshCliOptions } from './ssh-options.js';
import { collectAndAudit, collectOptions, loadConfigReporting } from './audit.js';
import { parseControls, parsePositiveInt, UsageError } from './options.js';
import type { CommandIO } from './io.js';
import type { PvesecConfig } from '../config/schema.js';
import { adminAccounts } from '../config/admins.js';
import type { ConnectOptions } from '../collect/ssh.js';
import type { CollectOptions } from '../collect/index.js';
import { ALL_CHECKS, idMatches } from '../checks/registry.js';
import { selectChecks } from '../report/filter.js';
import { nothingToChange, renderPlanText } from '../report/plan-text.js';
import type { NodePlan, Plan } from '../harden/plan-types.js';
import { buildPlan, PlanConflict, sha256 } from '../harden/plan.js';
import { loadPlanFile, PlanFileError } from '../harden/plan-json.js';
import { staleLocalInputs } from '../harden/plan-local.js';
import { applyPlan, type ApplyDeps, type TxRuntime } from '../harden/apply.js';
import { auditNode, defaultCollector, type Collector } from '../harden/apply-audit.js';
import { RemoteSession } from '../harden/remote.js';
import { verifyAdminLogin, verifyPasswordRefused, verifyPeerRootLogin, verifyRefusedFrom, verifyTcp } from '../harden/verify.js';
import { clusterPeersInPlan, gatePlanNow, verifyLiveRuleset, writesClusterFirewall } from '../harden/fw-gate.js';
import type { Snapshot } from '../collect/snapshot.js';
import { sshTargetOf } from '../harden/remote.js';
import { parseTarget } from '../collect/targets.js';
import { VERSION } from '../version.js';
import { clean } from '../report/text.js';

/** Options of `pvesec apply` as commander hands them over. */
export interface ApplyOptions extends SshCliOptions {
  config?: string;
  control?: string;
  yes?: boolean;
  confirmTimeout?: string;
  adminIdentity?: string;
  /** ssh://HOST vantage points (non-admin) whose connections must be refused after a firewall change. */
  probeFrom?: string[];
  /** Past the firewall exposure gate: admin ranges and peers may lose access (named); pvesec's own address never. */
  force?: boolean;
}

export interface ApplyCommandDeps {
  tx?: TxRuntime;
  collect?: Collector;
  /** Asks a yes/no question on the terminal; undefined when stdin is not a terminal. */
  ask?: ((question: string) => Promise<string>) | undefined;
}

export const DEFAULT_CONFIRM_TIMEOUT_SEC = 120;

/** What apply TARGET... plans (like `pvesec plan`), with the collected files for the diffs of the question. */
interface Planned {
  plan: Plan;
  collected: (node: string, path: string) => string | undefined;
}

async function planTargets(targets: string[], control: string | undefined, loaded: { config: PvesecConfig; file?: string }, collectOpts: CollectOptions, io: CommandIO, collect: Collector, force = false): Promise<Planned | undefined> {
  const patterns = parseControls(control, ALL_CHECKS.map((c) => c.meta.id), idMatches);
  const run = await collectAndAudit(targets, loaded.config, selectChecks(ALL_CHECKS, patterns), collectOpts, io, { collect });
  const failed = run.collected.filter((t) => !t.snapshot);
  for (const t of failed) io.err(`pvesec: ${t.error ?? t.target}`);
  if (failed.length > 0) return undefined;
  const configDigest = sha256(loaded.file ? readFileSync(loaded.file) : '');
  let plan: Plan;
  try {
    plan = buildPlan({ ...run, config: loaded.config, configDigest, version: VERSION, ...(force ? { force } : {}) });
  } catch (e) {
    if (!(e instanceof PlanConflict)) throw e;
    io.err(`pvesec: plan: ${e.message}`);
    return undefined;
  }
  const snapshots = new Map(run.clusters.flatMap((c) => c.nodes.map((n) => [n.name, n.snapshot] as const)));
  return { plan, collected: (node, p) => snapshots.get(node)?.text(p) };
}

/** The plan as the question shows it: per node, each operation's summary. */
export function planSummary(plan: Plan): string {
  const lines: string[] = [];
  for (const n of plan.nodes) {
    lines.push(`${n.node} (${n.target}): ${n.ops.length} operation(s), fixes ${n.fixes.join(', ') || 'nothing'}`);
    for (const op of n.ops) lines.push(`  [${op.phase}] ${op.summary}${op.cutsAccess ? '  (can cut access)' : ''}`);
  }
  return lines.join('\n') + '\n';
}

function terminalAsk(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  return rl.question(question).finally(() => rl.close());
}

/** `pvesec apply (plan.json | TARGET...)`: 0 every node applied and verified, 1 some node rolled back, 2 error. */
export async function runApply(inputs: string[], opts: ApplyOptions, io: CommandIO, deps: ApplyCommandDeps = {}): Promise<number> {
  const confirmTimeoutSec = parsePositiveInt('--confirm-timeout', opts.confirmTimeout) ?? DEFAULT_CONFIRM_TIMEOUT_SEC;
  const collectOpts = collectOptions(opts);
  if (inputs.length === 0) throw new UsageError('apply: give a plan.json (pvesec plan --out) or the targets to plan and apply');
  const fromFile = inputs.length === 1 && /\.json$/i.test(inputs[0]);
  if (fromFile && opts.control !== undefined) throw new UsageError('apply: --control selects what to plan; a plan.json is applied as planned (re-plan with --control)');
  const ask = 'ask' in deps ? deps.ask : process.stdin.isTTY ? terminalAsk : undefined;
  if (!opts.yes && !ask) throw new UsageError('apply: stdin is not a terminal to ask on; give --yes to apply without asking');

  const probeFrom = (opts.probeFrom ?? []).map((p) => {
    try {
      return sshTargetOf(parseTarget(p));
    } catch (e) {
      throw new UsageError(`--probe-from: ${(e as Error).message}`);
    }
  });
  const loaded = loadConfigReporting(opts.config, io);
  if (!loaded) return 2;
  const config = loaded.config;
  const collect = deps.collect ?? (await defaultCollector());

  let plan: Plan;
  let question: string;
  if (fromFile) {
    try {
      plan = loadPlanFile(inputs[0]);
    } catch (e) {
      if (!(e instanceof PlanFileError)) throw e;
      io.err(`pvesec: ${e.message}`);
      return 2;
    }
    const stale = staleLocalInputs(plan, sha256(loaded.file ? readFileSync(loaded.file) : ''));
    if (stale.length) {
      io.err(`pvesec: ${inputs[0]}: ${stale.join('; ')}: re-plan; nothing changed`);
      return 2;
    }
    question = planSummary(plan);
  } else {
    const planned = await planTargets(inputs, opts.control, loaded, collectOpts, io, collect, opts.force === true);
    if (!planned) return 2;
    plan = planned.plan;
    question = renderPlanText(plan, planned.collected);
  }

  if (plan.nodes.every((n) => n.ops.length === 0)) {
    await io.out(nothingToChange(plan));
    return 0;
  }
  if (!opts.yes) {
    await io.out(question);
    const answer = (await ask!(`Apply these changes to ${plan.nodes.filter((n) => n.ops.length > 0).length} node(s)? [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') {
      io.err('pvesec: apply: not confirmed, nothing changed');
      return 2;
    }
  }

  const tx = deps.tx ?? (await import('../harden/apply-tx.js')).nodeTxRuntime();
  const connect: ConnectOptions = { identity: collectOpts.identity, knownHostsFile: collectOpts.knownHostsFile, acceptNew: collectOpts.acceptNew, timeoutMs: collectOpts.timeoutMs };
  // Verification logs in anew and never trusts a host key it has not seen: no --accept-new there.
  const verifyConnect: ConnectOptions = { ...connect, acceptNew: false };
  const adminConnect: ConnectOptions = { ...verifyConnect, identity: opts.adminIdentity };
  if (opts.adminIdentity) await fsp.access(opts.adminIdentity, fsp.constants.R_OK).catch((e: unknown) => {
    throw new UsageError(`--admin-identity: cannot read ${opts.adminIdentity}: ${fsErrorText(e)}`);
  });
  let written: Promise<void> = Promise.resolve();
  /** Fresh collections of the plan's other cluster members, each a snapshot, or the first failure in `failed`'s words. */
  const collectMembers = async (members: NodePlan[], failed: (node: string, why: string) => string): Promise<Snapshot[] | string> => {
    const got = await Promise.all(members.map((m) => auditNode(m.target, ['FW-*'], config, collectOpts, collect).then((a): Snapshot | string => a.snapshot,
      (e: unknown) => failed(m.node, clean(String((e as Error)?.message ?? e).split('\n')[0])))));
    const problem = got.find((p): p is string => typeof p === 'string');
    return problem ?? (got as Snapshot[]);
  };
  /** Per node that writes cluster.fw: the members gated before arming, as collected then. */
  const gatedMembers = new Map<string, { members: NodePlan[]; before: Snapshot[] }>();
  const applyDeps: ApplyDeps = {
    tx,
    open: (target) => RemoteSession.open(target, connect),
    // the first collection may record a new host key (--accept-new); everything after checks against it
    audit: (target, controls) => auditNode(target, controls, config, collectOpts, collect),
    verifyAdmin: (node, admin, timeoutMs) => verifyAdminLogin(node, admin, { ...adminConnect, timeoutMs }, verifyConnect),
    verifyPasswords: (node, users, timeoutMs) => verifyPasswordRefused(node, users, { ...verifyConnect, timeoutMs }),
    verifyTcp: (host, port, timeoutMs) => verifyTcp(host, port, timeoutMs),
    verifyPeer: (peer, name, address, timeoutMs) => verifyPeerRootLogin(peer, name, address, { ...verifyConnect, timeoutMs }),
    gateFirewall: async (node, before) => {
      // cluster.fw reaches every node of the cluster: the plan's other members are collected again and gated too
      const members = writesClusterFirewall(node) ? clusterPeersInPlan(plan.nodes, node, before.snapshot) : [];
      const peers = await collectMembers(members, (m, why) => `cluster.fw reaches ${m}, which cannot be collected to gate the change there: ${why}`);
      if (typeof peers === 'string') return peers;
      gatedMembers.set(node.node, { members, before: peers });
      return gatePlanNow(node, before.snapshot, config, { force: opts.force === true, warn: (line) => applyDeps.progress(line), peers });
    },
    verifyFirewall: async (node, before, after) => {
      // after a cluster.fw write the members gated before arming are collected again: the file as each reads it now
      const gated = gatedMembers.get(node.node);
      const now = gated?.members.length ? await collectMembers(gated.members, (m, why) => `cluster.fw reaches ${m}, which cannot be collected again to compare: ${why}`) : [];
      if (typeof now === 'string') return { name: 'live pve-firewall', ok: false, detail: now };
      return verifyLiveRuleset(node, before.snapshot, after.snapshot, config, { before: gated?.before ?? [], after: now });
    },
    verifyRefused: (probe, host, port, timeoutMs) => verifyRefusedFrom(probe, host, port, { ...verifyConnect, timeoutMs }),
    progress: (line) => {
      written = written.then(() => io.out(clean(line) + '\n'));
    },
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
  const settings = {
    confirmTimeoutSec,
    admins: adminAccounts(config).map((a) => a.name),
    origin: `pvesec ${VERSION} apply by ${os.userInfo().username}@${os.hostname()}`,
    probeFrom,
  };
  const result = await applyPlan(plan, settings, applyDeps);
  await written;
  // On a terminal the progress already said it; a script reading stdout must also see it on stderr.
  if (!io.stdoutIsTTY) {
    for (const o of result.outcomes) {
      if (o.status === 'error') io.err(`pvesec: ${o.node}: ${o.reason}`);
      else if (o.status === 'refused') io.err(`pvesec: ${o.node}: refused: ${o.reason}`);
      else if (o.status === 'rolled-back') io.err(`pvesec: ${o.node}: rolled back${o.deadMan ? ' (dead-man)' : ''}: ${o.reason}`);
    }
  }
  return result.exitCode;
}
