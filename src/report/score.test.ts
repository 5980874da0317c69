import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding, Severity, Status } from '../core/types.js';
import { scoreFindings, SEVERITY_WEIGHTS } from './score.js';
import { fixtureReport } from './testing.js';

const f = (status: Status, severity: Severity, waiver?: Finding['waiver']): Finding =>
  ({ id: 'SSH-02', status, severity, title: 't', message: 'm', evidence: [], node: 'pve1', ...(waiver ? { waiver } : {}) });

test('weights are those documented in docs/scoring.md', () => {
  assert.deepEqual(SEVERITY_WEIGHTS, { critical: 10, high: 5, medium: 3, low: 1, info: 0 });
});

test('PASS earns the full weight, WARN half, FAIL nothing', () => {
  assert.equal(scoreFindings([f('PASS', 'critical'), f('FAIL', 'critical')]), 50);
  assert.equal(scoreFindings([f('WARN', 'high')]), 50);
  // 10 + 1.5 of 10 + 5 + 3 = 11.5 / 18 = 63.9
  assert.equal(scoreFindings([f('PASS', 'critical'), f('FAIL', 'high'), f('WARN', 'medium')]), 64);
  assert.equal(scoreFindings([f('FAIL', 'low'), f('FAIL', 'medium')]), 0);
});

test('SKIP, NOTICE, INFO and info-severity findings do not count; nothing counted scores 100', () => {
  assert.equal(scoreFindings([]), 100);
  assert.equal(scoreFindings([f('SKIP', 'critical'), f('NOTICE', 'high'), f('INFO', 'info')]), 100);
  assert.equal(scoreFindings([f('FAIL', 'info'), f('PASS', 'low')]), 100);
  assert.equal(scoreFindings([f('SKIP', 'critical'), f('FAIL', 'low')]), 0);
});

test('a waiver in force takes the finding out; an expired one does not', () => {
  assert.equal(scoreFindings([f('PASS', 'low'), f('FAIL', 'critical', { reason: 'lab', expired: false })]), 100);
  assert.equal(scoreFindings([f('PASS', 'low'), f('FAIL', 'critical', { reason: 'lab', expires: '2025-01-01', expired: true })]), 9);
});

test('per node, per cluster and overall scores of the fixture audit', () => {
  const r = fixtureReport();
  const prod = r.clusters.find((c) => c.name === 'prod')!;
  // pve1: SSH-02 PASS 10, SSH-12 PASS 1, KRN-03 WARN 1.5 of 3 -> 12.5/14
  assert.equal(prod.nodeFindings.find((n) => n.node === 'pve1')!.score, 89);
  // pve2: SSH-02 FAIL 0/10, SSH-12 waived (out), KRN-03 PASS 3/3 -> 3/13
  assert.equal(prod.nodeFindings.find((n) => n.node === 'pve2')!.score, 23);
  // cluster: FW-01 PASS 5/5 plus both nodes -> 20.5/32
  assert.equal(prod.score, 64);
  // lab1 only passes KRN-03 (everything else SKIPs); overall 23.5/35
  assert.equal(r.clusters.find((c) => c.name === 'lab1')!.score, 100);
  assert.equal(r.score, 67);
});
