import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memorySnapshot } from '../collect/memory.js';
import type { Snapshot } from '../collect/snapshot.js';
import { DEFAULT_CONFIG } from '../config/schema.js';
import { groupClusters, runChecks } from '../audit/run.js';
import { fw08 } from '../checks/fw/fw-08.js';
import { FactContext } from './fact.js';
import { userCfgEvidence } from './facts/pve.js';
import { fileLine } from './file-lines.js';
import { pveNode } from '../../test/fixtures/netfilter/helpers.js';

/** Counts how often a collected file's bytes are decoded to text (each decode is a pass over the whole file). */
function countDecodes(snapshot: Snapshot, path: string): { count: number } {
  const content = snapshot.file(path)!.content;
  const counter = { count: 0 };
  const decode = content.toString.bind(content);
  content.toString = ((...args: Parameters<Buffer['toString']>) => {
    counter.count++;
    return decode(...args);
  }) as Buffer['toString'];
  return counter;
}

test('fileLine numbers lines from 1 as the parsers do, and rejects lines outside the file', () => {
  const s = memorySnapshot({ files: { '/etc/x': 'one\r\ntwo\n\nfour' } });
  assert.equal(fileLine(s, '/etc/x', 1), 'one\r');
  assert.equal(fileLine(s, '/etc/x', 2), 'two');
  assert.equal(fileLine(s, '/etc/x', 4), 'four');
  assert.equal(fileLine(s, '/etc/x', 5), undefined);
  assert.equal(fileLine(s, '/etc/x', 0), undefined);
  assert.equal(fileLine(s, '/etc/x', 1.5), undefined);
  assert.equal(fileLine(s, '/etc/missing', 1), undefined);
});

test('fileLine gives what split("\\n") gives, for every line of random texts (empty, trailing newline, CR, multibyte)', () => {
  let x = 7;
  const rand = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 4294967296);
  const pieces = ['a', 'bc', '\n', '\n', '\r', ' ', 'é', '€', '🙂', ''];
  for (let i = 0; i < 300; i++) {
    const text = Array.from({ length: Math.floor(rand() * 30) }, () => pieces[Math.floor(rand() * pieces.length)]).join('');
    const s = memorySnapshot({ files: { '/etc/x': text } });
    const lines = text.split('\n');
    for (let l = 0; l <= lines.length + 1; l++) assert.equal(fileLine(s, '/etc/x', l), l >= 1 ? lines[l - 1] : undefined, `${JSON.stringify(text)} line ${l}`);
  }
});

test('FW-08 evidence for hundreds of ignored lines decodes cluster.fw a bounded number of times (issue 8: 312 KB took 40 s)', () => {
  const junk = Array.from({ length: 900 }, (_, i) => `junk${i} !!??`); // under the 1000-findings cap
  const snapshot = memorySnapshot({ target: 'node0', ...pveNode({ clusterFw: `[OPTIONS]\nenable: 1\n${junk.join('\n')}\n` }) });
  const decodes = countDecodes(snapshot, '/etc/pve/firewall/cluster.fw');
  const [result] = runChecks(groupClusters([snapshot]), [fw08], DEFAULT_CONFIG, new Date('2026-11-25T12:00:00Z'));
  const findings = result.findings.filter((f) => f.message.includes('line ignored by Proxmox'));
  assert.equal(findings.length, 900);
  assert.deepEqual(findings[899].evidence[0], { source: '/etc/pve/firewall/cluster.fw', line: 902, text: 'junk899 !!??' });
  assert.ok(decodes.count <= 5, `cluster.fw decoded ${decodes.count} times for 900 evidence lines`);
});

test('user.cfg evidence for thousands of users decodes user.cfg once', () => {
  const users = Array.from({ length: 3000 }, (_, i) => `user:admin${i}@pve:1:0:::::x:`);
  const snapshot = memorySnapshot({ files: { '/etc/hostname': 'pve1\n', '/etc/pve/user.cfg': `${users.join('\n')}\n` } });
  const decodes = countDecodes(snapshot, '/etc/pve/user.cfg');
  const [cluster] = groupClusters([snapshot]);
  const ctx = new FactContext(cluster.representative, cluster, DEFAULT_CONFIG);
  const evidence = users.map((_, i) => userCfgEvidence(ctx, i + 1));
  assert.equal(evidence[2999].text, 'user:admin2999@pve:1:0:::::x:');
  assert.equal(decodes.count, 1);
});
