import path from 'node:path';

export interface FileStat {
  mode: number; // permission bits and type bits as in st_mode (only the low 12 bits are guaranteed)
  uid: number;
  gid: number;
  owner?: string;
  group?: string;
  mtime?: number; // seconds since epoch
  type: 'file' | 'dir' | 'symlink';
  linkTarget?: string;
}

export interface SnapshotFile {
  path: string; // absolute path on the node, e.g. /etc/ssh/sshd_config
  content: Buffer;
  stat?: FileStat;
}

export interface CommandResult {
  name: string; // the command as run, e.g. "sshd -T"
  output: string;
  exitCode?: number;
}

export interface Origin {
  kind: 'ssh' | 'local' | 'bundle';
  /** What the user typed: ssh://root@pve1, local, examples/fresh-install */
  target: string;
}

export interface CollectionMeta {
  hostname?: string;
  collectedAt?: string;
  /** root: everything readable; sudo: via sudo -n; user: without root, some data missing; unknown: a plain backup tarball. */
  privilege: 'root' | 'sudo' | 'user' | 'unknown';
  collector?: string;
  /**
   * false: this node did not send the cluster-wide /etc/pve files (PVE_SHARED_FILES), another node of
   * the same collection did; pveSharedFrom then names the node they were copied from.
   */
  pveShared?: boolean;
  pveSharedFrom?: string;
  /**
   * $SSH_CONNECTION of the collecting session as the node saw it ("client-ip client-port server-ip
   * server-port"): where pvesec connects from, for the firewall gate (read from an ancestor's
   * environment when sudo dropped it).
   */
  sshConnection?: string;
}

/**
 * Everything collected from one node: files by absolute path, command outputs by name, and what
 * could not be read (and why). Immutable once built; parsers and facts read from it.
 */
export class Snapshot {
  readonly files = new Map<string, SnapshotFile>();
  readonly dirs = new Map<string, FileStat | undefined>();
  readonly commands = new Map<string, CommandResult>();
  /** path or command name -> reason it is absent (permission denied, not installed, ...) */
  readonly errors = new Map<string, string>();
  meta: CollectionMeta = { privilege: 'unknown' };

  constructor(readonly origin: Origin) {}

  addFile(file: SnapshotFile): void {
    this.files.set(normalizePath(file.path), { ...file, path: normalizePath(file.path) });
  }

  addDir(dir: string, stat?: FileStat): void {
    this.dirs.set(normalizePath(dir), stat);
  }

  file(p: string): SnapshotFile | undefined {
    return this.files.get(normalizePath(p));
  }

  text(p: string): string | undefined {
    return this.file(p)?.content.toString('utf8');
  }

  /** Files directly inside dir (not recursive), sorted by name like a shell glob. */
  listDir(dir: string, filter?: (name: string) => boolean): SnapshotFile[] {
    const d = normalizePath(dir);
    const out: SnapshotFile[] = [];
    for (const f of this.files.values()) {
      if (path.posix.dirname(f.path) !== d) continue;
      if (filter && !filter(path.posix.basename(f.path))) continue;
      out.push(f);
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Whether anything at or below this directory was collected (the directory was seen). */
  sawDir(dir: string): boolean {
    const d = normalizePath(dir);
    if (this.dirs.has(d)) return true;
    const prefix = d.endsWith('/') ? d : d + '/';
    for (const p of this.files.keys()) if (p.startsWith(prefix)) return true;
    return false;
  }

  /** Subdirectory names directly inside dir (e.g. node names under /etc/pve/nodes). */
  subdirs(dir: string): string[] {
    const prefix = normalizePath(dir) + '/';
    const names = new Set<string>();
    for (const p of [...this.files.keys(), ...this.dirs.keys()]) {
      if (!p.startsWith(prefix)) continue;
      const rest = p.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash > 0) names.add(rest.slice(0, slash));
      else if (this.dirs.has(p)) names.add(rest);
    }
    return [...names].sort();
  }

  command(name: string): CommandResult | undefined {
    return this.commands.get(name);
  }

  /** One-line reason why a path or command is absent, for SKIP messages. */
  whyMissing(key: string): string {
    const err = this.errors.get(normalizePath(key)) ?? this.errors.get(key);
    if (err) return `${key}: ${err}`;
    if (this.origin.kind === 'bundle') return `${key} is not in the bundle`;
    return `${key} was not found on the node`;
  }

  /** The host name the collector recorded, else originLabel. */
  get label(): string {
    return this.meta.hostname ?? this.originLabel;
  }

  /**
   * Where the snapshot came from, in a form that never is a path of the machine running pvesec:
   * a bundle's file name (pve-config.tar.gz), the SSH host, or `local`.
   */
  get originLabel(): string {
    const { kind, target } = this.origin;
    if (kind === 'bundle') return target.split(/[\\/]/).filter(Boolean).pop() ?? 'bundle';
    return target.replace(/^ssh:\/\//, '').replace(/^[^@/]*@/, '') || kind;
  }
}

export function normalizePath(p: string): string {
  let n = path.posix.normalize('/' + p.replace(/^\.?\/+/, ''));
  if (n.length > 1 && n.endsWith('/')) n = n.slice(0, -1);
  return n;
}

/** File name of a command's output inside a bundle: commands/<name with spaces and slashes as _>. */
export function commandFileName(name: string): string {
  return name.replace(/[ /]/g, '_');
}
