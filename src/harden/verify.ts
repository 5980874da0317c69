/**
 * Verification of a change over NEW connections from where pvesec runs (an established session
 * survives an sshd reload or a firewall change, so it proves nothing):
 *   (a) every declared admin logs in with the admin identity and has sudo: `sudo -n true` succeeds, or
 *       sudo (asked as root) grants them ALL with their password;
 *   (b) password and keyboard-interactive are no longer offered (asked without trying a password);
 *   (c) tcp 8006 answers;
 *   (d) root logs in with its key from every cluster peer (run on the peer);
 *   (e) re-audit: every targeted control passes.
 * Each check returns a VerifyResult; none throws for a failed verification.
 */
import net from 'node:net';
import type { AuthenticationType } from 'ssh2';
import { connect, exec, hostLabel, type ConnectOptions, type SshTarget } from '../collect/ssh.js';
import { shq } from '../collect/script.js';
import { ROOT_SCRIPT_COMMAND, lastLine } from './remote.js';
import { STATUSES, type Finding, type Status } from '../core/types.js';

export interface VerifyResult {
  /** Short name for progress lines: "admin alice", "tcp 8006", "root from pve2". */
  name: string;
  ok: boolean;
  /** One line: what was seen. */
  detail: string;
}

const DEFAULT_VERIFY_MS = 10_000;

function message(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).split('\n')[0];
}

/**
 * (a) A new SSH login as the admin with the admin identity (--admin-identity, else agent / ~/.ssh keys),
 * then `sudo -n true` as that user; when sudo asks for a password, sudo itself is asked as root (a new
 * connection with the operator's login, `operatorOpts`) whether it grants the admin ALL.
 */
export async function verifyAdminLogin(node: SshTarget, admin: string, opts: ConnectOptions, operatorOpts: ConnectOptions = opts): Promise<VerifyResult> {
  const name = `admin ${admin}`;
  const target: SshTarget = { ...node, user: admin, input: `ssh://${admin}@${hostLabel(node.host, node.port)}` };
  let client;
  try {
    client = await connect(target, { ...opts, acceptNew: false });
  } catch (e) {
    return { name, ok: false, detail: `cannot log in as ${admin}: ${message(e)}` };
  }
  try {
    const r = await exec(client, 'sudo -n true', '', { timeoutMs: opts.timeoutMs ?? DEFAULT_VERIFY_MS });
    if (r.code === 0) return { name, ok: true, detail: `${admin} logs in with a key and has sudo` };
    const failure = `\`sudo -n true\` fails (exit ${r.code ?? r.signal ?? 'none'})${lastLine(r.stderr) ? `: ${lastLine(r.stderr)}` : ''}`;
    // sudo with a password (Debian's %sudo rule) cannot be tried without the password: ask sudo itself,
    // as root over a new connection, whether it grants this admin every command.
    const rights = await sudoRights(node, admin, { ...operatorOpts, timeoutMs: opts.timeoutMs });
    if (rights === true) {
      return { name, ok: true, detail: `${admin} logs in with a key; sudo grants ALL with their password (a created account has none yet: \`passwd ${admin}\`)` };
    }
    return { name, ok: false, detail: `${admin} logs in but ${failure}${rights ? `; ${rights}` : ''}` };
  } catch (e) {
    return { name, ok: false, detail: `${admin}: sudo check failed: ${message(e)}` };
  } finally {
    client.end();
  }
}

/** A `sudo -l -U` listing line granting every command as any user: "(ALL) ALL", "(ALL : ALL) NOPASSWD: ALL". */
export const SUDO_ALL_LINE = /^\s*\(ALL(?:\s*:\s*ALL)?\)\s+(?:(?:NO)?PASSWD:\s*)?ALL\s*$/m;

/**
 * Whether sudo grants `admin` every command, asked as root (`sudo -n -l -U`) over a new connection with the
 * operator's login: true, or one line saying why not.
 */
