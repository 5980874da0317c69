/**
 * The node-side transaction runtime (src/harden/node/scripts.ts) as apply, rollback and history use
 * it: the scripts, and their "pvesec-tx <event>" lines turned into progress lines, failure reasons and
 * the state of a transaction.
 */
import { redactSecrets } from '../collect/redact-content.js';
import * as node from './node/scripts.js';
import type { TxEvent, TxRecord } from './node/scripts.js';
import type { TxRuntime, TxStatus } from './apply.js';
import type { RollbackScripts } from './rollback-tx.js';

export type { TxRecord };

/** The scripts behind `pvesec history` and `pvesec rollback`. */
export interface TxAdmin {
  historyScript(): string;
  parseHistory(stdout: string): TxRecord[];
  /** How many older finished transactions the node pruned (it keeps the newest `retained`). */
  parsePruned(stdout: string): { pruned: number; retained: number };
  rollbackScript(txId: string | undefined, force: boolean): string;
  /** What of a rollback's output the operator reads (what was restored, or the diff of a refusal). */
  rollbackOutput(stdout: string): string;
}

const SERVICE_VERBS: Record<string, string> = {
  reload: 'reloaded',
  restart: 'restarted',
  'reload-or-restart': 'reloaded',
  'enable-now': 'enabled and started',
};

/** One human line for an event of a step or a revert; undefined for bookkeeping events. */
export function progressLine(ev: TxEvent): string | undefined {
  const a = ev.args;
  switch (ev.type) {
    case 'wrote':
      return `wrote ${ev.text}`;
    case 'dir':
      return `created directory ${ev.text}`;
    case 'installed':
      return `installed ${ev.text}`;
    case 'loaded':
      return `loaded ${ev.text} into the kernel`;
    case 'pve':
      return `ran ${ev.text}`;
    case 'undone':
      return `undid ${ev.text}`;
    case 'deferred':
      return `deferred ${ev.text}`;
    case 'user':
      return a[1] === 'created' ? `created user ${a[0]}` : `user ${a[0]} exists`;
    case 'group':
      return a[2] === 'added' ? `added ${a[0]} to group ${a[1]}` : `${a[0]} already in group ${a[1]}`;
    case 'locked':
      return a[1] === 'already' ? `password of ${a[0]} already locked` : `locked the password of ${a[0]}`;
    case 'shell':
      return a[2] === 'changed' ? `changed the login shell of ${a[0]} to ${a[1]}` : `login shell of ${a[0]} is ${a[1]} already`;
    case 'service':
      return `${SERVICE_VERBS[a[1]] ?? a[1]} ${a[0]}`;
    case 'validated':
      return `validated ${ev.text}`;
    case 'ran':
      return `ran ${ev.text}`;
    case 'failed':
      return `failed ${a[0]}: ${node.restAfter(ev, 1)}`;
    case 'reverting':
      return `reverting: ${node.restAfter(ev, 1)}`;
    case 'restored':
      return `restored ${ev.text}`;
    case 'removed':
      return `removed ${ev.text}`;
    case 'revert-error':
      return `REVERT ERROR: ${ev.text}`;
    case 'reverted':
    case 'rolled-back':
      return `${ev.type} ${a[0]}`;
    case 'revert-failed':
      return `REVERT FAILED ${ev.text}`;
    case 'rolling-back':
      return `rolling back ${a[0]}`;
    case 'state-restored':
      return `${a[0]} is ${a[1]} again`;
    case 'pruned':
      return `pruned ${a[0]} older finished transaction(s)`;
    default:
      return undefined;
  }
}

/** The reason a script gives for failing or refusing: its last failed/refused/error/revert-failed event. */
export function failureReason(stdout: string): string | undefined {
  const evs = node.parseEvents(stdout).filter((e) => ['failed', 'refused', 'error', 'revert-failed'].includes(e.type));
  const last = evs[evs.length - 1];
  if (!last) return undefined;
  return last.type === 'failed' ? `${last.args[0]} failed: ${node.restAfter(last, 1)}` : last.type === 'revert-failed' ? `revert failed: ${node.restAfter(last, 1)}` : last.text;
}

/** The state line and the per-file lines of statusScript. */
export function parseStatus(stdout: string): TxStatus {
  let state = 'unknown';
  const files: TxStatus['files'] = [];
  for (const ev of node.parseEvents(stdout)) {
    if (ev.type === 'state' && ev.args.length >= 2) state = ev.args[1];
    else if (ev.type === 'file' && ev.args.length >= 2 && (ev.args[0] === 'pre' || ev.args[0] === 'post' || ev.args[0] === 'other')) {
      files.push({ path: node.restAfter(ev, 1), is: ev.args[0] });
    }
  }
  return { state, files };
}

export function nodeTxRuntime(): TxRuntime {
  return {
    newTxId: node.newTxId,
    beginScript: node.beginScript,
    stepScript: node.stepScript,
    confirmScript: node.confirmScript,
    revertScript: node.revertScript,
    statusScript: node.statusScript,
    progressLines: (stdout) => node.parseEvents(stdout).map(progressLine).filter((l): l is string => l !== undefined),
    failureReason,
    parseStatus,
  };
}

/** A rollback's events for the operator: the changed files and their diff, what was restored, the outcome. */
export function rollbackOutput(stdout: string): string {
  const lines: string[] = [];
  for (const ev of node.parseEvents(stdout)) {
    if (ev.type === 'changed') lines.push(`changed since the confirmation: ${ev.args[0]}`);
    // a changed file's diff is node data: the same content rules as every collected file (hashes, keys, tokens)
    else if (ev.type === 'diff') lines.push(redactSecrets(node.restAfter(ev, 1)));
    else if (ev.type === 'forced') lines.push(ev.text);
    else {
      const line = progressLine(ev);
      if (line) lines.push(line);
    }
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** The transaction runtime plus the scripts of a rollback with a dead-man (src/harden/rollback-tx.ts). */
export function nodeRollbackRuntime(): TxRuntime & RollbackScripts {
  return { ...nodeTxRuntime(), rollbackCheckScript: node.rollbackCheckScript, rollbackStepScript: node.rollbackStepScript, rollbackOutput };
}

export function nodeTxAdmin(): TxAdmin {
  return {
    historyScript: node.historyScript,
    parseHistory: node.parseHistory,
    parsePruned: node.parsePruned,
    rollbackScript: node.rollbackScript,
    rollbackOutput,
  };
}
