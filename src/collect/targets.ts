import { promises as fsp } from 'node:fs';
import path from 'node:path';

/** What a target string on the command line denotes. */
export type Target =
  | { kind: 'ssh'; input: string; user: string; host: string; port: number }
  | { kind: 'local'; input: string }
  /** linkInDirectory: a symbolic link found in a directory of bundles; it is reported, never followed */
  | { kind: 'bundle'; input: string; path: string; linkInDirectory?: true };

export class TargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetError';
  }
}

export const DEFAULT_SSH_USER = 'root';

/** `ssh://[user@]host[:port]`, `local`, or a bundle path (directory, .tar, .tar.gz, .tgz). */
export function parseTarget(input: string): Target {
  if (input === 'local') return { kind: 'local', input };
  if (/^ssh:\/\//i.test(input)) return parseSshTarget(input);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) throw new TargetError(`${input}: unsupported target scheme (use ssh://[user@]host[:port], local, or a bundle path)`);
  if (input === '') throw new TargetError('empty target');
  return { kind: 'bundle', input, path: input };
}

function parseSshTarget(input: string): Target {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new TargetError(`${input}: invalid SSH target (expected ssh://[user@]host[:port])`);
  }
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash || url.password) {
    throw new TargetError(`${input}: invalid SSH target (expected ssh://[user@]host[:port], no path or password)`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new TargetError(`${input}: SSH target without a host name`);
  const port = url.port === '' ? 22 : Number(url.port);
  const user = url.username === '' ? DEFAULT_SSH_USER : decodeURIComponent(url.username);
  return { kind: 'ssh', input, user, host, port };
}

const ARCHIVE = /\.(tar|tar\.gz|tgz)$/i;

async function isDir(p: string): Promise<boolean> {
  return fsp.stat(p).then((s) => s.isDirectory(), () => false);
}

async function looksLikeBundleDir(dir: string): Promise<boolean> {
  for (const marker of ['etc', 'commands']) if (await isDir(path.join(dir, marker))) return true;
  return false;
}

/**
 * A directory holding several bundles (no etc/ nor commands/ of its own; subdirectories that have
 * them, or bundle archives) stands for one target per bundle, sorted by name. Its entries are looked
 * at with lstat: one that is a symbolic link (`ln -s / coll/x`) is never followed onto the machine
 * running pvesec; it becomes a target that fails with a one-line error (name its target on the command
 * line to read it). Anything else is returned as is (errors are reported when the target is read).
 */
export async function expandTarget(target: Target): Promise<Target[]> {
  if (target.kind !== 'bundle' || !(await isDir(target.path)) || (await looksLikeBundleDir(target.path))) return [target];
  let names: string[];
  try {
    names = (await fsp.readdir(target.path)).sort();
  } catch {
    return [target];
  }
  const dirs: Target[] = [];
  const archives: Target[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const p = path.join(target.path, name);
    const st = await fsp.lstat(p).catch(() => undefined);
    if (!st) continue;
    if (st.isSymbolicLink()) {
      // only its kind is looked at (a stat), to tell a bundle-like link from any other entry
      const link: Target = { kind: 'bundle', input: p, path: p, linkInDirectory: true };
      if (ARCHIVE.test(name)) archives.push(link);
      else if ((await isDir(p)) && (await looksLikeBundleDir(p))) dirs.push(link);
    } else if (st.isDirectory()) {
      if (await looksLikeBundleDir(p)) dirs.push({ kind: 'bundle', input: p, path: p });
    } else if (st.isFile() && ARCHIVE.test(name)) {
      archives.push({ kind: 'bundle', input: p, path: p });
    }
  }
  const found = dirs.length > 0 ? dirs : archives;
  if (found.length === 0) return [target];
  return found;
}

/** Display name of a target in messages: the host (with a non-default port), `local`, or the path. */
export function targetLabel(target: Target): string {
  if (target.kind === 'ssh') {
    const h = target.host.includes(':') ? `[${target.host}]` : target.host;
    return target.port === 22 ? h : `${h}:${target.port}`;
  }
  return target.kind === 'local' ? 'local' : target.path;
}
