import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memorySnapshot, type MemorySnapshotSpec } from '../../collect/memory.js';
import { DEFAULT_CONFIG } from '../../config/schema.js';
import { groupClusters } from '../../audit/run.js';
import { FactContext, Unavailable } from '../fact.js';
import { backupJobsFact, realmsFact, tfaFact, userCfgEvidence } from './pve.js';

function ctxOf(spec: MemorySnapshotSpec): FactContext {
  const [cluster] = groupClusters([memorySnapshot(spec)]);
  return new FactContext(cluster.representative, cluster, DEFAULT_CONFIG, new Date('2026-11-25T12:00:00Z'));
}

test('optional /etc/pve files: absent from a readable /etc/pve means empty, unreadable means Unavailable', () => {
  const pve = { files: { '/etc/hostname': 'pve1\n', '/etc/pve/user.cfg': 'user:root@pam:1:0::::::\n' }, dirs: { '/etc/pve': {}, '/etc/pve/priv': {} } };
  assert.deepEqual([...ctxOf(pve).get(tfaFact)], []);
  assert.deepEqual(ctxOf(pve).get(backupJobsFact), { jobs: [], cron: [] });
  assert.deepEqual(ctxOf(pve).get(realmsFact).map((r) => r.name), ['pam', 'pve'], 'pam and pve realms always exist');
  assert.throws(() => ctxOf({ ...pve, errors: { '/etc/pve/priv/tfa.cfg': 'permission denied' } }).get(tfaFact), Unavailable);
  assert.throws(() => ctxOf({ ...pve, errors: { '/etc/pve/priv': 'permission denied' } }).get(tfaFact), /permission denied/);
  assert.throws(() => ctxOf({ ...pve, dirs: { '/etc/pve': {} }, meta: { privilege: 'user' } }).get(tfaFact), /root only/);
  assert.throws(() => ctxOf({ files: { '/etc/hostname': 'web1\n' } }).get(backupJobsFact), Unavailable);
});

test('user.cfg evidence masks a legacy inline key (a TOTP secret)', () => {
  const ctx = ctxOf({ files: { '/etc/hostname': 'pve1\n', '/etc/pve/user.cfg': 'user:root@pam:1:0::::::\nuser:old@pve:1:0:Old:User:o@example.com::JBSWY3DPEHPK3PXP:\nuser:new@pve:1:0::::::x!oath:\n' } });
  const e = userCfgEvidence(ctx, 2);
  assert.equal(e.line, 2);
  assert.ok(!e.text!.includes('JBSWY3DP'), e.text);
  assert.match(e.text!, /<redacted>/);
  assert.match(userCfgEvidence(ctx, 3).text!, /x!oath/);
});
