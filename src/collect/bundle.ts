import { fsErrorText } from '../core/fs-errors.js';
import { constants as fsConstants, createReadStream, promises as fsp, type Stats, type WriteStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { resolveInTree, type TreeNode } from './links.js';
import { SECRET_NOT_LOADED, sanitizeSnapshot } from './sanitize.js';
import { commandFileName, Snapshot, type CollectionMeta, type FileStat, type Origin } from './snapshot.js';
import { COMMANDS } from './sources.js';

/**
 * Bundles: a node's files laid out from its root (etc/ssh/sshd_config ...) plus commands/<name>,
 * commands/<name>.exit, pvesec/meta.json and pvesec/errors (docs/bundle-format.md); as a directory,
 * a .tar, or a .tar.gz. A plain backup tarball of /etc (no commands/ nor pvesec/) loads as well.
 */

export const MAX_MEMBER_BYTES = 64 * 1024 * 1024;
export const MAX_TOTAL_BYTES = 512 * 1024 * 1024;
export const MAX_ENTRIES = 200_000;
/** Uncompressed archive size, skipped members included (a gzip bomb stops here). */
export const MAX_STREAM_BYTES = 2 * 1024 * 1024 * 1024;

/** A bundle that cannot be read; the message is one line naming the file. */
export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

/** One member of a bundle, path relative to the bundle root without leading ./ or /. */
export interface BundleEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink';
  stat: FileStat;
  content?: Buffer;
  /** symlink target as stored, or hardlink target (a bundle path) */
  linkTarget?: string;
}

interface Collected {
  entries: BundleEntry[];
  /** members not loaded (too large, unreadable): bundle path -> reason */
  skipped: Map<string, string>;
}

/** Byte limits of a bundle directory, counted on the bytes actually read. */
export interface ByteLimits {
  memberBytes: number;
  totalBytes: number;
}

const BYTE_LIMITS: ByteLimits = { memberBytes: MAX_MEMBER_BYTES, totalBytes: MAX_TOTAL_BYTES };

/** Reads a bundle directory or archive into a sanitized snapshot. */
export async function readBundle(p: string, limits: ByteLimits = BYTE_LIMITS): Promise<Snapshot> {
  let st: Stats;
  try {
    st = await fsp.stat(p);
  } catch (e) {
    throw new BundleError(`${p}: ${describeFsError(e)}`);
  }
  const origin: Origin = { kind: 'bundle', target: p };
  let collected: Collected;
  if (st.isDirectory()) {
    collected = await readDirectory(p, limits);
  } else if (st.isFile()) {
    collected = await readArchiveStream(await openMaybeGzip(p), p);
  } else {
    throw new BundleError(`${p}: not a directory nor an archive file`);
  }
  return snapshotFromEntries(collected, origin, p);
}

/** Parses a tar or tar.gz held in memory (the stream of the collection script). */
export async function snapshotFromArchive(data: Buffer, origin: Origin, label: string): Promise<Snapshot> {
  const isGzip = data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
  if (!isGzip && (data.length < 512 || !isTarHeader(data))) throw new BundleError(`${label}: not a tar / tar.gz stream`);
  const source = Readable.from([data]);
  const stream = isGzip ? source.pipe(zlib.createGunzip()) : source;
  if (isGzip) source.on('error', (e) => stream.destroy(e));
  return snapshotFromEntries(await readArchiveStream(stream, label), origin, label);
}

