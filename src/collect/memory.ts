import { Snapshot, type CollectionMeta, type FileStat } from './snapshot.js';

export interface MemoryFile {
  content: string | Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  owner?: string;
  group?: string;
  mtime?: number;
}

export interface MemorySnapshotSpec {
  target?: string;
  files?: Record<string, string | Buffer | MemoryFile>;
  /** Directories seen (with stat), e.g. '/root/.ssh': { mode: 0o700, uid: 0, gid: 0 } */
  dirs?: Record<string, Partial<FileStat>>;
  commands?: Record<string, string | { output: string; exitCode?: number }>;
  errors?: Record<string, string>;
  meta?: Partial<CollectionMeta>;
}

/**
 * Builds a snapshot from literal data: the same structure a bundle or an SSH collection yields.
 * Used by check tests (tables of passing and failing inputs) and by the bundle reader.
 */
export function memorySnapshot(spec: MemorySnapshotSpec): Snapshot {
  const s = new Snapshot({ kind: 'bundle', target: spec.target ?? 'memory' });
  s.meta = { privilege: 'root', ...spec.meta };
  for (const [path, f] of Object.entries(spec.files ?? {})) {
    if (typeof f === 'string' || Buffer.isBuffer(f)) {
      s.addFile({ path, content: Buffer.from(f), stat: { mode: 0o644, uid: 0, gid: 0, owner: 'root', group: 'root', type: 'file' } });
    } else {
      s.addFile({
        path,
        content: Buffer.from(f.content),
        stat: { mode: f.mode ?? 0o644, uid: f.uid ?? 0, gid: f.gid ?? 0, owner: f.owner, group: f.group, mtime: f.mtime, type: 'file' },
      });
    }
  }
  for (const [path, d] of Object.entries(spec.dirs ?? {})) {
    s.addDir(path, { mode: 0o755, uid: 0, gid: 0, type: 'dir', ...d });
  }
  for (const [name, c] of Object.entries(spec.commands ?? {})) {
    s.commands.set(name, typeof c === 'string' ? { name, output: c, exitCode: 0 } : { name, ...c });
  }
  for (const [k, v] of Object.entries(spec.errors ?? {})) s.errors.set(k, v);
  return s;
}
