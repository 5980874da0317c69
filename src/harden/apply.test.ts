import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { applyExitCode, changedFiles, withSummary } from './apply.js';
import { clusterView, snapshotDigests } from './apply-audit.js';
import { readBundle } from '../collect/bundle.js';
import type { Op } from './ops.js';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

test('the node is compared with the plan by the digests of what is collected again', async () => {
  const snapshot = await readBundle('examples/fresh-install');
  const sshd = '/etc/ssh/sshd_config';
  const text = readFileSync(path.join('examples/fresh-install', sshd));
  const now = snapshotDigests(snapshot, [sshd, '/etc/ssh/sshd_config.d/00-pvesec.conf']);
  assert.deepEqual([...now], [[sshd, sha(text)], ['/etc/ssh/sshd_config.d/00-pvesec.conf', null]]);
  assert.deepEqual(changedFiles({ [sshd]: sha(text), '/etc/ssh/sshd_config.d/00-pvesec.conf': null }, now), []);
  assert.deepEqual(changedFiles({ [sshd]: sha('PermitRootLogin yes\n'), '/etc/ssh/sshd_config.d/00-pvesec.conf': sha('x'), '/etc/other': null }, now), [
    `${sshd}: modified since the plan`,
    '/etc/ssh/sshd_config.d/00-pvesec.conf: removed since the plan',
    '/etc/other: not checked',
  ]);
  assert.deepEqual(changedFiles({ '/etc/ssh/sshd_config.d/00-pvesec.conf': null }, new Map([['/etc/ssh/sshd_config.d/00-pvesec.conf', sha('')]])), [
    '/etc/ssh/sshd_config.d/00-pvesec.conf: created since the plan',
  ]);
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

test('a gate in the progress is named by its summary; other lines stay as the node said them', () => {
  const ops: Op[] = [{ id: 'validate:sshd', kind: 'validate', argv: ['sshd', '-t'], why: '', controls: [], cutsAccess: true, summary: 'sshd -t' }];
  assert.equal(withSummary('validated validate:sshd', [...ops]), 'validated sshd -t');
  assert.equal(withSummary('validated validate:other', [...ops]), 'validated validate:other');
  assert.equal(withSummary('wrote /etc/x', [...ops]), 'wrote /etc/x');
});