async function openMaybeGzip(file: string): Promise<Readable> {
  const fh = await fsp.open(file, 'r').catch((e) => {
    throw new BundleError(`${file}: ${describeFsError(e)}`);
  });
  const head = Buffer.alloc(512);
  let got = 0;
  try {
    got = (await fh.read(head, 0, 512, 0)).bytesRead;
  } finally {
    await fh.close();
  }
  const raw = createReadStream(file);
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    raw.destroy();
    if (got < 512 || !isTarHeader(head)) throw new BundleError(`${file}: not a bundle (neither a directory nor a tar / tar.gz archive)`);
    return createReadStream(file);
  }
  const gunzip = zlib.createGunzip();
  raw.on('error', (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
}

/** ustar magic ("ustar\0" POSIX, "ustar  " GNU) at offset 257 of the first header block. */
function isTarHeader(block: Buffer): boolean {
  return block.subarray(257, 262).toString('latin1') === 'ustar';
}

function readArchiveStream(input: Readable, label: string): Promise<Collected> {
  return new Promise((resolve, reject) => {
    const extract = tar.extract();
    const entries: BundleEntry[] = [];
    const skipped = new Map<string, string>();
    let total = 0;
    let members = 0;
    let failed = false;
    const fail = (e: unknown): void => {
      if (failed) return;
      failed = true;
      input.destroy();
      extract.destroy();
      reject(e instanceof BundleError ? e : new BundleError(`${label}: ${describeArchiveError(e)}`));
    };
    extract.on('entry', (header, stream, next) => {
      const rel = cleanPath(header.name);
      // every member counts, those skipped too (devices, FIFOs, directories, links)
      if (++members > MAX_ENTRIES) return fail(new BundleError(`${label}: more than ${MAX_ENTRIES} members, not a node bundle`));
      const stat: FileStat = {
        mode: header.mode ?? 0,
        uid: header.uid ?? 0,
        gid: header.gid ?? 0,
        owner: header.uname || undefined,
        group: header.gname || undefined,
        mtime: header.mtime ? Math.floor(header.mtime.getTime() / 1000) : undefined,
        type: 'file',
      };
      const skip = (): void => {
        stream.on('end', () => next());
        stream.resume();
      };
      if (rel === '' || header.type === 'directory') {
        if (rel !== '') entries.push({ path: rel, type: 'dir', stat: { ...stat, type: 'dir' } });
        return skip();
      }
      if (header.type === 'symlink' || header.type === 'link') {
        const linkTarget = header.linkname ?? '';
        entries.push(
          header.type === 'symlink'
            ? { path: rel, type: 'symlink', stat: { ...stat, type: 'symlink', linkTarget }, linkTarget }
            : { path: rel, type: 'hardlink', stat, linkTarget: cleanPath(linkTarget) },
        );
        return skip();
      }
      if (header.type !== 'file' && header.type !== 'contiguous-file') return skip();
      const size = header.size ?? 0;
      if (size > MAX_MEMBER_BYTES) {
        skipped.set(rel, `larger than ${MAX_MEMBER_BYTES / 1024 / 1024} MB, not loaded`);
        return skip();
      }
      total += size;
      if (total > MAX_TOTAL_BYTES) return fail(new BundleError(`${label}: bundle holds more than ${MAX_TOTAL_BYTES / 1024 / 1024} MB, refusing to load it`));
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('error', fail);
      stream.on('end', () => {
        entries.push({ path: rel, type: 'file', stat, content: Buffer.concat(chunks) });
        next();
      });
    });
    // tar-stream accepts an archive cut at a block boundary; a complete one ends with zero blocks
    let tail: Buffer = Buffer.alloc(0);
    let streamed = 0;
    input.on('data', (chunk: Buffer) => {
      streamed += chunk.length;
      if (streamed > MAX_STREAM_BYTES) return fail(new BundleError(`${label}: archive expands to more than ${MAX_STREAM_BYTES / 1024 / 1024} MB, refusing to load it`));
      tail = chunk.length >= 512 ? chunk.subarray(chunk.length - 512) : Buffer.concat([tail, chunk]).subarray(-512);
    });
    extract.on('finish', () => {
      if (failed) return;
      if (tail.length < 512 || tail.some((b) => b !== 0)) return fail(new BundleError(`${label}: truncated tar archive (no end-of-archive marker)`));
      resolve({ entries, skipped });
    });
    extract.on('error', fail);
    input.on('error', fail);
    input.pipe(extract);
  });
}

/**
 * A bundle directory, walked with lstat: a symbolic link is a member (its target recorded, resolved
 * later inside the bundle only), never followed onto the machine running pvesec; devices, FIFOs and
 * sockets are counted and skipped. The path given may itself be a link (the user named it).
 */
async function readDirectory(given: string, limits: ByteLimits): Promise<Collected> {
  const root = await fsp.realpath(given).catch((e: unknown) => {
    throw new BundleError(`${given}: ${describeFsError(e)}`);
  });
  const entries: BundleEntry[] = [];
  const skipped = new Map<string, string>();
  const budget = { members: 0, bytes: 0 };
  /** the first name of each file with several hard links (dev:ino -> bundle path) */
  const firstNames = new Map<string, string>();
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 32) return;
    let names: string[];
    try {
      names = (await fsp.readdir(path.join(root, dir))).sort();
    } catch (e) {
      if (dir === '') throw new BundleError(`${given}: ${describeFsError(e)}`);
      skipped.set(dir, describeFsError(e));
      return;
    }
    for (const name of names) {
      if (++budget.members > MAX_ENTRIES) throw new BundleError(`${given}: more than ${MAX_ENTRIES} files, not a node bundle`);
      const rel = dir === '' ? name : `${dir}/${name}`;
      const full = path.join(root, rel);
      let st: Stats;
      try {
        st = await fsp.lstat(full);
      } catch (e) {
        skipped.set(rel, describeFsError(e));
        continue;
      }
      const stat: FileStat = { mode: st.mode, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000), type: 'file' };
      if (st.isDirectory()) {
        entries.push({ path: rel, type: 'dir', stat: { ...stat, type: 'dir' } });
        await walk(rel, depth + 1);
      } else if (st.isSymbolicLink()) {
        const linkTarget = await fsp.readlink(full).catch(() => '');
        entries.push({ path: rel, type: 'symlink', stat: { ...stat, type: 'symlink', linkTarget }, linkTarget });
      } else if (st.isFile()) {
        const inode = st.nlink > 1 ? `${st.dev}:${st.ino}` : undefined;
        const first = inode && firstNames.get(inode);
        if (first) {
          entries.push({ path: rel, type: 'hardlink', stat, linkTarget: first });
          continue;
        }
        if (inode) firstNames.set(inode, rel);
        if (st.size > limits.memberBytes) {
          skipped.set(rel, tooLarge(limits.memberBytes));
          continue;
        }
        const content = await readMember(full, rel, given, st.size, limits, budget, skipped);
        if (content) entries.push({ path: rel, type: 'file', stat, content });
      }
    }
  };
  await walk('', 0);
  return { entries, skipped };
}

