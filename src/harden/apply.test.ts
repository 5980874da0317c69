import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { applyExitCode, changedFiles, digestScript, parseDigests } from './apply.js';
import { adminNames, clusterView } from './apply-audit.js';
import { readBundle } from '../collect/bundle.js';
import { DEFAULT_CONFIG } from '../config/schema.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

test('file digests are read on the node with sh: present, absent, dangling link, odd names', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pvesec-digest-'));
  try {
    const a = path.join(dir, 'sshd_config');
    const odd = path.join(dir, "it's here");
    writeFileSync(a, 'PermitRootLogin yes\n');
    writeFileSync(odd, '');
    symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling'));
    const paths = [a, path.join(dir, 'missing'), path.join(dir, 'dangling'), odd];
    const r = spawnSync('sh', ['-s'], { input: digestScript(paths), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const got = parseDigests(r.stdout);
    assert.deepEqual([...got], [[a, sha('PermitRootLogin yes\n')], [paths[1], null], [paths[2], 'unreadable'], [odd, sha('')]]);
    // the plan's view of the same files
    const planned = { [a]: sha('PermitRootLogin yes\n'), [paths[1]]: null, [odd]: sha('') };
    assert.deepEqual(changedFiles(planned, got), []);
    assert.deepEqual(changedFiles({ [a]: sha('PermitRootLogin no\n'), [paths[1]]: sha('x'), [odd]: null, '/etc/other': null }, got), [
      `${a}: modified since the plan`,
      `${paths[1]}: removed since the plan`,
      `${odd}: created since the plan`,
      '/etc/other: not checked',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exit code: 0 applied or unchanged, 1 a node rolled back, 2 an error or a refusal', () => {
  assert.equal(applyExitCode([{ node: 'a', status: 'unchanged' }, { node: 'b', status: 'applied', txId: 't', changes: [] }]), 0);
  assert.equal(applyExitCode([{ node: 'a', status: 'applied', txId: 't', changes: [] }, { node: 'b', status: 'rolled-back', txId: 'u', reason: 'x', deadMan: true }]), 1);
  assert.equal(applyExitCode([{ node: 'a', status: 'refused', reason: 'node changed since the plan: re-plan' }]), 2);
  assert.equal(applyExitCode([{ node: 'a', status: 'rolled-back', txId: 'u', reason: 'x', deadMan: false }, { node: 'b', status: 'error', reason: 'y' }]), 2);
});

test('cluster view: own ring address and the peers, from the collected corosync.conf', async () => {
  const snapshot = await readBundle('examples/hardened-cluster/pve2');
  assert.deepEqual(clusterView(snapshot, 'pve2'), {
    ownAddresses: ['10.10.10.12'],
    peers: [{ name: 'pve1', addresses: ['10.10.10.11'] }, { name: 'pve3', addresses: ['10.10.10.13'] }],
  });
  const standalone = await readBundle('examples/fresh-install');
  assert.deepEqual(clusterView(standalone, 'pve'), { ownAddresses: [], peers: [] });
});

test('admins verified: host accounts only (alice@pam is alice, alice@pve is not), object entries by name', () => {
  const config = { ...DEFAULT_CONFIG, admin_users: ['alice', 'bob@pve', 'carol@pam', { name: 'dave', authorized_keys: [] }, 'alice'] } as unknown as typeof DEFAULT_CONFIG;
  assert.deepEqual(adminNames(config), ['alice', 'carol', 'dave']);
});
