import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allFindings, countStatuses } from './model.js';
import { filterReport, selectChecks } from './filter.js';
import { FIXTURE_CHECKS, fixtureReport } from './testing.js';

test('--only keeps the listed statuses; counts follow, scores stay those of the audit', () => {
  const full = fixtureReport();
  const view = filterReport(full, ['FAIL', 'WARN']);
  assert.deepEqual(allFindings(view).map((f) => `${f.status} ${f.id} ${f.node}`), ['WARN KRN-03 pve1', 'FAIL SSH-02 pve2']);
  assert.equal(countStatuses(allFindings(view)).total, 2);
  assert.equal(view.score, full.score);
  assert.deepEqual(view.clusters.map((c) => c.score), full.clusters.map((c) => c.score));
  assert.equal(allFindings(full).length, 17, 'the full report is not modified');
});

test('no --only: the report is unchanged', () => {
  const r = fixtureReport();
  assert.equal(filterReport(r, undefined), r);
});

test('--control selects controls by id and wildcard', () => {
  assert.deepEqual(selectChecks(FIXTURE_CHECKS, ['SSH-*']).map((c) => c.meta.id), ['SSH-02', 'SSH-12']);
  assert.deepEqual(selectChecks(FIXTURE_CHECKS, ['fw-01', 'AUD-04']).map((c) => c.meta.id), ['FW-01', 'AUD-04']);
  assert.equal(selectChecks(FIXTURE_CHECKS, undefined).length, FIXTURE_CHECKS.length);
});
