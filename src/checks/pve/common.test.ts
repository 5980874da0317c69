import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memorySnapshot } from '../../collect/memory.js';
import { DEFAULT_CONFIG } from '../../config/schema.js';
import { groupClusters } from '../../audit/run.js';
import { FactContext } from '../../model/fact.js';
import { userCfgEvidence } from '../../model/facts/pve.js';
import { uniqueEvidence, userCfgLinesEvidence } from './common.js';

test('userCfgLinesEvidence: the evidence uniqueEvidence keeps of every line, reading only the kept lines', () => {
  const text = 'user:root@pam:1:0::::::\nuser:a@pve:1:0::::::\nuser:b@pve:1:0:::::LEGACYSECRET:\nacl:1:/:a@pve:Administrator:\n';
  const [cluster] = groupClusters([memorySnapshot({ files: { '/etc/hostname': 'pve1\n', '/etc/pve/user.cfg': text } })]);
  const ctx = new FactContext(cluster.representative, cluster, DEFAULT_CONFIG, new Date('2026-11-25T12:00:00Z'));
  for (const lines of [[3, 1, 3, 4, 2, 1], [0, 2, 9, 2], [], [4, 4, 4]]) {
    for (const max of [1, 2, 8]) {
      assert.deepEqual(userCfgLinesEvidence(ctx, lines, max), uniqueEvidence(lines.map((l) => userCfgEvidence(ctx, l)), max), `${lines} max ${max}`);
    }
  }
  assert.equal(userCfgLinesEvidence(ctx, [3])[0].text, 'user:b@pve:1:0:::::<redacted>:');
});