/**
 * One regular file of a bundle directory, counting the bytes actually read (procfs and sysfs files
 * say size 0 and stream on): over MAX_MEMBER_BYTES it is skipped with an error entry, past
 * MAX_TOTAL_BYTES for the bundle the read stops with a BundleError. Opened without following a link
 * and without blocking on a FIFO swapped in since the lstat.
 */
async function readMember(full: string, rel: string, label: string, sizeHint: number, limits: ByteLimits, budget: { bytes: number }, skipped: Map<string, string>): Promise<Buffer | undefined> {
  let fh: FileHandle;
  try {
    fh = await fsp.open(full, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch (e) {
    skipped.set(rel, describeFsError(e));
    return undefined;
  }
  try {
    if (!(await fh.stat()).isFile()) return undefined;
    // room for the size stat gives plus one byte (to see the end in one read); grown when a file reads
    // longer than it said (procfs says 0 and streams on), never past the member limit + 1
    let buf = Buffer.allocUnsafe(Math.min(limits.memberBytes + 1, Math.max(sizeHint + 1, 256)));
    let size = 0;
    for (;;) {
      if (size === buf.length) {
        const bigger = Buffer.allocUnsafe(Math.min(limits.memberBytes + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, size);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, size, buf.length - size, null);
      if (bytesRead === 0) break;
      size += bytesRead;
      budget.bytes += bytesRead;
      if (size > limits.memberBytes) {
        budget.bytes -= size;
        skipped.set(rel, tooLarge(limits.memberBytes));
        return undefined;
      }
      if (budget.bytes > limits.totalBytes) throw new BundleError(`${label}: bundle holds more than ${megabytes(limits.totalBytes)}, refusing to load it`);
    }
    return size === buf.length ? buf : buf.subarray(0, size);
  } catch (e) {
    if (e instanceof BundleError) throw e;
    skipped.set(rel, describeFsError(e));
    return undefined;
  } finally {
    await fh.close();
  }
}

function megabytes(n: number): string {
  return n >= 1024 * 1024 ? `${n / 1024 / 1024} MB` : `${n} bytes`;
}

function tooLarge(limit: number): string {
  return `larger than ${megabytes(limit)}, not loaded`;
}

const BUNDLE_MARKERS = ['etc', 'commands', 'pvesec'];

function snapshotFromEntries({ entries, skipped }: Collected, origin: Origin, label: string): Snapshot {
  const prefix = rootPrefix(entries);
  if (prefix === undefined) {
    throw new BundleError(`${label}: not a pvesec bundle nor a node backup (no etc/, commands/ or pvesec/ inside)`);
  }
  const byPath = new Map<string, BundleEntry>();
  for (const e of entries) {
    if (!e.path.startsWith(prefix)) continue;
    const rel = e.path.slice(prefix.length);
    if (rel === '') continue;
    const linkTarget = e.type === 'hardlink' && e.linkTarget?.startsWith(prefix) ? e.linkTarget.slice(prefix.length) : e.linkTarget;
    byPath.set(rel, { ...e, path: rel, linkTarget });
  }

  const snapshot = new Snapshot(origin);
  snapshot.meta = readMeta(byPath.get('pvesec/meta.json'), snapshot);
  for (const [key, reason] of readErrors(byPath.get('pvesec/errors'))) snapshot.errors.set(key, reason);
  for (const [rel, reason] of skipped) {
    if (rel.startsWith(prefix)) snapshot.errors.set('/' + rel.slice(prefix.length), reason);
  }

  applyStatManifest(byPath.get('pvesec/stat'), byPath);

  const commandNames = new Map<string, string>(Object.values(COMMANDS).map((c) => [commandFileName(c.name), c.name]));
  const links: BundleEntry[] = [];
  for (const e of byPath.values()) {
    if (e.path === 'pvesec' || e.path.startsWith('pvesec/') || e.path === 'commands') continue;
    if (e.path.startsWith('commands/')) {
      const file = e.path.slice('commands/'.length);
      if (file.includes('/') || file.endsWith('.exit') || e.type !== 'file' || e.content === undefined) continue;
      const name = commandNames.get(file) ?? file.replace(/_/g, ' ');
      const exitText = byPath.get(`commands/${file}.exit`)?.content?.toString('utf8').trim();
      const exitCode = exitText !== undefined && /^\d+$/.test(exitText) ? Number(exitText) : undefined;
      snapshot.commands.set(name, { name, output: e.content.toString('utf8'), ...(exitCode !== undefined ? { exitCode } : {}) });
      continue;
    }
    if (e.type === 'dir') snapshot.addDir('/' + e.path, e.stat);
    else if (e.type === 'file' && e.content !== undefined) snapshot.addFile({ path: '/' + e.path, content: e.content, stat: e.stat });
    else if (e.type === 'symlink' || e.type === 'hardlink') links.push(e);
  }
  // A hard link is the same file under another name: it is as secret as its most secret name.
  addHardLinks(snapshot, links.filter((l) => l.type === 'hardlink'));
  // Symbolic links take their target's content only once the targets are sanitized: a link named
  // etc/sysctl.d/x that points at etc/pve/priv/token.cfg or a raw etc/shadow must not carry the secret.
  for (const e of links.filter((l) => l.type === 'symlink')) addLink(snapshot, e, byPath);
  return sanitizeSnapshot(snapshot);
}

/**
 * Adds the hard links (tar link members, or files of a bundle directory sharing an inode) with their
 * target's content, sanitizes, then gives every name of a group the same outcome: dropped if any name
 * was dropped as secret, the redacted content if any name was redacted.
 */
function addHardLinks(snapshot: Snapshot, hardlinks: BundleEntry[]): void {
  const groups = new Map<string, string[]>(); // target -> every name of the file
  for (const e of hardlinks) {
    const target = '/' + (e.linkTarget ?? '');
    const abs = '/' + e.path;
    const file = snapshot.file(target);
    if (!file) {
      if (!snapshot.errors.has(abs)) snapshot.errors.set(abs, `hard link to ${target}, which is not in the bundle`);
      continue;
    }
    snapshot.addFile({ path: abs, content: file.content, stat: e.stat });
    groups.set(target, [...(groups.get(target) ?? [target]), abs]);
  }
  const original = new Map<string, Buffer>([...groups.keys()].map((t) => [t, snapshot.file(t)!.content]));
  sanitizeSnapshot(snapshot);
  for (const [target, names] of groups) {
    const raw = original.get(target)!;
    const kept = names.map((n) => snapshot.file(n));
    const redacted = new Set(kept.filter((f) => f && !f.content.equals(raw)).map((f) => f!.content.toString('latin1')));
    if (kept.some((f) => !f) || redacted.size > 1) {
      const secret = names.find((n, i) => !kept[i]) ?? target;
      for (const n of names) {
        if (!snapshot.files.delete(n)) continue;
        snapshot.errors.set(n, `${SECRET_NOT_LOADED} (hard link to ${secret})`);
      }
    } else if (redacted.size === 1) {
      const content = Buffer.from([...redacted][0], 'latin1');
      for (const f of kept) f!.content = content;
    }
  }
}

/**
 * A symbolic link resolved inside the bundle (never on the machine running pvesec): it shows its
 * target's content and stat, with type 'symlink' and the target as stored; a link to a directory is a
 * directory entry. A link to /dev/null (systemd's way to mask a file) reads as empty. A link that
 * leads out of the bundle, or to a file not loaded, is recorded in errors (unless the collector
 * already said why).
 */
function addLink(snapshot: Snapshot, e: BundleEntry, byPath: Map<string, BundleEntry>): void {
  const abs = '/' + e.path;
  const why = (reason: string): void => {
    if (!snapshot.errors.has(abs)) snapshot.errors.set(abs, reason);
  };
  const linkTarget = e.linkTarget ?? '';
  if (path.posix.normalize(linkTarget) === '/dev/null' && !byPath.has('dev/null')) {
    snapshot.addFile({ path: abs, content: Buffer.alloc(0), stat: { ...e.stat, type: 'symlink', linkTarget } });
    return;
  }
  const r = resolveInTree(abs, treeLookup(byPath));
  if (!r.ok) {
    why(`symbolic link to ${linkTarget}, ${r.why === 'missing' ? 'which is not in the bundle' : r.why}`);
    return;
  }
  if (r.type === 'dir') {
    const target = snapshot.dirs.get(r.path);
    snapshot.addDir(abs, target ? { ...target, type: 'symlink', linkTarget } : undefined);
    return;
  }
  const target = snapshot.file(r.path);
  if (!target) return why(`symbolic link to ${linkTarget}, whose target ${r.path} was not loaded`);
  snapshot.addFile({ path: abs, content: target.content, stat: { ...(target.stat ?? e.stat), type: 'symlink', linkTarget } });
}

/** The bundle tree for resolveInTree: members, plus directories only implied by their members. */
function treeLookup(byPath: Map<string, BundleEntry>): (rel: string) => TreeNode {
  let implied: Set<string> | undefined;
  return (rel) => {
    const e = byPath.get(rel);
    if (e) return e.type === 'symlink' ? { type: 'symlink', target: e.linkTarget ?? '' } : { type: e.type === 'dir' ? 'dir' : 'file' };
    if (!implied) {
      implied = new Set();
      for (const p of byPath.keys()) for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) implied.add(p.slice(0, i));
    }
    return implied.has(rel) ? { type: 'dir' } : undefined;
  };
}

/** Top-level directories of a node's filesystem that a backup tarball may hold. */
const NODE_TOPS = ['root', 'home', 'var', 'run'];

/** '' when the bundle starts at the node root, 'x/' when everything sits in one top-level directory x. */
function rootPrefix(entries: BundleEntry[]): string | undefined {
  const tops = new Set(entries.map((e) => e.path.split('/')[0]));
  if (BUNDLE_MARKERS.some((m) => tops.has(m))) return '';
  if (tops.size === 1) {
    const [top] = tops;
    const seconds = new Set(entries.filter((e) => e.path.startsWith(top + '/')).map((e) => e.path.split('/')[1]));
    if (BUNDLE_MARKERS.some((m) => seconds.has(m))) return top + '/';
  }
  return NODE_TOPS.some((m) => tops.has(m)) ? '' : undefined;
}

/**
 * Optional pvesec/stat: `<octal mode> <uid> <gid> <owner> <group> <path>` per line. Lets a bundle
 * directory kept in git (which loses owners and modes) state the node's real ones.
 */
function applyStatManifest(e: BundleEntry | undefined, byPath: Map<string, BundleEntry>): void {
  if (!e?.content) return;
  for (const line of e.content.toString('utf8').split('\n')) {
    const m = /^\s*([0-7]{3,6})\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(.+?)\s*$/.exec(line);
    if (!m) continue;
    const target = byPath.get(cleanPath(m[6]));
    if (!target) continue;
    target.stat = { ...target.stat, mode: parseInt(m[1], 8) & 0o7777, uid: Number(m[2]), gid: Number(m[3]), owner: m[4], group: m[5] };
  }
}

const PRIVILEGES: CollectionMeta['privilege'][] = ['root', 'sudo', 'user', 'unknown'];

function readMeta(e: BundleEntry | undefined, snapshot: Snapshot): CollectionMeta {
  if (!e?.content) return { privilege: 'unknown' };
  let raw: unknown;
  try {
    raw = JSON.parse(e.content.toString('utf8'));
  } catch {
    snapshot.errors.set('/pvesec/meta.json', 'not valid JSON, ignored');
    return { privilege: 'unknown' };
  }
  const m = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const privilege = PRIVILEGES.find((p) => p === m.privilege) ?? 'unknown';
  const meta: CollectionMeta = { privilege, hostname: str(m.hostname), collectedAt: str(m.collectedAt), collector: str(m.collector) };
  if (m.pveShared === false) meta.pveShared = false;
  if (str(m.pveSharedFrom)) meta.pveSharedFrom = str(m.pveSharedFrom);
  const sc = str(m.sshConnection);
  if (sc && /^[0-9a-fA-F.:]+ \d+ [0-9a-fA-F.:%a-z]+ \d+$/.test(sc)) meta.sshConnection = sc;
  return meta;
}

function readErrors(e: BundleEntry | undefined): [string, string][] {
  if (!e?.content) return [];
  const out: [string, string][] = [];
  for (const line of e.content.toString('utf8').split('\n')) {
    const tab = line.indexOf('\t');
    if (tab <= 0) continue;
    out.push([line.slice(0, tab), line.slice(tab + 1).trim()]);
  }
  return out;
}

function cleanPath(name: string): string {
  let p = name.replace(/\\/g, '/');
  p = path.posix.normalize('/' + p).slice(1); // drops ./, leading /, and any ../ above the root
  return p.endsWith('/') ? p.slice(0, -1) : p;
}

/**
 * Writes a snapshot as a tar.gz bundle (same layout the collection script streams), atomically:
 * a temp file next to the destination, renamed over it only once complete.
 */
export async function writeBundle(snapshot: Snapshot, file: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const pack = tar.pack();
  const now = new Date();
  // A failed write ends the pipeline (awaited below); each entry's own stream then errors too, which is the same
  // failure and must not surface as an uncaught exception.
  const entry = (h: Parameters<typeof pack.entry>[0], content?: Buffer | string): void => {
    const sink = content === undefined ? pack.entry(h) : pack.entry(h, content);
    sink.on('error', () => undefined);
  };
  const add = (name: string, content: Buffer | string, stat?: Partial<FileStat>): void => entry(header(name, 'file', stat, now), content);
  let out: WriteStream;
  try {
    // open before packing: a missing or read-only directory is one clear error, not a stream torn down mid-way
    out = (await fsp.open(tmp, 'wx', 0o600)).createWriteStream();
  } catch (e) {
    throw new BundleError(`${file}: cannot write bundle: ${describeFsError(e)}`);
  }
  try {
    const done = pipeline(pack, zlib.createGzip(), out);
    done.catch(() => undefined); // awaited below; this only keeps an early throw from leaving it unhandled
    const meta = {
      hostname: snapshot.meta.hostname,
      collectedAt: snapshot.meta.collectedAt,
      privilege: snapshot.meta.privilege,
      collector: snapshot.meta.collector,
      pveShared: snapshot.meta.pveShared,
      pveSharedFrom: snapshot.meta.pveSharedFrom,
      sshConnection: snapshot.meta.sshConnection,
    };
    add('pvesec/meta.json', JSON.stringify(meta) + '\n');
    add('pvesec/errors', [...snapshot.errors].map(([k, v]) => `${k}\t${v.replace(/[\t\n]/g, ' ')}\n`).join(''));
    const keepAsLink = linksThatResolve(snapshot);
    for (const [d, stat] of [...snapshot.dirs].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (d === '/') continue;
      if (keepAsLink.has(d)) entry(linkHeader(d.slice(1), stat!.linkTarget!, now));
      else entry(header(d.slice(1) + '/', 'directory', stat, now));
    }
    for (const f of snapshot.files.values()) {
      if (keepAsLink.has(f.path)) entry(linkHeader(f.path.slice(1), f.stat!.linkTarget!, now));
      else add(f.path.slice(1), f.content, f.stat);
    }
    for (const c of snapshot.commands.values()) {
      add(`commands/${commandFileName(c.name)}`, c.output);
      if (c.exitCode !== undefined) add(`commands/${commandFileName(c.name)}.exit`, `${c.exitCode}\n`);
    }
    pack.finalize();
    await done;
    await fsp.rename(tmp, file);
  } catch (e) {
    pack.destroy();
    await fsp.rm(tmp, { force: true });
    throw new BundleError(`${file}: cannot write bundle: ${describeFsError(e)}`);
  }
}

/**
 * Links of a snapshot (stat type 'symlink') that resolve, inside the snapshot, to the same content
 * or to a directory: written as symbolic links, so a rewritten bundle reads back the same. Any other
 * (e.g. a snapshot built in memory) is written as a plain file or directory with the stat it shows,
 * which for a link read from a bundle is its target's, never the link's own 0777.
 */
function linksThatResolve(snapshot: Snapshot): Set<string> {
  const lookup = (rel: string): TreeNode => {
    const abs = '/' + rel;
    const f = snapshot.files.get(abs);
    const d = f ? undefined : snapshot.dirs.get(abs);
    const stat = f ? f.stat : d;
    if (stat?.type === 'symlink' && stat.linkTarget) return { type: 'symlink', target: stat.linkTarget };
    if (f) return { type: 'file' };
    return snapshot.dirs.has(abs) || snapshot.sawDir(abs) ? { type: 'dir' } : undefined;
  };
  const out = new Set<string>();
  for (const f of snapshot.files.values()) {
    if (f.stat?.type !== 'symlink' || !f.stat.linkTarget) continue;
    const r = resolveInTree(f.path, lookup);
    if (r.ok && r.type === 'file' && snapshot.files.get(r.path)?.content.equals(f.content)) out.add(f.path);
  }
  for (const [d, stat] of snapshot.dirs) {
    if (stat?.type !== 'symlink' || !stat.linkTarget) continue;
    const r = resolveInTree(d, lookup);
    if (r.ok && r.type === 'dir') out.add(d);
  }
  return out;
}

function linkHeader(name: string, linkname: string, now: Date): tar.Header {
  return { name, type: 'symlink', linkname, mode: 0o777, uid: 0, gid: 0, uname: '', gname: '', mtime: now, size: 0, devmajor: 0, devminor: 0 };
}

function header(name: string, type: 'file' | 'directory', stat: Partial<FileStat> | undefined, now: Date): tar.Header {
  return {
    name,
    type,
    mode: (stat?.mode ?? (type === 'directory' ? 0o755 : 0o644)) & 0o7777,
    uid: stat?.uid ?? 0,
    gid: stat?.gid ?? 0,
    uname: stat?.owner ?? '',
    gname: stat?.group ?? '',
    mtime: stat?.mtime !== undefined ? new Date(stat.mtime * 1000) : now,
    size: 0,
    linkname: '',
    devmajor: 0,
    devminor: 0,
  };
}

export function describeFsError(e: unknown): string {
  return fsErrorText(e);
}

function describeArchiveError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const msg = String(err?.message ?? e).split('\n')[0];
  if (err?.code === 'Z_DATA_ERROR' || /incorrect header check|invalid (block|distance|code)/i.test(msg)) return `corrupt gzip data (${msg})`;
  if (err?.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(msg)) return 'truncated gzip data';
  if (/unexpected end of data/i.test(msg)) return 'truncated tar archive';
  if (/invalid tar header/i.test(msg)) return 'not a tar archive (invalid tar header)';
  if (err?.code) return describeFsError(e);
  return msg;
}
