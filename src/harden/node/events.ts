/**
 * The machine-readable lines the node-side scripts print: "pvesec-tx <type> <args...>". Other output
 * (a validator's stderr, apt's progress) never starts with that prefix and is ignored.
 */
import { EVENT_PREFIX } from './layout.js';

export interface TxEvent {
  /** armed, wrote, dir, installed, user, group, locked, service, validated, ran, failed, refused, error,
   * shell, reverting, restored, removed, reverted, rolled-back, revert-error, revert-failed, confirmed, state,
   * file, changed, diff, tx, tx-meta, tx-file, step-done, orphan */
  type: string;
  /** The words after the type, split on single spaces. */
  args: string[];
  /** Everything after the type, verbatim (reasons contain spaces). */
  text: string;
}

const PREFIX = `${EVENT_PREFIX} `;

export function parseEvents(stdout: string): TxEvent[] {
  const events: TxEvent[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!line.startsWith(PREFIX)) continue;
    const body = line.slice(PREFIX.length);
    const sp = body.indexOf(' ');
    const type = sp < 0 ? body : body.slice(0, sp);
    if (type === '') continue;
    const text = sp < 0 ? '' : body.slice(sp + 1);
    events.push({ type, args: text === '' ? [] : text.split(' '), text });
  }
  return events;
}

/** The text after the first `n` words of an event (e.g. the reason of "failed <op-id> <reason>"). */
export function restAfter(ev: TxEvent, n: number): string {
  let rest = ev.text;
  for (let i = 0; i < n; i++) {
    const sp = rest.indexOf(' ');
    if (sp < 0) return '';
    rest = rest.slice(sp + 1);
  }
  return rest;
}

/** `reverting`: a revert restored what it could and queued the /etc/pve files for pve-cluster's start (boot). */
export type TxState = 'armed' | 'confirmed' | 'reverting' | 'reverted' | 'rolled-back' | 'revert-failed' | 'aborted';

export interface TxRecord {
  id: string;
  /** When the transaction began (node clock), ISO 8601. */
  time: string;
  controls: string[];
  /** Every file the transaction journaled (changed or may have changed), in journal order. */
  files: string[];
  state: TxState | string;
  /** Why it reached that state (revert reason); absent for armed/confirmed. */
  reason?: string;
  /** When it reached that state, ISO 8601 with milliseconds. */
  stateTime?: string;
  origin?: string;
  timeoutSec?: number;
  planDigest?: string;
  /** When the dead-man timer fires (fired), ISO 8601. */
  deadline?: string;
}

const isoOfEpoch = (s: string | undefined): string | undefined => {
  if (!s) return undefined;
  const n = Number(s);
  return Number.isFinite(n) && n > 0 ? new Date(n * 1000).toISOString() : undefined;
};

/** How many finished transactions the node pruned over time, and how many it keeps (historyScript's `pruned-total`). */
export function parsePruned(stdout: string): { pruned: number; retained: number } {
  let out = { pruned: 0, retained: 0 };
  for (const ev of parseEvents(stdout)) {
    if (ev.type === 'pruned-total' && /^\d+$/.test(ev.args[0] ?? '')) out = { pruned: Number(ev.args[0]), retained: Number(ev.args[1]) || 0 };
  }
  return out;
}

/** Transactions from historyScript's output, oldest first. */
export function parseHistory(stdout: string): TxRecord[] {
  const byId = new Map<string, TxRecord>();
  const get = (id: string): TxRecord => {
    let r = byId.get(id);
    if (!r) {
      r = { id, time: '', controls: [], files: [], state: 'unknown' };
      byId.set(id, r);
    }
    return r;
  };
  for (const ev of parseEvents(stdout)) {
    if (ev.type === 'tx' && ev.args.length >= 1) {
      const r = get(ev.args[0]);
      r.state = ev.args[1] || 'unknown';
      r.stateTime = isoOfEpoch(ev.args[2]);
      const reason = restAfter(ev, 3).trim();
      if (reason && r.state !== 'armed' && r.state !== 'confirmed') r.reason = reason;
    } else if (ev.type === 'tx-meta' && ev.args.length >= 2) {
      const r = get(ev.args[0]);
      const key = ev.args[1];
      const value = restAfter(ev, 2);
      if (key === 'time') r.time = isoOfEpoch(value) ?? '';
      else if (key === 'controls') r.controls = value.split(',').filter(Boolean);
      else if (key === 'origin') r.origin = value;
      else if (key === 'timeout') r.timeoutSec = Number(value);
      else if (key === 'planDigest' && value) r.planDigest = value;
      else if (key === 'deadline') r.deadline = isoOfEpoch(value);
    } else if (ev.type === 'tx-file' && ev.args.length >= 2) {
      const r = get(ev.args[0]);
      if (!r.files.includes(ev.args[1])) r.files.push(ev.args[1]);
    }
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
