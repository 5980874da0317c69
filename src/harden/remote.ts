/**
 * The SSH session apply changes a node through: one connection (same strict host-key checking and key
 * authentication as collection, src/collect/ssh.ts) on which every node-side script of the transaction
 * runs as root (`sh -s`, the script on stdin; through `sudo -n` when the login user is not root).
 * Verification never reuses it: established sessions survive sshd reloads and firewall changes.
 */
import type ssh2 from 'ssh2';
import { connect, exec, ExecError, hostLabel, type ConnectOptions, type SshTarget } from '../collect/ssh.js';
import { shq } from '../collect/script.js';
import type { Target } from '../collect/targets.js';
import { clean } from '../report/text.js';

export { ExecError };

/** Runs stdin as a root shell script: directly as root, else through `sudo -n` (never asks for a password). */
export const ROOT_SCRIPT_COMMAND = `sh -c ${shq('if [ "$(id -u)" -eq 0 ]; then exec sh -s; fi; exec sudo -n sh -s')}`;

/** A finished remote script: exit code (undefined when the channel closed without one) and its output. */
export interface ScriptResult {
  code: number | undefined;
  signal?: string;
  stdout: string;
  stderr: string;
}

export class RemoteSession {
  private dead = false;

  private constructor(
    private readonly client: ssh2.Client,
    readonly target: SshTarget,
  ) {
    client.on('close', () => (this.dead = true));
  }

  /** Opens a session; rejects with a one-line CollectError naming the host. */
  static async open(target: SshTarget, opts: ConnectOptions = {}): Promise<RemoteSession> {
    return new RemoteSession(await connect(target, opts), target);
  }

  get label(): string {
    return hostLabel(this.target.host, this.target.port);
  }

  /** False once the connection closed (or was destroyed). */
  get alive(): boolean {
    return !this.dead;
  }

  /**
   * Runs a POSIX sh script as root. Rejects with ExecError when the connection dies, errs or gives no
   * answer within timeoutMs (the caller then treats the connection as lost).
   */
  async runScript(script: string, opts: { timeoutMs?: number } = {}): Promise<ScriptResult> {
    const r = await exec(this.client, ROOT_SCRIPT_COMMAND, script, { timeoutMs: opts.timeoutMs, maxBytes: 64 * 1024 * 1024 });
    return { code: r.code, signal: r.signal, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
  }

  /** Runs one command line as the login user (not as root). */
  async command(command: string, opts: { timeoutMs?: number; stdin?: string } = {}): Promise<ScriptResult> {
    const r = await exec(this.client, command, opts.stdin ?? '', { timeoutMs: opts.timeoutMs, maxBytes: 16 * 1024 * 1024 });
    return { code: r.code, signal: r.signal, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
  }

  /** Ends the connection politely. */
  close(): void {
    this.dead = true;
    this.client.end();
  }

  /** Drops the connection at once (it is believed dead; do not wait for the server). */
  destroy(): void {
    this.dead = true;
    this.client.destroy();
  }
}

/** The SSH endpoint of a target string, or an error naming it and the command when it is not ssh://. */
export function sshTargetOf(target: Target, command: 'apply' | 'history' | 'rollback' = 'apply'): SshTarget {
  if (target.kind !== 'ssh') throw new Error(`${target.input}: ${command} needs an SSH target (ssh://[user@]host[:port])`);
  return { host: target.host, port: target.port, user: target.user, input: target.input };
}

/** The last non-empty line of a script's stderr, for one-line messages. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}

/** The connection to the node is gone, or silent past the deadline: from now on the node's dead-man timer decides. */
export class ConnectionLost extends Error {}

/** session.runScript, with a dead or silent connection turned into ConnectionLost (apply and rollback flows). */
export async function runOrLost(session: RemoteSession, script: string, timeoutMs: number): Promise<ScriptResult> {
  try {
    return await session.runScript(script, { timeoutMs });
  } catch (e) {
    if (e instanceof ExecError) throw new ConnectionLost(e.reason === 'timeout' ? 'no answer from the node' : `connection lost (${e.message})`);
    throw e;
  }
}

/** What the node says about a transaction: its state and, per touched file, whether it holds its pre-state. */
export interface TxStatus {
  state: string;
  files: { path: string; is: 'pre' | 'post' | 'other' }[];
}

/** How to reach a node again once its dead-man deadline passed, and read one transaction's status there. */
export interface DeadlineWatch {
  target: SshTarget;
  open(target: SshTarget): Promise<RemoteSession>;
  statusScript: string;
  parseStatus(stdout: string): TxStatus;
  /** When the node's timer fires at the latest (this process's clock, ms). */
  deadline: number;
  /** How long to keep trying to reach the node after the deadline. */
  reconnectMs: number;
  /** Called once before the wait, with the seconds it will take. */
  onWait(seconds: number): void;
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The transaction's state once the node is done with it, or why it could not be read. */
export type DeadlineStatus = { status: TxStatus } | { status: undefined; problem: string };

/** Slack after the deadline for the timer to fire (AccuracySec=1s, later under load) and the revert to run. */
const DEADLINE_GRACE_MS = 3000;
const RECONNECT_PAUSE_MS = 2000;
const STATUS_MS = 15_000;
const SETTLED = new Set(['reverted', 'confirmed', 'revert-failed']);

/**
 * After a lost connection (or a timer that won the race): waits out the node's deadline, then reconnects
 * over NEW connections until the node reports the transaction settled (reverted, confirmed or
 * revert-failed) or reconnectMs runs out; the last status read wins.
 */
export async function statusAfterDeadline(w: DeadlineWatch): Promise<DeadlineStatus> {
  const wait = w.deadline + DEADLINE_GRACE_MS - w.now();
  w.onWait(Math.max(0, Math.ceil(wait / 1000)));
  if (wait > 0) await w.sleep(wait);
  const until = w.now() + w.reconnectMs;
  let status: TxStatus | undefined;
  let problem = '';
  while (w.now() < until) {
    try {
      const s = await w.open(w.target);
      try {
        const r = await s.runScript(w.statusScript, { timeoutMs: STATUS_MS });
        if (r.code !== 0) throw new Error(`status exit ${r.code ?? 'none'}: ${lastLine(r.stderr)}`);
        status = w.parseStatus(r.stdout);
      } finally {
        s.close();
      }
      if (SETTLED.has(status.state)) break;
      problem = `transaction still ${status.state}`;
    } catch (e) {
      problem = clean(((e as Error)?.message ?? String(e)).split('\n')[0]);
    }
    await w.sleep(RECONNECT_PAUSE_MS);
  }
  return status ? { status } : { status: undefined, problem };
}

/** Undefined when the transaction is reverted with every file back to its pre-state; else what is not. */
export function notBackToPre(status: TxStatus): string | undefined {
  const notBack = status.files.filter((f) => f.is !== 'pre');
  if (status.state === 'reverted' && notBack.length === 0) return undefined;
  return `${status.state}${notBack.length ? `, ${notBack.map((f) => `${f.path} is ${f.is}`).join(', ')}` : ''}`;
}
