// What `tar -czf pve-config.tar.gz /etc/pve /etc/ssh /etc/apt` (the hardening guides' configuration backup)
// holds of an example node: those three trees and nothing else (no /etc/hostname, no /var/lib/dpkg/status,
// no command output).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MemorySnapshotSpec } from '../../src/collect/memory.js';

const examples = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');

/**
 * example: a node directory under examples/ ('fresh-install', 'hardened-cluster/pve1'); node: its Proxmox
 * node name, found by pvesec through the /etc/pve/local link (the backup carries no /etc/hostname); also the target.
 */
export function plainBackup(example: string, node: string, trees = ['/etc/pve', '/etc/ssh', '/etc/apt']): MemorySnapshotSpec {
  const root = path.join(examples, example);
  const files: Record<string, string> = {};
  const dirs: Record<string, object> = {};
  const walk = (rel: string): void => {
    const abs = path.join(root, rel);
    if (!fs.existsSync(abs)) return;
    if (fs.statSync(abs).isDirectory()) {
      dirs[rel] = {};
      for (const name of fs.readdirSync(abs)) walk(path.posix.join(rel, name));
    } else files[rel] = fs.readFileSync(abs, 'utf8');
  };
  for (const t of trees) walk(t);
  // pmxcfs shows /etc/pve/local as a link to nodes/<this node>: tar keeps it, and Proxmox names the node by it.
  if (trees.includes('/etc/pve') && dirs['/etc/pve']) dirs['/etc/pve/local'] = { type: 'symlink', linkTarget: `nodes/${node}` };
  return { target: node, files, dirs };
}
