import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveInTree, type TreeNode } from './links.js';

// A Proxmox-like tree: /etc/pve/local -> nodes/pve1, root's keys -> /etc/pve/priv/authorized_keys.
const TREE: Record<string, TreeNode> = {
  etc: { type: 'dir' },
  'etc/pve': { type: 'dir' },
  'etc/pve/nodes': { type: 'dir' },
  'etc/pve/nodes/pve1': { type: 'dir' },
  'etc/pve/nodes/pve1/host.fw': { type: 'file' },
  'etc/pve/local': { type: 'symlink', target: 'nodes/pve1' },
  'etc/pve/priv': { type: 'dir' },
  'etc/pve/priv/authorized_keys': { type: 'file' },
  root: { type: 'dir' },
  'root/.ssh': { type: 'dir' },
  'root/.ssh/authorized_keys': { type: 'symlink', target: '/etc/pve/priv/authorized_keys' },
  'etc/up': { type: 'symlink', target: '../../../../etc/pve/local/host.fw' },
  'etc/loop': { type: 'symlink', target: 'loop' },
  'etc/through-file': { type: 'symlink', target: 'pve/priv/authorized_keys/x' },
  'etc/out': { type: 'symlink', target: '/usr/lib/os-release' },
};
const lookup = (rel: string): TreeNode => TREE[rel];

test('links resolve component by component inside the tree', () => {
  assert.deepEqual(resolveInTree('/root/.ssh/authorized_keys', lookup), { ok: true, path: '/etc/pve/priv/authorized_keys', type: 'file' });
  assert.deepEqual(resolveInTree('/etc/pve/local/host.fw', lookup), { ok: true, path: '/etc/pve/nodes/pve1/host.fw', type: 'file' });
  assert.deepEqual(resolveInTree('/etc/pve/local', lookup), { ok: true, path: '/etc/pve/nodes/pve1', type: 'dir' });
  // .. never climbs above the root of the tree
  assert.deepEqual(resolveInTree('/etc/up', lookup), { ok: true, path: '/etc/pve/nodes/pve1/host.fw', type: 'file' });
  assert.deepEqual(resolveInTree('/', lookup), { ok: true, path: '/', type: 'dir' });
});

test('links out of the tree, loops and files used as directories do not resolve', () => {
  assert.deepEqual(resolveInTree('/etc/out', lookup), { ok: false, path: '/usr', why: 'missing' });
  assert.deepEqual(resolveInTree('/etc/loop', lookup), { ok: false, path: '/etc/loop', why: 'too many links' });
  assert.deepEqual(resolveInTree('/etc/through-file', lookup), { ok: false, path: '/etc/pve/priv/authorized_keys', why: 'not a directory' });
});
