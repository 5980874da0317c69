/**
 * `pvesec rollback` where the operator is. Restoring the files of a confirmed transaction can cut access
 * as surely as applying them (an old sshd drop-in, old sudoers), so a rollback is a transaction of its
 * own: check (refuse with a diff when a file changed since, unless forced), arm a dead-man that puts the
 * rolled-back transaction's post-state back at the deadline, roll back, verify over a NEW connection that
 * pvesec's login still gets in and becomes root (and that tcp 8006 still answers when it did), confirm.
 * A failed verification reverts the rollback at once; a lost connection leaves it to the node's timer.
 */
import type { SshTarget } from '../collect/ssh.js';
import { connect, exec, type ConnectOptions } from '../collect/ssh.js';
import { clean } from '../report/text.js';
import type { TxHeader } from './node/scripts.js';
import { parseEvents } from './node/scripts.js';
import { ConnectionLost as Lost, notBackToPre, runOrLost, lastLine, ROOT_SCRIPT_COMMAND, statusAfterDeadline, type RemoteSession, type ScriptResult, type TxStatus } from './remote.js';
import { TX_EXIT, type TxRuntime } from './apply.js';
import { verifyAdminLogin, type VerifyResult } from './verify.js';

/** The node scripts a rollback runs besides begin/confirm/revert/status. */
export interface RollbackScripts {
  rollbackCheckScript(txId: string | undefined, force: boolean): string;
  rollbackStepScript(txId: string, targetId: string, force: boolean): string;
  /** What of a check's or step's output the operator reads (changed files and their diff, what was restored). */
  rollbackOutput(stdout: string): string;
}

