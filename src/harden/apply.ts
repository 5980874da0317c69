/**
 * `pvesec apply` where the operator is: runs a plan one node at a time over one SSH session per node,
 * inside the node-side transaction (src/harden/node/): arm the dead-man, apply phase by phase, prove
 * the admin path over a NEW connection before anything that can cut access, verify over new
 * connections, confirm. Any failed gate → revert now over the live connection; a lost connection →
 * wait for the node's own deadline, reconnect and check that it came back to its recorded state.
 * Stops at the first node that rolls back.
 */
import { PHASES, type Op, type Phase } from './ops.js';
import type { NodePlan, Plan, PlannedOp } from './plan-types.js';
import type { TxHeader } from './node/scripts.js';
import type { SshTarget } from '../collect/ssh.js';
import { parseTarget } from '../collect/targets.js';
import type { Status } from '../core/types.js';
import { ConnectionLost as Lost, notBackToPre, runOrLost, lastLine, sshTargetOf, statusAfterDeadline, type RemoteSession, type ScriptResult, type TxStatus } from './remote.js';
import { clusterView, snapshotDigests, type NodeAudit } from './apply-audit.js';
import { verifyControls, type VerifyResult } from './verify.js';
import { gatesFirewall } from './fw-gate.js';
import { clean } from '../report/text.js';

export type { TxStatus };

export interface TxRuntime {
  newTxId(now?: Date): string;
  beginScript(h: TxHeader): string;
  stepScript(txId: string, ops: Op[]): string;
  confirmScript(txId: string): string;
  revertScript(txId: string, reason: string): string;
  statusScript(txId: string): string;
  /** Progress lines ("wrote /etc/...", "reloaded ssh") from a script's output. */
  progressLines(stdout: string): string[];
  /** Why a script failed or refused, from its output. */
  failureReason(stdout: string): string | undefined;
  parseStatus(stdout: string): TxStatus;
}

/** Exit codes of the node scripts (contract of src/harden/node/scripts.ts). */
export const TX_EXIT = { ok: 0, error: 2, refused: 3, reverted: 4, revertFailed: 5 } as const;

