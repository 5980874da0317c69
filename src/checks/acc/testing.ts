// Test builders for ACC check tables (excluded from the build).
import type { MemoryFile, MemorySnapshotSpec } from '../../collect/memory.js';
import type { FileStat } from '../../collect/snapshot.js';
import { accountFiles, pubkey } from '../ssh/testing.js';

export { accountFiles, pubkey };

export interface HomeSpec {
  uid: number;
  home?: number;
  ssh?: number | null;
  keys?: string[];
  keysMode?: number;
  keysUid?: number;
  sshUid?: number;
}

/** A node with PVE accounts (alice and bob in sudo) and the given homes, keyed by user name. */
export function accNode(homes: Record<string, HomeSpec>, extra: MemorySnapshotSpec = {}): MemorySnapshotSpec {
  const files: Record<string, string | MemoryFile> = { ...accountFiles() };
  const dirs: Record<string, Partial<FileStat>> = {};
  for (const [name, h] of Object.entries(homes)) {
    const home = name === 'root' ? '/root' : `/home/${name}`;
    dirs[home] = { mode: h.home ?? 0o750, uid: h.uid, gid: h.uid };
    if (h.ssh === null) continue;
    dirs[`${home}/.ssh`] = { mode: h.ssh ?? 0o700, uid: h.sshUid ?? h.uid, gid: h.uid };
    if (h.keys) files[`${home}/.ssh/authorized_keys`] = { content: h.keys.join('\n') + '\n', mode: h.keysMode ?? 0o600, uid: h.keysUid ?? h.uid, gid: h.uid };
  }
  return { ...extra, files: { ...files, ...extra.files }, dirs: { ...dirs, ...extra.dirs } };
}

/** alice and bob with an ed25519 key each, strict modes; root with one key. */
export const GOOD_HOMES: Record<string, HomeSpec> = {
  root: { uid: 0, home: 0o700, keys: [pubkey('ed25519')] },
  alice: { uid: 1000, keys: [pubkey('ed25519')] },
  bob: { uid: 1001, keys: [pubkey('ecdsa_384'), pubkey('sk-ed25519')] },
};
