// `pvesec tfa add USER --target ssh://NODE [--type totp|recovery]`: the factor is added by Proxmox itself,
// through `pvesh create /access/tfa/USER` run as root (root@pam) over one SSH connection. A TOTP code is
// checked here against the secret before pvesh is called, so a mistyped code or a wrong clock writes
// nothing. Secrets and recovery keys are printed once to the operator and never logged or stored.
import { createInterface } from 'node:readline';
import type { SshCliOptions } from './ssh-options.js';
import type { CommandIO } from './io.js';
import { UsageError } from './options.js';
import { collectOptions } from './audit.js';
import { parseTarget } from '../collect/targets.js';
import { shq } from '../collect/script.js';
import { userRealm } from '../parse/user-cfg.js';
import { checkTotpCode, newTotpSecret, normalizeTotpSecret, totpUri } from '../identity/totp.js';
import { clean } from '../report/text.js';

export interface TfaAddOptions extends SshCliOptions {
  target: string;
  type?: string;
  description?: string;
  secretFromStdin?: boolean;
}

/** A finished pvesh call on the node. */
export interface PveshResult { code: number | undefined; stdout: string; stderr: string }

/** The node pvesh runs on (an SSH session in the CLI; the stand-in in tests). */
export interface TfaNode {
  label: string;
  pvesh(args: string[]): Promise<PveshResult>;
  close(): void;
}

/** Where the operator's lines come from: stdin (a terminal or a pipe). */
export interface LineSource {
  isTTY: boolean;
  /** The next line, or undefined at the end of input; `prompt` is shown on a terminal only. */
  next(prompt?: string): Promise<string | undefined>;
  close(): void;
}

export interface TfaAddDeps {
  node?: (opts: TfaAddOptions) => Promise<TfaNode>;
  lines?: LineSource;
  now?: () => Date;
  newSecret?: () => string;
}

/** The pvesh command lines pvesec runs (exported so tests check them against the API schema). */
export function pveshTotpArgs(user: string, uri: string, code: string, description: string | undefined): string[] {
  return ['create', `/access/tfa/${user}`, '--type', 'totp', '--totp', uri, '--value', code, ...(description ? ['--description', description] : []), '--output-format', 'json'];
}
export function pveshRecoveryArgs(user: string, description: string | undefined): string[] {
  return ['create', `/access/tfa/${user}`, '--type', 'recovery', ...(description ? ['--description', description] : []), '--output-format', 'json'];
}
export const PVESH_USERS_ARGS = ['get', '/access/users', '--output-format', 'json'];

async function sshNode(opts: TfaAddOptions): Promise<TfaNode> {
  const target = parseTarget(opts.target);
  if (target.kind !== 'ssh') throw new Error('unreachable: runTfaAdd checks the target first');
  const { RemoteSession } = await import('../harden/remote.js');
  const c = collectOptions(opts);
  const session = await RemoteSession.open({ host: target.host, port: target.port, user: target.user, input: target.input },
    { identity: c.identity, knownHostsFile: c.knownHostsFile, acceptNew: c.acceptNew, timeoutMs: c.timeoutMs });
  return {
    label: session.label,
    // the script goes on stdin (sh -s): the arguments are not part of the SSH exec request
    pvesh: (args) => session.runScript(`exec pvesh ${args.map(shq).join(' ')}\n`, { timeoutMs: c.timeoutMs ?? 60_000 }),
    close: () => session.close(),
  };
}