export async function sudoRights(node: SshTarget, admin: string, opts: ConnectOptions): Promise<true | string> {
  let client;
  try {
    client = await connect(node, { ...opts, acceptNew: false });
  } catch (e) {
    return `cannot ask sudo as ${node.user}: ${message(e)}`;
  }
  try {
    const r = await exec(client, ROOT_SCRIPT_COMMAND, `sudo -n -l -U ${shq(admin)}\n`, { timeoutMs: opts.timeoutMs ?? DEFAULT_VERIFY_MS });
    const out = `${r.stdout.toString()}${r.stderr.toString()}`;
    if (r.code === 0 && SUDO_ALL_LINE.test(r.stdout.toString())) return true;
    return `sudo -l -U ${admin} grants no ALL rule${lastLine(out) ? ` (${lastLine(out)})` : ''}`;
  } catch (e) {
    return `sudo -l -U ${admin}: ${message(e)}`;
  } finally {
    client.end();
  }
}

/**
 * The authentication methods the server still offers to `user` after the 'none' method, read from its
 * answer (methodsLeft); nothing else is tried, no password is ever sent. ['none'] when the server
 * accepted 'none' itself (no authentication at all).
 */
export async function offeredAuthMethods(node: SshTarget, user: string, opts: ConnectOptions): Promise<string[]> {
  let offered: AuthenticationType[] | undefined;
  const authHandler = (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: (m: AuthenticationType | false) => void): void => {
    if (methodsLeft === null) return next('none');
    offered = methodsLeft;
    next(false as unknown as AuthenticationType);
  };
  const target: SshTarget = { ...node, user, input: `ssh://${user}@${hostLabel(node.host, node.port)}` };
  try {
    const client = await connect(target, { ...opts, acceptNew: false, authHandler: authHandler as ConnectOptions['authHandler'] });
    client.end();
    return ['none'];
  } catch (e) {
    if (offered) return offered;
    throw e;
  }
}

/** The methods that let a password be guessed (keyboard-interactive usually means PAM's password prompt). */
export const PASSWORD_METHODS = ['password', 'keyboard-interactive', 'none'];

/** (b) Neither password nor keyboard-interactive offered to any of the users. */
export async function verifyPasswordRefused(node: SshTarget, users: string[], opts: ConnectOptions): Promise<VerifyResult> {
  const name = 'passwords refused';
  // one new connection per user, all at once
  const asked = await Promise.all(users.map((user) => offeredAuthMethods(node, user, opts).then((methods) => ({ user, methods }), (e: unknown) => ({ user, error: message(e) }))));
  const bad: string[] = [];
  for (const a of asked) {
    if ('error' in a) return { name, ok: false, detail: `cannot ask the server which methods it offers to ${a.user}: ${a.error}` };
    const open = a.methods.filter((m) => PASSWORD_METHODS.includes(m));
    if (open.length > 0) bad.push(`${a.user}: ${open.join(', ')}`);
  }
  if (bad.length > 0) return { name, ok: false, detail: `sshd still offers ${bad.join('; ')}` };
  return { name, ok: true, detail: `only key authentication offered (${users.join(', ')})` };
}

/** (c) A TCP connection to host:port is accepted within timeoutMs. */
export function verifyTcp(host: string, port: number, timeoutMs = 5000): Promise<VerifyResult> {
  const name = `tcp ${port}`;
  return new Promise((resolve) => {
    const socket = net.createConnection({ host, port });
    const done = (ok: boolean, detail: string): void => {
      socket.destroy();
      resolve({ name, ok, detail });
    };
    socket.setTimeout(timeoutMs, () => done(false, `${hostLabel(host, port)}: no answer within ${Math.round(timeoutMs / 1000)} s`));
    socket.once('connect', () => done(true, `${hostLabel(host, port)} answers`));
    socket.once('error', (e: NodeJS.ErrnoException) => done(false, `${hostLabel(host, port)}: ${e.code ?? e.message}`));
  });
}

/** The command a peer runs (as its root) to prove root key login to the node at `address`. */
export function peerLoginScript(address: string, timeoutSec = 5): string {
  return `exec ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=${timeoutSec} -o ServerAliveInterval=2 ${shq(`root@${address}`)} true </dev/null\n`;
}

/**
 * (d) Over a new pvesec connection to the peer, the peer's root runs `ssh root@<node address> true`
 * (batch mode, strict host keys): the cluster keeps root key access to the node.
 */