/** Everything apply does that leaves this process (SSH, verification, audit, clock), injectable for tests. */
export interface ApplyDeps {
  tx: TxRuntime;
  /** The session the changes go through. */
  open(target: SshTarget): Promise<RemoteSession>;
  /** Collects the node and evaluates the controls (before, and (e) after). */
  audit(target: string, controls: string[]): Promise<NodeAudit>;
  /** (a) a new login as the admin with the admin identity, then `sudo -n true`. */
  verifyAdmin(node: SshTarget, admin: string, timeoutMs: number): Promise<VerifyResult>;
  /** (b) password and keyboard-interactive not offered to these users. */
  verifyPasswords(node: SshTarget, users: string[], timeoutMs: number): Promise<VerifyResult>;
  /** (c) tcp port answers. */
  verifyTcp(host: string, port: number, timeoutMs: number): Promise<VerifyResult>;
  /** (d) root on the peer logs in to the node's address with its key. */
  verifyPeer(peer: SshTarget, peerName: string, nodeAddress: string, timeoutMs: number): Promise<VerifyResult>;
  /**
   * Plans that load a firewall ruleset or write the Proxmox firewall's files: the exposure gate again on
   * the fresh collection (pvesec's own address as the node sees it now); a reason refuses the node before
   * anything is armed.
   */
  gateFirewall?(plan: NodePlan, before: NodeAudit): string | undefined | Promise<string | undefined>;
  /**
   * Plans that load a firewall ruleset or write the Proxmox firewall's files: what the node runs now,
   * re-collected, filters as the plan simulated (the live ruleset; pve mode: pve-firewall up and the .fw
   * files as the node reads them).
   */
  verifyFirewall?(plan: NodePlan, before: NodeAudit, after: NodeAudit): VerifyResult | Promise<VerifyResult>;
  /** --probe-from: a NEW connection from this vantage point to host:port must now fail. */
  verifyRefused?(probe: SshTarget, host: string, port: number, timeoutMs: number): Promise<VerifyResult>;
  progress(line: string): void;
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface ApplySettings {
  confirmTimeoutSec: number;
  /** Declared admin host accounts (pvesec.yaml admin_users). */
  admins: string[];
  /** Recorded on the node: who applied from where. */
  origin: string;
  /** How long to keep trying to reach a node after its deadline, to read what it did. */
  reconnectMs?: number;
  /** --probe-from: non-admin vantage points whose connections to SSH and 8006 must be refused after a firewall change. */
  probeFrom?: SshTarget[];
}

export type NodeOutcome =
  | { node: string; status: 'unchanged' }
  | { node: string; status: 'applied'; txId: string; changes: ControlChange[]; note?: string }
  | { node: string; status: 'rolled-back'; txId: string; reason: string; deadMan: boolean }
  | { node: string; status: 'refused'; reason: string }
  | { node: string; status: 'error'; reason: string; txId?: string };

export interface ControlChange {
  id: string;
  before: Status | undefined;
  after: Status | undefined;
}

export interface ApplyResult {
  outcomes: NodeOutcome[];
  exitCode: 0 | 1 | 2;
}

/** 0 every node applied (or had nothing to do), 1 some node rolled back, 2 error or refusal. */
export function applyExitCode(outcomes: NodeOutcome[]): 0 | 1 | 2 {
  if (outcomes.some((o) => o.status === 'error' || o.status === 'refused')) return 2;
  if (outcomes.some((o) => o.status === 'rolled-back')) return 1;
  return 0;
}

/** Runs the plan node by node; stops at the first node that does not end applied or unchanged. */
export async function applyPlan(plan: Plan, settings: ApplySettings, deps: ApplyDeps): Promise<ApplyResult> {
  const outcomes: NodeOutcome[] = [];
  for (const node of plan.nodes) {
    const outcome = await applyNode(node, settings, deps);
    outcomes.push(outcome);
    reportOutcome(outcome, deps.progress);
    if (outcome.status !== 'applied' && outcome.status !== 'unchanged') {
      const left = plan.nodes.slice(plan.nodes.indexOf(node) + 1).map((n) => n.node);
      if (left.length > 0) deps.progress(`stopped: not applied to ${left.join(', ')}`);
      break;
    }
  }
  return { outcomes, exitCode: applyExitCode(outcomes) };
}

function reportOutcome(o: NodeOutcome, progress: (line: string) => void): void {
  switch (o.status) {
    case 'unchanged':
      return progress(`${o.node}: nothing to change`);
    case 'applied':
      if (o.note) progress(`${o.node}: ${o.note}`);
      for (const c of o.changes) progress(`${o.node}: ${c.id} ${c.before ?? 'not evaluated'} -> ${c.after ?? 'not evaluated'}`);
      return;
    case 'rolled-back':
      return progress(`${o.node}: rolled back${o.deadMan ? ' (dead-man)' : ''}: ${o.reason}`);
    case 'refused':
      return progress(`${o.node}: refused: ${o.reason}`);
    case 'error':
      return progress(`${o.node}: error: ${o.reason}`);
  }
}

/**
 * The files whose digest now differs from what the plan recorded, one description each. Both sides are
 * digests of the collected (sanitized) content, null for a file the collection does not hold.
 */
export function changedFiles(planned: Record<string, string | null>, now: Map<string, string | null>): string[] {
  const changed: string[] = [];
  for (const [path, digest] of Object.entries(planned)) {
    if (!now.has(path)) changed.push(`${path}: not checked`);
    else if (now.get(path) !== digest) {
      const is = now.get(path);
      changed.push(`${path}: ${digest === null ? 'created' : is === null ? 'removed' : 'modified'} since the plan`);
    }
  }
  return changed;
}

class Rollback extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}


function msg(e: unknown): string {
  return clean(((e as Error)?.message ?? String(e)).split('\n')[0]);
}

const SCRIPT_MS = 60_000;
const VERIFY_RETRIES = 3;
const VERIFY_PAUSE_MS = 400;
/** The re-audit connects right after a reload: a few more tries than a login (a collection is one connection too). */
const REAUDIT_RETRIES = 8;
const REVERT_MS = 15_000;
/** Failures a moment later may not repeat (a service re-executing itself); an authentication failure would. */
const TRANSIENT = /connection refused|reset|closed by the server|timed out|unreachable|no answer/i;

/**
 * The phases, one node script each. restrict and activate share one: nothing is checked between them (the
 * admin proof comes before restrict), so a second round trip would buy nothing. packages and admin stay
 * apart: a step's preflight checks every path before the first change, and the admin's paths must be
 * checked as the installed packages left them.
 */
const STEPS: readonly Phase[][] = [['packages'], ['admin'], ['restrict', 'activate']];

/** The phase a step's failure belongs to: the failed operation's (its id leads the reason), else every phase of the step. */
export function phaseOf(ops: PlannedOp[], failure: string | undefined): string {
  const op = failure === undefined ? undefined : ops.find((o) => failure.startsWith(`${o.id} `));
  return op?.phase ?? PHASES.filter((p) => ops.some((o) => o.phase === p)).join('+');
}