export interface RollbackDeps {
  tx: TxRuntime & RollbackScripts;
  open(target: SshTarget): Promise<RemoteSession>;
  /** pvesec's own login (the target's user, the same identity) over a new connection, and root from there. */
  verifyLogin(node: SshTarget, timeoutMs: number): Promise<VerifyResult>;
  verifyTcp(host: string, port: number, timeoutMs: number): Promise<VerifyResult>;
  progress(line: string): void;
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface RollbackSettings {
  /** The transaction to roll back (default: the node's last confirmed one). */
  txId?: string;
  force: boolean;
  confirmTimeoutSec: number;
  origin: string;
  reconnectMs?: number;
}

export type RollbackOutcome =
  | { status: 'rolled-back'; target: string; txId: string }
  | { status: 'refused'; reason: string }
  /** The rollback itself was reverted: the target transaction is confirmed again, its files as they were. */
  | { status: 'reverted'; target: string; txId: string; reason: string; deadMan: boolean }
  | { status: 'error'; reason: string; txId?: string };

/** 0 rolled back and verified, 1 refused or the rollback was reverted, 2 error. */
export function rollbackExitCode(o: RollbackOutcome): 0 | 1 | 2 {
  return o.status === 'rolled-back' ? 0 : o.status === 'error' ? 2 : 1;
}

/** (a) for the operator: a new login as the target's user with the same key, then root (`id -u` = 0, through sudo -n when not root). */
export async function verifyOperatorLogin(node: SshTarget, opts: ConnectOptions): Promise<VerifyResult> {
  if (node.user !== 'root') return verifyAdminLogin(node, node.user, opts);
  const name = 'root login';
  let client;
  try {
    client = await connect(node, { ...opts, acceptNew: false });
  } catch (e) {
    return { name, ok: false, detail: `cannot log in as root: ${((e as Error)?.message ?? String(e)).split('\n')[0]}` };
  }
  try {
    const r = await exec(client, ROOT_SCRIPT_COMMAND, 'id -u\n', { timeoutMs: opts.timeoutMs ?? 10_000 });
    const uid = r.stdout.toString().trim();
    return uid === '0' && r.code === 0 ? { name, ok: true, detail: 'root logs in with its key' } : { name, ok: false, detail: `root logs in but id -u printed ${JSON.stringify(uid)} (exit ${r.code ?? 'none'})` };
  } finally {
    client.end();
  }
}

class Revert extends Error {}

const SCRIPT_MS = 60_000;
const REVERT_MS = 15_000;
const TRANSIENT = /connection refused|reset|closed by the server|timed out|unreachable|no answer/i;

function msg(e: unknown): string {
  return clean(((e as Error)?.message ?? String(e)).split('\n')[0]);
}

export async function rollbackNode(target: SshTarget, settings: RollbackSettings, deps: RollbackDeps): Promise<RollbackOutcome> {
  const { tx } = deps;
  const say = (line: string): void => deps.progress(clean(line));
  const shown = new Set<string>();
  /** The operator's lines of a script's output; the step checks again what the check showed: not twice. */
  const showOutput = (stdout: string): void => {
    for (const line of tx.rollbackOutput(stdout).split('\n')) {
      if (!line || shown.has(line)) continue;
      shown.add(line);
      say(line);
    }
  };
  const why = (r: ScriptResult, fallback: string): string => clean(tx.failureReason(r.stdout) ?? (lastLine(r.stderr) || fallback));

  let session: RemoteSession;
  try {
    session = await deps.open(target);
  } catch (e) {
    return { status: 'error', reason: msg(e) };
  }
  let rid: string | undefined;
  let targetId = '';
  let deadline = 0;
  const left = (): number => {
    if (deadline === 0) return SCRIPT_MS;
    const ms = deadline - deps.now();
    if (ms <= 0) throw new Lost('the confirmation deadline passed');
    return ms;
  };
  const run = (script: string, timeoutMs: number): Promise<ScriptResult> => runOrLost(session, script, timeoutMs);
  const settle = async (check: () => Promise<VerifyResult>): Promise<VerifyResult> => {
    let v = await check();
    for (let i = 0; i < 3 && !v.ok && TRANSIENT.test(v.detail) && deadline - deps.now() > 800; i++) {
      await deps.sleep(400);
      v = await check();
    }
    return v;
  };

  try {
    const portalBefore = await deps.verifyTcp(target.host, 8006, 5000);
    const check = await run(tx.rollbackCheckScript(settings.txId, settings.force), SCRIPT_MS);
    showOutput(check.stdout);
    if (check.code === TX_EXIT.refused) return { status: 'refused', reason: why(check, 'the node refused the rollback') };
    if (check.code !== 0) return { status: 'error', reason: `rollback check failed (exit ${check.code ?? 'none'}): ${why(check, 'no reason given')}` };
    const named = parseEvents(check.stdout).find((e) => e.type === 'rollback-target');
    if (!named?.args[0]) return { status: 'error', reason: 'the node did not name the transaction to roll back' };
    targetId = named.args[0];
    const controls = (named.args[1] ?? '').split(',').filter(Boolean);

    rid = tx.newTxId();
    const header: TxHeader = { id: rid, timeoutSec: settings.confirmTimeoutSec, controls, origin: `${settings.origin}: rollback of ${targetId}`, keep: [targetId] };
    const begun = await run(tx.beginScript(header), SCRIPT_MS);
    if (begun.code === TX_EXIT.refused) {
      const reason = why(begun, 'the node refused the transaction');
      rid = undefined;
      return { status: 'refused', reason };
    }
    if (begun.code !== 0) {
      const reason = `cannot start the rollback transaction (exit ${begun.code ?? 'none'}): ${why(begun, 'no reason given')}`;
      rid = undefined;
      return { status: 'error', reason };
    }
    deadline = deps.now() + settings.confirmTimeoutSec * 1000;
    say(`armed ${rid} to roll back ${targetId} (reverts itself in ${settings.confirmTimeoutSec} s unless confirmed)`);

    const step = await run(tx.rollbackStepScript(rid, targetId, settings.force), left());
    showOutput(step.stdout);
    if (step.code === TX_EXIT.reverted) return { status: 'reverted', target: targetId, txId: rid, reason: why(step, 'the rollback failed'), deadMan: false };
    if (step.code === TX_EXIT.revertFailed) {
      return { status: 'error', txId: rid, reason: `the rollback failed and so did its revert: ${why(step, 'no reason given')} (inspect /var/lib/pvesec/tx/${rid} and ${targetId} on the node)` };
    }
    if (step.code !== 0) throw new Revert(`rollback step: exit ${step.code ?? step.signal ?? 'none'}: ${why(step, 'no reason given')}`);

    // Over NEW connections: pvesec's own login must still get in and become root; the web UI still answer.
    const budget = (): number => Math.min(10_000, left());
    const results = [await settle(() => deps.verifyLogin(target, budget()))];
    if (portalBefore.ok) results.push(await settle(() => deps.verifyTcp(target.host, 8006, Math.min(5000, left()))));
    const failed = results.find((v) => !v.ok);
    if (failed) throw new Revert(`verification failed: ${failed.name}: ${failed.detail}`);
    for (const v of results) say(`verified ${v.name}: ${v.detail}`);

    const confirmed = await run(tx.confirmScript(rid), left());
    if (confirmed.code === TX_EXIT.refused) return await afterDeadline(`confirmation came too late: ${why(confirmed, 'the transaction is no longer armed')}`);
    if (confirmed.code !== 0) throw new Revert(`confirm failed (exit ${confirmed.code ?? 'none'}): ${why(confirmed, 'no reason given')}`);
    say(`confirmed ${rid}: ${targetId} is rolled back`);
    session.close();
    return { status: 'rolled-back', target: targetId, txId: rid };
  } catch (e) {
    if (e instanceof Revert && rid) return await revertNow(e.message);
    if (e instanceof Lost && rid) return await afterDeadline(e.message);
    if (rid && deadline > 0) {
      const r = await revertNow(`pvesec error: ${msg(e)}`);
      return r.status === 'reverted' ? { status: 'error', txId: rid, reason: `${msg(e)} (the rollback was reverted)` } : r;
    }
    session.destroy();
    return { status: 'error', reason: msg(e), ...(rid ? { txId: rid } : {}) };
  }

  async function revertNow(reason: string): Promise<RollbackOutcome> {
    let r: ScriptResult;
    try {
      r = await run(tx.revertScript(rid!, reason), Math.max(REVERT_MS, deadline - deps.now()));
    } catch (e) {
      if (e instanceof Lost) return afterDeadline(`${reason}; then ${e.message} while reverting`);
      throw e;
    }
    for (const line of tx.progressLines(r.stdout)) say(line);
    if (r.code !== 0 && parseEvents(r.stdout).length === 0) {
      // the revert never ran (e.g. the rollback removed the account pvesec is logged in as: sudo no longer knows it)
      return afterDeadline(`${reason}; the live revert could not run (${clean(lastLine(r.stderr)) || `exit ${r.code ?? 'none'}`})`);
    }
    if (r.code === 0 || (r.code === TX_EXIT.refused && (await statusOf(session))?.state === 'reverted')) {
      session.close();
      return { status: 'reverted', target: targetId, txId: rid!, reason, deadMan: false };
    }
    session.close();
    return { status: 'error', txId: rid, reason: `${reason}; reverting the rollback FAILED (exit ${r.code ?? 'none'}): ${why(r, 'no reason given')} (inspect /var/lib/pvesec/tx/${rid} on the node)` };
  }

  async function statusOf(s: RemoteSession): Promise<TxStatus | undefined> {
    const r = await s.runScript(tx.statusScript(rid!), { timeoutMs: REVERT_MS }).catch(() => undefined);
    return r?.code === 0 ? tx.parseStatus(r.stdout) : undefined;
  }

  /** Waits out the node's deadline, reconnects and checks that the rollback was undone. */
  async function afterDeadline(reason: string): Promise<RollbackOutcome> {
    session.destroy();
    const read = await statusAfterDeadline({
      target, open: deps.open, statusScript: tx.statusScript(rid!), parseStatus: tx.parseStatus,
      deadline, reconnectMs: settings.reconnectMs ?? 60_000, now: deps.now, sleep: deps.sleep,
      onWait: (sec) => say(`${reason}; waiting for the node to revert the rollback itself (${sec} s)`),
    });
    const { status } = read;
    if (!status) return { status: 'error', txId: rid, reason: `${reason}; cannot reach the node after its deadline: ${read.problem}` };
    if (status.state === 'confirmed') return { status: 'rolled-back', target: targetId, txId: rid! };
    const notBack = notBackToPre(status);
    if (notBack) return { status: 'error', txId: rid, reason: `${reason}; the node did not undo the rollback: ${notBack}` };
    return { status: 'reverted', target: targetId, txId: rid!, reason: `${reason} (${status.files.length} file(s) back to their confirmed content)`, deadMan: true };
  }
}
