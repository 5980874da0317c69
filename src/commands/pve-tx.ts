/**
 * One node transaction made only of Proxmox calls (pve-call ops), for the identity commands that change
 * access directly (`token create`, `tfa enforce`): the plan for the one node, the dead-man window, the
 * re-audit after the step (where `verify` proves the change on the re-collected files, or throws and the
 * node reverts), the confirmation. Progress lines go to stdout as `pvesec apply` prints them.
 */
import os from 'node:os';
import type { PvesecConfig } from '../config/schema.js';
import type { CollectOptions } from '../collect/index.js';
import type { ConnectOptions } from '../collect/ssh.js';
import { applyPlan, type ApplyDeps, type TxRuntime } from '../harden/apply.js';
import { auditNode, type Collector, type NodeAudit } from '../harden/apply-audit.js';
import { groupClusters } from '../audit/run.js';
import { FactContext } from '../model/fact.js';
import type { PlannedOp } from '../harden/plan-types.js';
import { PLAN_SCHEMA, type NodePlan, type Plan } from '../harden/plan-types.js';
import { sha256 } from '../harden/plan.js';
import { RemoteSession } from '../harden/remote.js';
import { verifyTcp } from '../harden/verify.js';
import type { Snapshot } from '../collect/snapshot.js';
import { clean } from '../report/text.js';
import { VERSION } from '../version.js';
import type { CommandIO } from './io.js';

export interface PveTxRequest {
  target: string;
  node: string;
  ops: PlannedOp[];
  /** Files the ops were computed from: apply refuses when they changed meanwhile. */
  fileDigests: NodePlan['fileDigests'];
  config: PvesecConfig;
  collectOpts: CollectOptions;
  collect: Collector;
  confirmTimeoutSec: number;
  /** What runs it, for the node's transaction record, e.g. `token create`. */
  what: string;
  /** Throws when the re-collected node does not show the change (the node then reverts). */
  verify: (after: Snapshot) => void;
  now: Date;
}

/**
 * The node as it is before the transaction, and its facts to plan from; undefined (the error said) when it
 * cannot be collected.
 */
export async function auditForPveTx(target: string, config: PvesecConfig, collectOpts: CollectOptions, collect: Collector, now: Date, io: CommandIO):
  Promise<{ before: NodeAudit; ctx: FactContext } | undefined> {
  let before: NodeAudit;
  try {
    before = await auditNode(target, [], config, collectOpts, collect);
  } catch (e) {
    io.err(`pvesec: ${(e as Error).message}`);
    return undefined;
  }
  const [cluster] = groupClusters([before.snapshot]);
  return { before, ctx: new FactContext(cluster.nodes[0], cluster, config, now) };
}

/** Runs the transaction; the outcome of the node and apply's exit code. */
export async function runPveTransaction(req: PveTxRequest, io: CommandIO, tx: TxRuntime) {
  const plan: Plan = {
    schema: PLAN_SCHEMA, createdAt: req.now.toISOString(), pvesecVersion: VERSION, configDigest: sha256(''),
    nodes: [{ node: req.node, target: req.target, ops: req.ops, fixes: [], manual: [], fileDigests: req.fileDigests }],
  };
  const connect: ConnectOptions = { identity: req.collectOpts.identity, knownHostsFile: req.collectOpts.knownHostsFile, acceptNew: false, timeoutMs: req.collectOpts.timeoutMs };
  let audits = 0;
  let written: Promise<void> = Promise.resolve();
  const unused = async () => ({ name: 'not used', ok: true, detail: '' });
  const applyDeps: ApplyDeps = {
    tx,
    open: (target) => RemoteSession.open(target, connect),
    audit: async (target, controls) => {
      const a = await auditNode(target, controls, req.config, req.collectOpts, req.collect);
      if (audits++ > 0) req.verify(a.snapshot);
      return a;
    },
    verifyAdmin: unused,
    verifyPasswords: unused,
    verifyTcp: (host, port, timeoutMs) => verifyTcp(host, port, timeoutMs),
    verifyPeer: unused,
    progress: (line) => {
      written = written.then(() => io.out(clean(line) + '\n'));
    },
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
  const result = await applyPlan(plan, { confirmTimeoutSec: req.confirmTimeoutSec, admins: [], origin: `pvesec ${VERSION} ${req.what} by ${os.userInfo().username}@${os.hostname()}` }, applyDeps);
  await written;
  return { outcome: result.outcomes[0], exitCode: result.exitCode };
}
