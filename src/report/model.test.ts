import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allFindings, auditExitCode, countStatuses } from './model.js';
import { fixtureReport } from './testing.js';

test('targets keep command-line order and name their node, cluster and privilege', () => {
  const r = fixtureReport();
  assert.deepEqual(r.targets.map((t) => [t.target, t.status, t.node, t.cluster, t.privilege]), [
    ['ssh://root@pve1', 'ok', 'pve1', 'prod', 'root'],
    ['ssh://root@pve2', 'ok', 'pve2', 'prod', 'root'],
    ['ssh://root@pve9', 'error', undefined, undefined, undefined],
    ['examples/lab1', 'ok', 'lab1', 'lab1', 'user'],
  ]);
  assert.match(r.targets[2].error!, /pve9/);
});

test('clusters group by corosync name; a standalone node is its own', () => {
  const r = fixtureReport();
  assert.deepEqual(r.clusters.map((c) => [c.name, c.clustered, c.nodes]), [['prod', true, ['pve1', 'pve2']], ['lab1', false, ['lab1']]]);
  assert.deepEqual(r.clusters[0].findings.map((f) => f.id), ['FW-01']);
});

test('allFindings: cluster findings first, then each node in order, checks in catalogue order', () => {
  const ids = allFindings(fixtureReport()).map((f) => `${f.node ?? f.cluster}:${f.id}`);
  assert.deepEqual(ids.slice(0, 7), ['prod:FW-01', 'pve1:ACC-05', 'pve1:SSH-02', 'pve1:SSH-12', 'pve1:KRN-03', 'pve1:AUD-04', 'pve2:ACC-05']);
  assert.equal(ids.length, 17);
});

test('countStatuses adds up to the total', () => {
  const c = countStatuses(allFindings(fixtureReport()));
  assert.deepEqual(c, { FAIL: 1, WARN: 1, SKIP: 5, NOTICE: 3, INFO: 2, PASS: 5, total: 17 });
});

test('exit code: 2 when a target failed, else 1 for a FAIL at or above --fail-on, else 0', () => {
  assert.equal(auditExitCode(fixtureReport(), 'high'), 2);
  const ok = fixtureReport(undefined, { failedTarget: false });
  // The only FAIL is SSH-02 (critical); the waived SSH-12 WARN is a NOTICE.
  assert.equal(auditExitCode(ok, 'critical'), 1);
  assert.equal(auditExitCode(ok, 'high'), 1);
  assert.equal(auditExitCode(ok, 'info'), 1);
  assert.equal(auditExitCode(ok, 'none'), 0);
  const noCritical = { ...ok, clusters: ok.clusters.map((c) => ({ ...c, nodeFindings: c.nodeFindings.map((n) => ({ ...n, findings: n.findings.map((f) => (f.id === 'SSH-02' ? { ...f, severity: 'medium' as const } : f)) })) })) };
  assert.equal(auditExitCode(noCritical, 'high'), 0);
  assert.equal(auditExitCode(noCritical, 'medium'), 1);
});
