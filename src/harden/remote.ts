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

/** The SSH endpoint of a target string, or an error naming it when it is not ssh://. */
export function sshTargetOf(target: Target): SshTarget {
  if (target.kind !== 'ssh') throw new Error(`${target.input}: apply needs an SSH target (ssh://[user@]host[:port])`);
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
