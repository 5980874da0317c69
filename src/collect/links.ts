/**
 * Path resolution inside a bundle, as the node's kernel would resolve it: every component that is a
 * symbolic link is replaced by its target (absolute targets start again at the bundle root, `..` never
 * climbs above it), at most MAX_LINKS links. Nothing here touches the filesystem of the machine
 * running pvesec: the tree is whatever `lookup` says.
 */

export const MAX_LINKS = 40;

/** What a bundle path (relative, no leading slash) is; undefined when the bundle has nothing there. */
export type TreeNode = { type: 'file' | 'dir' } | { type: 'symlink'; target: string } | undefined;

export type Resolution =
  | { ok: true; path: string; type: 'file' | 'dir' }
  /** path: the absolute bundle path where resolution stopped */
  | { ok: false; path: string; why: 'missing' | 'too many links' | 'not a directory' };

/** Resolves an absolute path (`/etc/pve/local/host.fw`) to the bundle path it names, following links. */
export function resolveInTree(absPath: string, lookup: (rel: string) => TreeNode): Resolution {
  const todo = absPath.split('/').reverse();
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const c = todo.pop()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      done.pop();
      continue;
    }
    const rel = done.length ? `${done.join('/')}/${c}` : c;
    const node = lookup(rel);
    if (!node) return { ok: false, path: '/' + rel, why: 'missing' };
    if (node.type === 'symlink') {
      if (++links > MAX_LINKS) return { ok: false, path: '/' + rel, why: 'too many links' };
      if (node.target.startsWith('/')) done.length = 0;
      todo.push(...node.target.split('/').reverse());
      continue;
    }
    if (node.type === 'file' && todo.some((t) => t !== '')) return { ok: false, path: '/' + rel, why: 'not a directory' };
    done.push(c);
  }
  const rel = done.join('/');
  if (rel === '') return { ok: true, path: '/', type: 'dir' };
  const last = lookup(rel);
  return { ok: true, path: '/' + rel, type: last?.type === 'file' ? 'file' : 'dir' };
}
