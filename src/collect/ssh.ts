import { promises as fsp } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { AuthMethod, ConnectConfig, ServerHostKeyAlgorithm } from 'ssh2';
import { BundleError, snapshotFromArchive } from './bundle.js';
import { CollectError, DEFAULT_TIMEOUT_MS, type CollectOptions } from './index.js';

export { CollectError, DEFAULT_TIMEOUT_MS };
import {
  appendKnownHost,
  blobKeyType,
  fingerprint,
  knownKeyTypes,
  loadKnownHosts,
  verifyHostKey,
  type KnownHostEntry,
} from './known-hosts.js';
import { collectionScript, REMOTE_WRAPPER, shq } from './script.js';
import type { Snapshot } from './snapshot.js';
import { clean } from '../report/text.js';
import { fsErrorText } from '../core/fs-errors.js';

const { Client, utils } = ssh2;


export interface SshTarget {
  host: string;
  port: number;
  user: string;
  /** what the user typed (ssh://root@pve1), kept as the snapshot's origin */
  input: string;
}

export const GLOBAL_KNOWN_HOSTS = '/etc/ssh/ssh_known_hosts';
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;

/** The remote command: root runs the script, others through `sudo -n` when allowed, else as themselves. */
export const REMOTE_COMMAND = `sh -c ${shq(REMOTE_WRAPPER)}`;

/** What opening a connection needs: CollectOptions' key, host-key and timeout settings. */
export type ConnectOptions = Pick<CollectOptions, 'identity' | 'knownHostsFile' | 'acceptNew' | 'timeoutMs' | 'note'> & {
  /**
   * Replaces the key authentication (identity, agent, ~/.ssh keys): e.g. a handler that only asks the
   * server which methods it offers. Host keys are checked the same way.
   */
  authHandler?: ConnectConfig['authHandler'];
};

/**
 * Opens one SSH connection with strict host key checking against known_hosts (the user's file plus
 * the system-wide one, unless a file was given) and key authentication only (identity file, else
 * agent, else ~/.ssh/id_*). Resolves once logged in; rejects with a one-line CollectError naming the host.
 */