export async function verifyPeerRootLogin(peer: SshTarget, peerName: string, nodeAddress: string, opts: ConnectOptions): Promise<VerifyResult> {
  const name = `root from ${peerName}`;
  let client;
  try {
    client = await connect(peer, opts);
  } catch (e) {
    return { name, ok: false, detail: `cannot reach peer ${peerName}: ${message(e)}` };
  }
  try {
    const r = await exec(client, ROOT_SCRIPT_COMMAND, peerLoginScript(nodeAddress), { timeoutMs: opts.timeoutMs ?? DEFAULT_VERIFY_MS });
    if (r.code === 0) return { name, ok: true, detail: `root@${peerName} logs in to ${nodeAddress} with its key` };
    return { name, ok: false, detail: `root@${peerName} cannot log in to ${nodeAddress} (exit ${r.code ?? r.signal ?? 'none'})${lastLine(r.stderr) ? `: ${lastLine(r.stderr)}` : ''}` };
  } catch (e) {
    return { name, ok: false, detail: `root@${peerName} -> ${nodeAddress}: ${message(e)}` };
  } finally {
    client.end();
  }
}

/** The worst status among findings (STATUSES order: FAIL first, PASS last); undefined when there are none. */
export function worstStatus(findings: Finding[]): Status | undefined {
  let worst: number | undefined;
  for (const f of findings) {
    const i = STATUSES.indexOf(f.status);
    if (worst === undefined || i < worst) worst = i;
  }
  return worst === undefined ? undefined : STATUSES[worst];
}

/** Status of each control on a node (its node findings plus the cluster-wide ones), worst verdict first. */
export function controlStatuses(findings: Finding[], controls: string[]): Map<string, Status | undefined> {
  return new Map(controls.map((id) => [id, worstStatus(findings.filter((f) => f.id === id))]));
}

/**
 * (e) Every targeted control passes after the change: no FAIL or WARN, and not unverifiable (SKIP or
 * no finding): a re-audit that could not see the data did not prove the fix.
 */
export function verifyControls(after: Map<string, Status | undefined>): VerifyResult {
  const name = 're-audit';
  const bad = [...after].filter(([, s]) => s === undefined || s === 'FAIL' || s === 'WARN' || s === 'SKIP');
  if (bad.length > 0) return { name, ok: false, detail: `not fixed: ${bad.map(([id, s]) => `${id} ${s ?? 'not evaluated'}`).join(', ')}` };
  return { name, ok: true, detail: `${after.size} targeted control(s) pass` };
}

/** The command a vantage point runs to try a NEW TCP connection to host:port (exit 0 = it connected). */
export function probeScript(host: string, port: number, timeoutSec = 3): string {
  const h = shq(host);
  return `if command -v nc >/dev/null 2>&1; then exec nc -z -w ${timeoutSec} ${h} ${port} </dev/null; fi\n`
    + `exec timeout ${timeoutSec} bash -c ${shq(`exec 3<>/dev/tcp/${host}/${port}`)} </dev/null\n`;
}

/**
 * --probe-from: over a new pvesec connection to a non-admin vantage point, a NEW TCP connection from
 * there to the node's host:port must now fail (refused or timed out): the allowlist keeps it out.
 */
export async function verifyRefusedFrom(probe: SshTarget, host: string, port: number, opts: ConnectOptions): Promise<VerifyResult> {
  const name = `tcp ${port} refused from ${probe.host}`;
  let client;
  try {
    client = await connect(probe, opts);
  } catch (e) {
    return { name, ok: false, detail: `cannot reach the vantage point ${probe.host}: ${message(e)}` };
  }
  try {
    const r = await exec(client, 'sh -s', probeScript(host, port), { timeoutMs: opts.timeoutMs ?? DEFAULT_VERIFY_MS });
    if (r.code === 0) return { name, ok: false, detail: `${probe.host} still connects to ${hostLabel(host, port)}` };
    return { name, ok: true, detail: `${probe.host} cannot connect to ${hostLabel(host, port)} (exit ${r.code ?? r.signal ?? 'none'})` };
  } catch (e) {
    return { name, ok: false, detail: `probe from ${probe.host}: ${message(e)}` };
  } finally {
    client.end();
  }
}
