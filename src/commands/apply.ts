import os from 'node:os';
import { promises as fsp } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { SshCliOptions } from './ssh-options.js';
import { collectOptions } from './audit.js';
import { parsePositiveInt, UsageError } from './options.js';
import type { CommandIO } from './io.js';
import { configNotice, ConfigError, loadConfigFile } from '../config/load.js';
import type { PvesecConfig } from '../config/schema.js';
import type { ConnectOptions } from '../collect/ssh.js';
import { PLAN_SCHEMA, type Plan } from '../harden/plan-types.js';
import { applyPlan, type ApplyDeps, type TxRuntime } from '../harden/apply.js';
import { adminNames, auditNode, defaultCollector, type Collector } from '../harden/apply-audit.js';
import { RemoteSession } from '../harden/remote.js';
import { verifyAdminLogin, verifyPasswordRefused, verifyPeerRootLogin, verifyTcp } from '../harden/verify.js';
import { VERSION } from '../version.js';
import { clean } from '../report/text.js';

/** Options of `pvesec apply` as commander hands them over. */
export interface ApplyOptions extends SshCliOptions {
  config?: string;
  control?: string;
  yes?: boolean;
  confirmTimeout?: string;
  adminIdentity?: string;
}

export interface ApplyCommandDeps {
  /** Plans the targets (`pvesec plan`'s buildPlan); apply TARGET... needs it. */
  buildPlan?: (targets: string[], config: PvesecConfig, opts: { control?: string; connect: ConnectOptions }) => Promise<Plan>;
  tx?: TxRuntime;
  collect?: Collector;
  /** Asks a yes/no question on the terminal; undefined when stdin is not a terminal. */
  ask?: ((question: string) => Promise<string>) | undefined;
}

export const DEFAULT_CONFIRM_TIMEOUT_SEC = 120;

/** Reads a plan file written by `pvesec plan --out`; one-line errors naming the file. */
export async function readPlanFile(file: string): Promise<Plan> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read the plan: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let plan: Plan;
  try {
    plan = JSON.parse(text) as Plan;
  } catch (e) {
    throw new UsageError(`${file}: not a JSON plan (${(e as Error).message.split('\n')[0]})`);
  }
  if (plan?.schema !== PLAN_SCHEMA) throw new UsageError(`${file}: not a pvesec plan (schema ${JSON.stringify(plan?.schema)}, expected ${PLAN_SCHEMA})`);
  if (!Array.isArray(plan.nodes)) throw new UsageError(`${file}: plan without nodes`);
  for (const [i, n] of plan.nodes.entries()) {
    if (typeof n?.node !== 'string' || typeof n.target !== 'string' || !Array.isArray(n.ops) || typeof n.fileDigests !== 'object' || !Array.isArray(n.fixes)) {
      throw new UsageError(`${file}: node ${i + 1} of the plan is incomplete (node, target, ops, fileDigests, fixes)`);
    }
  }
  return plan;
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

  let config: PvesecConfig;
  try {
    const loaded = loadConfigFile(opts.config);
    config = loaded.config;
    const notice = configNotice(loaded);
    if (notice) io.err(notice);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const line of e.message.split('\n')) io.err(`pvesec: ${line}`);
    return 2;
  }

  const connect: ConnectOptions = { identity: collectOpts.identity, knownHostsFile: collectOpts.knownHostsFile, acceptNew: collectOpts.acceptNew, timeoutMs: collectOpts.timeoutMs };
  let plan: Plan;
  if (fromFile) plan = await readPlanFile(inputs[0]);
  else if (deps.buildPlan) plan = await deps.buildPlan(inputs, config, { control: opts.control, connect });
  else throw new UsageError('apply: planning from targets is not available in this build; run `pvesec plan --out plan.json` and apply the file');

  if (plan.nodes.every((n) => n.ops.length === 0)) {
    await io.out('nothing to change\n');
    return 0;
  }
  if (!opts.yes) {
    await io.out(planSummary(plan));
    const answer = (await ask!(`Apply these changes to ${plan.nodes.filter((n) => n.ops.length > 0).length} node(s)? [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') {
      io.err('pvesec: apply: not confirmed, nothing changed');
      return 2;
    }
  }

  const tx = deps.tx ?? (await import('../harden/apply-tx.js')).nodeTxRuntime();
  const collect = deps.collect ?? (await defaultCollector());
  // Verification logs in anew and never trusts a host key it has not seen: no --accept-new there.
  const verifyConnect: ConnectOptions = { ...connect, acceptNew: false };
  const adminConnect: ConnectOptions = { ...verifyConnect, identity: opts.adminIdentity };
  if (opts.adminIdentity) await fsp.access(opts.adminIdentity).catch(() => {
    throw new UsageError(`--admin-identity: cannot read ${opts.adminIdentity}`);
  });
  let written: Promise<void> = Promise.resolve();
  const applyDeps: ApplyDeps = {
    tx,
    open: (target) => RemoteSession.open(target, connect),
    // the first collection may record a new host key (--accept-new); everything after checks against it
    audit: (target, controls) => auditNode(target, controls, config, collectOpts, collect),
    verifyAdmin: (node, admin, timeoutMs) => verifyAdminLogin(node, admin, { ...adminConnect, timeoutMs }),
    verifyPasswords: (node, users, timeoutMs) => verifyPasswordRefused(node, users, { ...verifyConnect, timeoutMs }),
    verifyTcp: (host, port, timeoutMs) => verifyTcp(host, port, timeoutMs),
    verifyPeer: (peer, name, address, timeoutMs) => verifyPeerRootLogin(peer, name, address, { ...verifyConnect, timeoutMs }),
    progress: (line) => {
      written = written.then(() => io.out(clean(line) + '\n'));
    },
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
  const settings = {
    confirmTimeoutSec,
    admins: adminNames(config),
    origin: `pvesec ${VERSION} apply by ${os.userInfo().username}@${os.hostname()}`,
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