export function stdinLines(stream: NodeJS.ReadableStream & { isTTY?: boolean }, promptTo: NodeJS.WritableStream = process.stderr): LineSource {
  const rl = createInterface({ input: stream, terminal: false });
  const it = rl[Symbol.asyncIterator]();
  const isTTY = stream.isTTY === true;
  return {
    isTTY,
    async next(prompt) {
      if (prompt && isTTY) promptTo.write(prompt);
      const r = await it.next();
      return r.done ? undefined : r.value;
    },
    close: () => rl.close(),
  };
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** Any secret text replaced before a remote message is shown. */
function redact(text: string, secrets: string[]): string {
  return secrets.filter(Boolean).reduce((t, s) => t.split(s).join('<redacted>'), text);
}

function failure(r: PveshResult, secrets: string[]): string {
  const text = redact(`${r.stderr}\n${r.stdout}`, secrets).split('\n').map((l) => l.trim()).filter(Boolean);
  return clean(text.join('; ') || `exit ${r.code ?? 'none'}`);
}

/** `pvesec tfa add USER --target TARGET`: 0 added, 2 refused or failed (nothing written). */
export async function runTfaAdd(user: string, opts: TfaAddOptions, io: CommandIO, deps: TfaAddDeps = {}): Promise<number> {
  const type = (opts.type ?? 'totp').toLowerCase();
  if (type !== 'totp' && type !== 'recovery') throw new UsageError(`--type: "${opts.type}" is not one of totp, recovery (WebAuthn needs a browser: see pvesec tfa list)`);
  if (!userRealm(user)) throw new UsageError(`"${user}" is not a Proxmox user id (user@realm, e.g. alice@pve)`);
  if (opts.secretFromStdin && type !== 'totp') throw new UsageError('--secret-from-stdin is for --type totp');
  if (opts.description !== undefined && (opts.description.length > 255 || /[\r\n]/.test(opts.description))) throw new UsageError('--description: one line of at most 255 characters');
  if (parseTarget(opts.target).kind !== 'ssh') throw new UsageError(`--target: ${opts.target}: tfa add needs an SSH target (ssh://[user@]host[:port])`);
  const lines = deps.lines ?? stdinLines(process.stdin);
  try {
    let secret: string | undefined;
    if (opts.secretFromStdin) {
      const line = await lines.next('base32 secret: ');
      if (line === undefined) throw new UsageError('--secret-from-stdin: stdin ended before a secret line');
      try {
        secret = normalizeTotpSecret(line);
      } catch (e) {
        throw new UsageError(`--secret-from-stdin: ${(e as Error).message}`);
      }
    }
    const node = await (deps.node ?? sshNode)(opts);
    try {
      const users = await node.pvesh(PVESH_USERS_ARGS);
      if (users.code === 127) {
        io.err(`pvesec: ${node.label}: no pvesh here: not a Proxmox VE node; nothing was written`);
        return 2;
      }
      if (users.code !== 0) {
        io.err(`pvesec: ${node.label}: pvesh get /access/users failed: ${failure(users, [])}`);
        return 2;
      }
      const list = parseJson<{ userid?: string }[]>(users.stdout);
      if (!Array.isArray(list)) {
        io.err(`pvesec: ${node.label}: pvesh get /access/users gave no JSON list; nothing was written`);
        return 2;
      }
      const known = list.find((u) => u?.userid === user);
      if (!known) {
        io.err(`pvesec: ${node.label}: user ${user} does not exist (pvesh get /access/users); nothing was written`);
        return 2;
      }
      return type === 'totp'
        ? await addTotp(user, secret, node, lines, opts, io, deps)
        : await addRecovery(user, node, opts, io);
    } finally {
      node.close();
    }
  } finally {
    lines.close();
  }
}

async function addTotp(user: string, given: string | undefined, node: TfaNode, lines: LineSource, opts: TfaAddOptions, io: CommandIO, deps: TfaAddDeps): Promise<number> {
  const secret = given ?? (deps.newSecret ?? newTotpSecret)();
  const uri = totpUri(secret, user);
  if (!given) {
    const QRCode = (await import('qrcode')).default;
    const qr = await QRCode.toString(uri, { type: 'terminal', small: true });
    const grouped = secret.match(/.{1,4}/g)!.join(' ');
    await io.out(`New TOTP secret for ${user}: scan the QR code with the authenticator app, or enter the URI or the key. Shown once; pvesec keeps no copy.\n\n${qr}\n${uri}\n\nkey (base32, SHA1, 6 digits, 30 s): ${grouped}\n\n`);
  }
  const code = await lines.next('current 6-digit code from the app: ');
  if (code === undefined) {
    io.err('pvesec: no code given (stdin ended); nothing was written');
    return 2;
  }
  const now = (deps.now ?? (() => new Date()))();
  if (checkTotpCode(secret, code, now) === undefined) {
    io.err(`pvesec: the code does not match the secret at ${now.toISOString().slice(0, 19)}Z (±30 s): mistyped, or a clock is off; nothing was written`);
    return 2;
  }
  const r = await node.pvesh(pveshTotpArgs(user, uri, code.trim(), opts.description));
  if (r.code !== 0) {
    io.err(`pvesec: ${node.label}: pvesh create /access/tfa/${user} --type totp failed: ${failure(r, [secret, uri])}`);
    return 2;
  }
  const id = parseJson<{ id?: string }>(r.stdout)?.id ?? '(id not reported)';
  await io.out(`Added TOTP factor ${clean(id)} for ${user} on ${node.label}. pvesec tfa list ${opts.target} shows it.\n`);
  return 0;
}

async function addRecovery(user: string, node: TfaNode, opts: TfaAddOptions, io: CommandIO): Promise<number> {
  const r = await node.pvesh(pveshRecoveryArgs(user, opts.description));
  const keys = r.code === 0 ? parseJson<{ recovery?: string[] }>(r.stdout)?.recovery : undefined;
  if (r.code !== 0 || !keys?.length) {
    io.err(`pvesec: ${node.label}: pvesh create /access/tfa/${user} --type recovery failed: ${r.code === 0 ? 'no keys in the answer' : failure(r, [])}`);
    return 2;
  }
  await io.out([
    `Recovery keys for ${user}, made by Proxmox on ${node.label}. SHOWN ONCE: Proxmox keeps only their hashes and pvesec keeps nothing.`,
    'Store them offline (printed, in a safe). Each key works once, in place of a second factor.',
    '',
    ...keys.map((k) => `  ${clean(k)}`),
    '',
  ].join('\n'));
  return 0;
}