export async function connect(target: SshTarget, opts: ConnectOptions = {}): Promise<ssh2.Client> {
  const label = targetLabel(target);
  const knownHostsFile = opts.knownHostsFile ?? path.join(os.homedir(), '.ssh', 'known_hosts');
  // like OpenSSH: the user's file, plus the system-wide one unless a file was given explicitly
  const sources = opts.knownHostsFile ? [knownHostsFile] : [knownHostsFile, GLOBAL_KNOWN_HOSTS];
  const known: KnownHostEntry[] = [];
  for (const file of sources) {
    try {
      known.push(...(await loadKnownHosts(file)));
    } catch (e) {
      throw new CollectError(`${label}: cannot read ${file}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const auth: Auth = opts.authHandler ? { methods: opts.authHandler, tried: ['none'] } : await authMethods(target.user, opts, label);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return openClient({ target, label, known, knownHostsFile, auth, timeoutMs, acceptNew: opts.acceptNew === true });
}

/**
 * Collects one node over ONE SSH connection and ONE exec: the collection script goes to the remote
 * shell's stdin, the bundle (tar.gz) comes back on stdout. Strict host key checking against
 * known_hosts; key authentication only (identity file, else agent, else ~/.ssh/id_*).
 */
export async function collectSsh(
  target: SshTarget,
  opts: CollectOptions = {},
  script = collectionScript({ backupGlob: opts.backupGlob, sshdUsers: opts.sshdUsers }),
): Promise<Snapshot> {
  const label = targetLabel(target);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = Date.now();
  const conn = await connect(target, opts);
  let output: Buffer;
  try {
    const r = await exec(conn, REMOTE_COMMAND, script, { timeoutMs: Math.max(1, timeoutMs - (Date.now() - started)), maxBytes: MAX_OUTPUT_BYTES, onStarted: opts.onRunning });
    const why = lastLine(r.stderr);
    if (r.code === undefined && r.signal === undefined) throw new CollectError(`${label}: connection dropped during collection (no exit status received)`);
    if (r.signal !== undefined) throw new CollectError(`${label}: remote collection killed by signal ${r.signal}${why ? `: ${why}` : ''}`);
    if (r.code !== 0) throw new CollectError(`${label}: remote collection script failed (exit ${r.code})${why ? `: ${why}` : ''}`);
    if (r.stdout.length === 0) throw new CollectError(`${label}: remote collection produced no output${why ? `: ${why}` : ''}`);
    output = r.stdout;
  } catch (e) {
    if (!(e instanceof ExecError)) throw e;
    switch (e.reason) {
      case 'start': throw new CollectError(`${label}: cannot start the remote collection: ${e.message}`);
      case 'too-large': throw new CollectError(`${label}: collection output larger than ${MAX_OUTPUT_BYTES / 1024 / 1024} MB, aborted`);
      case 'timeout': throw new CollectError(`${label}: timed out after ${Math.round(timeoutMs / 1000)} s during collection`);
      case 'closed': throw new CollectError(`${label}: connection dropped during collection`);
      case 'error': throw new CollectError(describeSshError(label, e.sshError ?? {}, 'collect', target.user, []));
    }
  } finally {
    conn.end();
  }
  try {
    return await snapshotFromArchive(output, { kind: 'ssh', target: target.input }, label);
  } catch (e) {
    const why = e instanceof BundleError ? e.message.slice(label.length + 2) : String(e);
    throw new CollectError(`${label}: unusable collection stream (${why})`);
  }
}

/** How errors name a target: as the user gave it (ssh://root@pve9), else host[:port]. */
export function targetLabel(target: SshTarget): string {
  return target.input || hostLabel(target.host, target.port);
}

export function hostLabel(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return port === 22 ? h : `${h}:${port}`;
}

interface Auth {
  methods: AuthMethod[] | NonNullable<ConnectConfig['authHandler']>;
  /** for the "authentication failed" message */
  tried: string[];
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

async function authMethods(username: string, opts: ConnectOptions, label: string): Promise<Auth> {
  if (opts.identity) {
    const key = await readKey(opts.identity, label, true);
    return { methods: [{ type: 'publickey', username, key } as AuthMethod], tried: [`identity file ${opts.identity}`] };
  }
  const methods: AuthMethod[] = [];
  const tried: string[] = [];
  const sock = process.env.SSH_AUTH_SOCK;
  const agentProblem = sock ? await agentUnreachable(sock) : undefined;
  if (sock && agentProblem) {
    (opts.note ?? defaultNote)(`SSH_AUTH_SOCK ${sock}: ${agentProblem}; using the key files in ~/.ssh instead`);
  } else if (sock) {
    methods.push({ type: 'agent', username, agent: sock } as AuthMethod);
    tried.push('ssh-agent');
  }
  for (const name of DEFAULT_KEYS) {
    const file = path.join(os.homedir(), '.ssh', name);
    const key = await readKey(file, label, false);
    if (key) {
      methods.push({ type: 'publickey', username, key } as AuthMethod);
      tried.push(`~/.ssh/${name}`);
    }
  }
  if (methods.length === 0) {
    throw new CollectError(`${label}: no SSH key to authenticate with (give --identity FILE, run ssh-agent, or create ~/.ssh/id_ed25519)`);
  }
  return { methods, tried };
}

const AGENT_PROBE_MS = 2000;

/**
 * Why the ssh-agent socket cannot be used (a stale SSH_AUTH_SOCK: socket gone, nobody listening), or
 * undefined when it accepts a connection. ssh2 would otherwise fail the whole connection on it.
 */
export function agentUnreachable(sock: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const c = net.createConnection(sock);
    const done = (why: string | undefined): void => {
      c.destroy();
      resolve(why);
    };
    c.setTimeout(AGENT_PROBE_MS, () => done('the agent does not answer'));
    c.once('connect', () => done(undefined));
    c.once('error', (e: NodeJS.ErrnoException) => done(AGENT_ERRORS[e.code ?? ''] ?? e.code ?? e.message.split('\n')[0]));
  });
}

const AGENT_ERRORS: Record<string, string> = {
  ENOENT: 'no such socket',
  ECONNREFUSED: 'connection refused (stale agent socket)',
  ENOTSOCK: 'not a socket',
  EACCES: 'permission denied',
};

/** Each distinct note once per process (several nodes are collected at once). */
const noted = new Set<string>();
function defaultNote(line: string): void {
  if (noted.has(line)) return;
  noted.add(line);
  process.stderr.write(`pvesec: ${line}\n`);
}

/** The key file's content if usable; an explicit --identity that is unusable is an error. */
async function readKey(file: string, label: string, required: boolean): Promise<Buffer | undefined> {
  let data: Buffer;
  try {
    data = await fsp.readFile(file);
  } catch (e) {
    if (!required) return undefined;
    throw new CollectError(`${label}: cannot read identity file ${file}: ${fsErrorText(e)}`);
  }
  const parsed = utils.parseKey(data);
  if (parsed instanceof Error) {
    if (!required) return undefined;
    const encrypted = /encrypted|passphrase/i.test(parsed.message);
    throw new CollectError(
      encrypted
        ? `${label}: identity file ${file} is passphrase-protected; load it into ssh-agent and omit --identity`
        : `${label}: identity file ${file} is not a usable private key`,
    );
  }
  return data;
}

const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Host key algorithms with the types already in known_hosts first (so a known host is checked against its recorded key). */
export function hostKeyAlgorithmOrder(knownTypes: string[]): ServerHostKeyAlgorithm[] {
  const first = knownTypes.flatMap((t): ServerHostKeyAlgorithm[] =>
    t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : HOST_KEY_ALGORITHMS.filter((a) => a === t),
  );
  return [...new Set([...first, ...HOST_KEY_ALGORITHMS])];
}

interface ClientOpen {
  target: SshTarget;
  label: string;
  known: KnownHostEntry[];
  knownHostsFile: string;
  auth: Auth;
  timeoutMs: number;
  acceptNew: boolean;
}

function openClient(r: ClientOpen): Promise<ssh2.Client> {
  const { target, label } = r;
  return new Promise((resolve, reject) => {
    const conn = new Client();
    let hostKeyProblem: string | undefined;
    let settled = false;
    const fail = (error: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.end();
      reject(new CollectError(error));
    };
    const timer = setTimeout(() => {
      fail(`${label}: timed out after ${Math.round(r.timeoutMs / 1000)} s while connecting`);
      conn.destroy();
    }, r.timeoutMs);

    const hostVerifier = (key: Buffer, verify: (ok: boolean) => void): void => {
      const keyType = blobKeyType(key);
      const b64 = key.toString('base64');
      const v = verifyHostKey(r.known, target.host, target.port, keyType, b64);
      const fp = `${keyType} ${fingerprint(b64)}`;
      if (v.status === 'match') return verify(true);
      if (v.status === 'revoked') hostKeyProblem = `${label}: host key ${fp} is marked @revoked in ${v.file ?? r.knownHostsFile}:${v.line}`;
      else if (v.status === 'mismatch') {
        hostKeyProblem = `${label}: HOST KEY MISMATCH: server presented ${fp}, ${v.file ?? r.knownHostsFile}:${v.line} records a different key (possible man-in-the-middle; remove that line if the host was reinstalled)`;
      } else if (r.acceptNew) {
        appendKnownHost(r.knownHostsFile, target.host, target.port, keyType, b64).then(
          () => verify(true),
          (e: Error) => {
            hostKeyProblem = `${label}: cannot record host key in ${r.knownHostsFile}: ${e.message.split('\n')[0]}`;
            verify(false);
          },
        );
        return;
      } else {
        hostKeyProblem = `${label}: unknown host key ${fp} (not in ${r.knownHostsFile}${v.otherTypes.length ? `, which holds ${v.otherTypes.join(', ')} for it` : ''}); verify it and use --accept-new to trust it`;
      }
      verify(false);
    };

    const onError = (err: Error & { code?: string; level?: string }): void => {
      fail(hostKeyProblem ?? describeSshError(label, err, 'connect', target.user, r.auth.tried));
    };
    const onClose = (): void => fail(hostKeyProblem ?? `${label}: connection closed by the server before login`);
    conn.on('error', onError);
    conn.on('close', onClose);
    conn.once('ready', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.off('error', onError);
      conn.off('close', onClose);
      conn.on('error', () => undefined); // whoever runs commands on it listens for errors itself
      resolve(conn);
    });

    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.user,
      authHandler: r.auth.methods,
      hostVerifier,
      readyTimeout: r.timeoutMs,
      keepaliveInterval: 5000,
      keepaliveCountMax: 3,
      algorithms: { serverHostKey: hostKeyAlgorithmOrder(knownKeyTypes(r.known, target.host, target.port)) },
    };
    try {
      conn.connect(config);
    } catch (e) {
      fail(`${label}: ${(e as Error).message.split('\n')[0]}`);
    }
  });
}

/** What one remote command returned: no code and no signal = the channel closed without an exit status. */
export interface ExecResult {
  code?: number;
  signal?: string;
  stdout: Buffer;
  stderr: string;
}

/** Why exec could not deliver an ExecResult. */
export class ExecError extends Error {
  constructor(
    readonly reason: 'start' | 'too-large' | 'timeout' | 'closed' | 'error',
    message: string,
    readonly sshError?: { code?: string; level?: string; message?: string },
  ) {
    super(message);
    this.name = 'ExecError';
  }
}

export interface ExecOptions {
  /** Rejects with reason 'timeout' after this long (the connection is left to the caller). */
  timeoutMs?: number;
  /** Rejects with reason 'too-large' when stdout grows beyond this. */
  maxBytes?: number;
  /** Called once the command runs and its stdin was handed over. */
  onStarted?: () => void;
}

/**
 * Runs one command on an open connection, `stdin` written to its standard input (then closed).
 * Resolves with its exit status and output; rejects with an ExecError when it cannot start, the
 * connection dies or errs, the output is too large, or it times out.
 */
export function exec(conn: ssh2.Client, command: string, stdin: string | Buffer, opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const cleanup = (): void => {
      clearTimeout(timer);
      conn.off('error', onError);
      conn.off('close', onClose);
    };
    const fail = (e: ExecError): void => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(e);
    };
    const onError = (err: Error & { code?: string; level?: string }): void => fail(new ExecError('error', (err.message ?? String(err)).split('\n')[0], err));
    const onClose = (): void => fail(new ExecError('closed', 'connection closed'));
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => fail(new ExecError('timeout', `no answer after ${opts.timeoutMs} ms`)), opts.timeoutMs);
    conn.on('error', onError);
    conn.on('close', onClose);
    try {
      conn.exec(command, (err, channel) => {
        if (err) return fail(new ExecError('start', err.message.split('\n')[0]));
        const chunks: Buffer[] = [];
        let size = 0;
        let stderr = '';
        let code: number | undefined;
        let signal: string | undefined;
        channel.on('data', (d: Buffer) => {
          size += d.length;
          if (opts.maxBytes !== undefined && size > opts.maxBytes) {
            channel.close();
            return fail(new ExecError('too-large', `output larger than ${opts.maxBytes} bytes`));
          }
          chunks.push(d);
        });
        channel.stderr.on('data', (d: Buffer) => {
          if (stderr.length < 65536) stderr += d.toString('utf8');
        });
        channel.on('exit', (c: number | null, s?: string) => {
          if (c !== null && c !== undefined) code = c;
          if (s) signal = s;
        });
        channel.on('close', () => {
          if (settled) return;
          settled = true;
          cleanup();
          resolve({ code, signal, stdout: Buffer.concat(chunks), stderr });
        });
        channel.on('error', () => undefined);
        channel.end(stdin);
        opts.onStarted?.();
      });
    } catch (e) {
      fail(new ExecError('start', (e as Error).message.split('\n')[0]));
    }
  });
}

export function describeSshError(label: string, err: { code?: string; level?: string; message?: string }, phase: 'connect' | 'collect', user: string, tried: string[]): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `${label}: connection refused (is sshd running and the port open?)`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${label}: host unreachable`;
    case 'ETIMEDOUT':
      return `${label}: connection timed out`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${label}: cannot resolve host name`;
    case 'ECONNRESET':
    case 'EPIPE':
      return phase === 'collect' ? `${label}: connection dropped during collection (reset by peer)` : `${label}: connection reset by the server`;
  }
  if (err.level === 'client-authentication') {
    return `${label}: authentication failed for user ${user} (tried ${tried.join(', ')})`;
  }
  if (err.level === 'client-timeout') return `${label}: timed out waiting for the SSH handshake`;
  const msg = (err.message ?? 'unknown error').split('\n')[0];
  return phase === 'collect' ? `${label}: connection dropped during collection (${msg})` : `${label}: SSH error: ${msg}`;
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return clean((lines[lines.length - 1] ?? '').slice(0, 300)); // the node's own words: escaped before any message carries them
}
