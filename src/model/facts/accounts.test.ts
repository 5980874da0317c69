import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memorySnapshot, type MemorySnapshotSpec } from '../../collect/memory.js';
import { DEFAULT_CONFIG, type PvesecConfig } from '../../config/schema.js';
import { groupClusters } from '../../audit/run.js';
import { FactContext } from '../fact.js';
import { accountFiles, pubkey } from '../../checks/ssh/testing.js';
import { accountsFact, adminsFact, authorizedKeysPaths, userSshState } from './accounts.js';

function ctxOf(spec: MemorySnapshotSpec, config: Partial<PvesecConfig> = {}): FactContext {
  const [cluster] = groupClusters([memorySnapshot(spec)]);
  return new FactContext(cluster.nodes[0], cluster, { ...DEFAULT_CONFIG, ...config });
}

test('accounts: primary and supplementary groups', () => {
  const acc = ctxOf({ files: accountFiles() }).get(accountsFact);
  assert.deepEqual(acc.byName.get('alice')?.groups, ['alice', 'adm', 'sudo']);
  assert.deepEqual(acc.byName.get('root')?.groups, ['root']);
  assert.equal(acc.byName.get('bob')?.shellKind, 'minimal');
});

test('admins: group sudo, sudoers grants, declared admin_users; never root', () => {
  const files = { ...accountFiles({ '/etc/group': 'root:x:0:\nsudo:x:27:alice\nalice:x:1000:\nbob:x:1001:\nsvc-backup:x:1002:\n' }), '/etc/sudoers.d/ops': 'bob ALL=(ALL) ALL\n' };
  const { admins, sudoersNote } = ctxOf({ files }, { admin_users: ['svc-backup@pam', 'carol@pve', 'ghost'] }).get(adminsFact);
  assert.equal(sudoersNote, undefined);
  assert.deepEqual(admins.map((a) => [a.user.name, a.evidence.map((e) => `${e.source}:${e.line ?? ''}`)]), [
    ['alice', ['/etc/group:2', '/etc/sudoers:50']],
    ['bob', ['/etc/sudoers.d/ops:1']],
    ['svc-backup', ['pvesec config:']],
  ]);
});

test('admins without sudoers (non-root collection) come from group sudo, with a note', () => {
  const { admins, sudoersNote } = ctxOf({ files: accountFiles({ '/etc/sudoers': undefined }), errors: { '/etc/sudoers': 'permission denied' } }).get(adminsFact);
  assert.deepEqual(admins.map((a) => a.user.name), ['alice', 'bob']);
  assert.equal(sudoersNote, '/etc/sudoers: permission denied');
});

test('a later sudoers !ALL revokes a sudoers-only admin', () => {
  const group = 'root:x:0:\nsudo:x:27:\nbob:x:1001:\nalice:x:1000:\n';
  const granted = accountFiles({ '/etc/sudoers': 'bob ALL=(ALL) ALL\n', '/etc/group': group });
  assert.deepEqual(ctxOf({ files: granted }).get(adminsFact).admins.map((a) => a.user.name), ['bob']);
  const revoked = accountFiles({ '/etc/sudoers': 'bob ALL=(ALL) ALL\nbob ALL=(ALL) !ALL\n', '/etc/group': group });
  assert.deepEqual(ctxOf({ files: revoked }).get(adminsFact).admins.map((a) => a.user.name), []);
});

test('AuthorizedKeysFile expansion and the Proxmox root symlink', () => {
  const ctx = ctxOf({
    files: {
      ...accountFiles(),
      '/root/.ssh/authorized_keys': '',
      '/etc/pve/priv/authorized_keys': pubkey('ed25519') + '\n',
    },
    commands: { 'sshd -T': 'port 22\npermitrootlogin without-password\nauthorizedkeysfile .ssh/authorized_keys /etc/ssh/keys/%u %h/.ssh/k%%\n' },
  });
  const alice = ctx.get(accountsFact).byName.get('alice')!;
  assert.deepEqual(authorizedKeysPaths(ctx, alice), ['/home/alice/.ssh/authorized_keys', '/etc/ssh/keys/alice', '/home/alice/.ssh/k%']);
  // The collector stores the symlink with its target; the keys live in /etc/pve/priv/authorized_keys.
  ctx.snapshot.addFile({ path: '/root/.ssh/authorized_keys', content: Buffer.alloc(0), stat: { mode: 0o777, uid: 0, gid: 0, type: 'symlink', linkTarget: '/etc/pve/priv/authorized_keys' } });
  const root = userSshState(ctx, ctx.get(accountsFact).byName.get('root')!);
  assert.deepEqual(root.keyFiles.map((f) => [f.path, f.keys.length]), [['/etc/pve/priv/authorized_keys', 1]]);
});