/** "validated validate:sshd" -> "validated sshd -t": a gate named by what it runs, as the plan describes it. */
export function withSummary(line: string, ops: Op[]): string {
  const m = /^(validated|ran) (\S+)$/.exec(line);
  const op = m ? ops.find((o) => o.id === m[2]) : undefined;
  return op ? `${m![1]} ${op.summary}` : line;
}

/** The node's own words for a failed script: its failure event, else the last line of stderr. */
function why(tx: TxRuntime, r: ScriptResult, fallback: string): string {
  return clean(tx.failureReason(r.stdout) ?? (lastLine(r.stderr) || fallback));
}

export async function applyNode(plan: NodePlan, settings: ApplySettings, deps: ApplyDeps): Promise<NodeOutcome> {
  const name = plan.node;
  const say = (line: string): void => deps.progress(`${name}: ${line}`);
  if (plan.ops.length === 0) return { node: name, status: 'unchanged' };
  let target: SshTarget;
  try {
    target = sshTargetOf(parseTarget(plan.target));
  } catch (e) {
    return { node: name, status: 'error', reason: msg(e) };
  }

  // The node must still be what was planned against: collected again, digested like the plan did. The
  // portal probe meanwhile (no login: the collection may be the one that records a new host key).
  const auditing = deps.audit(plan.target, plan.fixes);
  const portalProbe = deps.verifyTcp(target.host, 8006, 5000);
  let before: NodeAudit;
  try {
    before = await auditing;
  } catch (e) {
    return { node: name, status: 'error', reason: `audit before the change failed: ${msg(e)}` };
  }
  const changed = changedFiles(plan.fileDigests, snapshotDigests(before.snapshot, Object.keys(plan.fileDigests)));
  if (changed.length > 0) return { node: name, status: 'refused', reason: `node changed since the plan: re-plan (${changed.join('; ')})` };
  // both modes: a ruleset loaded (iptables) or the Proxmox firewall's files written and pve-firewall restarted (pve)
  const firewall = gatesFirewall(plan);
  if (firewall && deps.gateFirewall) {
    let refusal: string | undefined;
    try {
      refusal = await deps.gateFirewall(plan, before);
    } catch (e) {
      return { node: name, status: 'error', reason: `firewall gate: ${msg(e)}` };
    }
    if (refusal) return { node: name, status: 'refused', reason: refusal };
  }

  let session: RemoteSession;
  try {
    session = await deps.open(target);
  } catch (e) {
    return { node: name, status: 'error', reason: msg(e) };
  }

  let txId: string | undefined;
  let deadline = 0;
  /** Time left before the node reverts itself; a script that has not answered by then is lost. */
  const left = (): number => {
    const ms = deadline - deps.now();
    if (ms <= 0) throw new Lost('the confirmation deadline passed');
    return ms;
  };
  const run = (script: string, timeoutMs: number): Promise<ScriptResult> => runOrLost(session, script, timeoutMs);

  try {
    const portalBefore = await portalProbe;

    // Arm the dead-man before the first change.
    txId = deps.tx.newTxId();
    const header: TxHeader = { id: txId, timeoutSec: settings.confirmTimeoutSec, controls: plan.fixes, origin: settings.origin };
    const begun = await run(deps.tx.beginScript(header), SCRIPT_MS);
    if (begun.code === TX_EXIT.refused) return { node: name, status: 'refused', reason: why(deps.tx, begun, 'the node refused the transaction') };
    if (begun.code !== 0) return { node: name, status: 'error', reason: `cannot start the transaction (exit ${begun.code ?? 'none'}): ${why(deps.tx, begun, 'no reason given')}`, txId };
    // The node armed its timer before it answered: it fires at the latest this long from now.
    deadline = deps.now() + settings.confirmTimeoutSec * 1000;
    say(`armed ${txId} (reverts itself in ${settings.confirmTimeoutSec} s unless confirmed)`);

    for (const phases of STEPS) {
      if (phases.includes('restrict') && settings.admins.length > 0) {
        // Before anything that can cut access: the admins must already get in on their own (new logins, all at once).
        const proofs = await Promise.all(settings.admins.map((admin) => settle(() => deps.verifyAdmin(target, admin, Math.min(10_000, left())))));
        const unproven = proofs.find((v) => !v.ok);
        if (unproven) throw new Rollback(`admin path not proven: ${unproven.detail}`);
        for (const v of proofs) say(`verified ${v.name}: ${v.detail}`);
      }
      // phase by phase (a plan file may list them in any order), each phase's ops in the plan's order
      const ops = phases.flatMap((phase) => plan.ops.filter((o) => o.phase === phase));
      if (ops.length === 0) continue;
      const r = await run(deps.tx.stepScript(txId, ops), left());
      for (const line of deps.tx.progressLines(r.stdout)) say(clean(withSummary(line, ops)));
      const reason = (fallback: string): string => why(deps.tx, r, fallback);
      const phase = phaseOf(ops, deps.tx.failureReason(r.stdout));
      if (r.code === TX_EXIT.reverted) {
        return { node: name, status: 'rolled-back', txId, reason: `${phase}: ${reason('an operation failed')}`, deadMan: false };
      }
      if (r.code === TX_EXIT.revertFailed) {
        return { node: name, status: 'error', txId, reason: `${phase} failed and the revert failed too: ${reason('no reason given')} (inspect /var/lib/pvesec/tx/${txId} on the node)` };
      }
      if (r.code === TX_EXIT.refused) return { node: name, status: 'error', txId, reason: `${phase} refused: ${reason('no reason given')}` };
      if (r.code !== 0) throw new Rollback(`${phase}: exit ${r.code ?? r.signal ?? 'none'}: ${reason('no reason given')}`);
    }

    // Verify over new connections, all at once (each is its own login or probe), the re-audit beside them.
    const budget = (): number => Math.min(10_000, left());
    const checks: Promise<VerifyResult>[] = [];
    for (const admin of settings.admins) checks.push(settle(() => deps.verifyAdmin(target, admin, budget())));
    if (plan.fixes.includes('SSH-02')) checks.push(settle(() => deps.verifyPasswords(target, [...settings.admins, 'root'], budget())));
    if (portalBefore.ok) checks.push(settle(() => deps.verifyTcp(target.host, 8006, Math.min(5000, left()))));
    if (firewall) {
      // a NEW connection to sshd from where pvesec runs (the session that loaded the rules is established: it proves nothing)
      checks.push(settle(() => deps.verifyTcp(target.host, target.port, Math.min(5000, left()))));
      const verifyRefused = deps.verifyRefused;
      if (verifyRefused) {
        for (const probe of settings.probeFrom ?? []) for (const port of [target.port, 8006]) checks.push(verifyRefused(probe, target.host, port, budget()));
      }
    }
    const cluster = clusterView(before.snapshot, before.node);
    const own = cluster.ownAddresses[0];
    for (const peer of own ? cluster.peers : []) {
      const addr = peer.addresses[0];
      if (!addr) continue;
      const peerTarget: SshTarget = { host: addr, port: target.port, user: target.user, input: `ssh://${target.user}@${addr}` };
      checks.push(settle(() => deps.verifyPeer(peerTarget, peer.name, own, budget())));
    }
    // settled, never rejected: a verification that fails first must not leave it unhandled
    const reaudited = collectAgain().then((a) => ({ a }), (e: unknown) => ({ e }));
    const results = await Promise.all(checks);
    const failed = results.find((v) => !v.ok);
    if (failed) throw new Rollback(`verification failed: ${failed.name}: ${failed.detail}`);
    const r = await reaudited;
    if ('e' in r) throw new Rollback(`re-audit failed: ${msg(r.e)}`);
    const after = r.a;
    left();
    if (firewall && deps.verifyFirewall) {
      const live = await deps.verifyFirewall(plan, before, after);
      left();
      if (!live.ok) throw new Rollback(`verification failed: ${live.name}: ${live.detail}`);
      results.push(live);
    }
    const reaudit = verifyControls(after.statuses);
    if (!reaudit.ok) throw new Rollback(`verification failed: re-audit: ${reaudit.detail}`);
    for (const v of [...results, reaudit]) say(`verified ${v.name}: ${v.detail}`);

    const confirmed = await run(deps.tx.confirmScript(txId), left());
    if (confirmed.code === TX_EXIT.refused) {
      // The timer won the race: the node reverted (or is reverting) under the same lock.
      return await afterDeadline(`confirmation came too late: ${why(deps.tx, confirmed, 'the transaction is no longer armed')}`);
    }
    if (confirmed.code !== 0) throw new Rollback(`confirm failed (exit ${confirmed.code ?? 'none'}): ${why(deps.tx, confirmed, 'no reason given')}`);
    say(`confirmed ${txId}`);
    session.close();
    const changes = plan.fixes.map((id) => ({ id, before: before.statuses.get(id), after: after.statuses.get(id) }));
    return { node: name, status: 'applied', txId, changes };
  } catch (e) {
    if (e instanceof Rollback && txId) return await revertNow(e.reason);
    if (e instanceof Lost && txId) return await afterDeadline(e.message);
    if (txId && deadline > 0) {
      // armed, then something of pvesec's own failed: the node must not wait for its deadline
      const reverted = await revertNow(`pvesec error: ${msg(e)}`);
      return reverted.status === 'rolled-back' ? { node: name, status: 'error', txId, reason: `${msg(e)} (rolled back)` } : reverted;
    }
    session.destroy();
    return { node: name, status: 'error', reason: msg(e), ...(txId ? { txId } : {}) };
  }

  /**
   * A verification, tried again a few times while it fails and time is left: a reloaded sshd re-executes
   * itself and refuses connections for a moment, a restarted service takes a moment to listen.
   */
  async function settle(check: () => Promise<VerifyResult>): Promise<VerifyResult> {
    let v = await check();
    for (let i = 0; i < VERIFY_RETRIES && !v.ok && TRANSIENT.test(v.detail) && deadline - deps.now() > VERIFY_PAUSE_MS * 2; i++) {
      await deps.sleep(VERIFY_PAUSE_MS);
      v = await check();
    }
    return v;
  }

  /**
   * (e) The node collected again, tried again like a verification while it cannot connect: it starts
   * beside the logins, right after an sshd reload, while sshd may still be re-executing itself.
   */
  async function collectAgain(): Promise<NodeAudit> {
    for (let i = 0; ; i++) {
      try {
        return await deps.audit(plan.target, plan.fixes);
      } catch (e) {
        if (i >= REAUDIT_RETRIES || !TRANSIENT.test(msg(e)) || deadline - deps.now() <= VERIFY_PAUSE_MS * 2) throw e;
        await deps.sleep(VERIFY_PAUSE_MS);
      }
    }
  }

  async function revertNow(reason: string): Promise<NodeOutcome> {
    let r: ScriptResult;
    try {
      // A live revert answers within seconds; past the deadline the node reverts on its own anyway.
      r = await run(deps.tx.revertScript(txId!, reason), Math.max(REVERT_MS, deadline - deps.now()));
    } catch (e) {
      if (e instanceof Lost) return afterDeadline(`${reason}; then ${e.message} while reverting`);
      throw e;
    }
    for (const line of deps.tx.progressLines(r.stdout)) say(clean(line));
    if (r.code === 0) {
      session.close();
      return { node: name, status: 'rolled-back', txId: txId!, reason, deadMan: false };
    }
    if (r.code === TX_EXIT.refused) {
      // no longer armed: the node reverted it already (a failed step does), or its timer did
      const st = await session.runScript(deps.tx.statusScript(txId!), { timeoutMs: REVERT_MS }).catch(() => undefined);
      const status = st?.code === 0 ? deps.tx.parseStatus(st.stdout) : undefined;
      if (status?.state === 'reverted' && status.files.every((f) => f.is === 'pre')) {
        session.close();
        return { node: name, status: 'rolled-back', txId: txId!, reason, deadMan: false };
      }
      return afterDeadline(`${reason} (the node had already left the transaction: ${why(deps.tx, r, 'not armed')})`);
    }
    session.close();
    return { node: name, status: 'error', txId, reason: `${reason}; the revert FAILED (exit ${r.code ?? 'none'}): ${why(deps.tx, r, 'no reason given')} (inspect /var/lib/pvesec/tx/${txId} on the node)` };
  }

  /** Waits out the node's own deadline, reconnects and reads what it did with the transaction. */
  async function afterDeadline(reason: string): Promise<NodeOutcome> {
    session.destroy();
    const id = txId!;
    const read = await statusAfterDeadline({
      target, open: deps.open, statusScript: deps.tx.statusScript(id), parseStatus: deps.tx.parseStatus,
      deadline, reconnectMs: settings.reconnectMs ?? 60_000, now: deps.now, sleep: deps.sleep,
      onWait: (sec) => say(`${reason}; waiting for the node to revert itself (${sec} s)`),
    });
    const { status } = read;
    if (!status) return { node: name, status: 'error', txId: id, reason: `${reason}; cannot reach the node after its deadline to check the revert: ${read.problem}` };
    if (status.state === 'confirmed') {
      return { node: name, status: 'applied', txId: id, changes: [], note: `${reason}, but the node reports ${id} confirmed` };
    }
    const notBack = notBackToPre(status);
    if (notBack) return { node: name, status: 'error', txId: id, reason: `${reason}; the node did not come back to its previous state: ${notBack}` };
    return { node: name, status: 'rolled-back', txId: id, reason: `${reason} (${status.files.length} file(s) back to their previous content)`, deadMan: true };
  }
}
