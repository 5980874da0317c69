// Every renderer over the real control catalogue (whatever the registry holds) on the fixture nodes:
// whatever the checks say, the formats agree with each other and their counts add up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_CHECKS } from '../checks/registry.js';
import { allFindings, countStatuses } from './model.js';
import { renderJson, type JsonReport } from './json.js';
import { renderSarif } from './sarif.js';
import { renderJunit } from './junit.js';
import { renderTerminal } from './terminal.js';
import { fixtureReport } from './testing.js';

const report = fixtureReport(ALL_CHECKS);
const findings = allFindings(report);
const counts = countStatuses(findings);

test('the catalogue gives one finding or more per control and node (cluster controls once per cluster)', () => {
  const nodeChecks = ALL_CHECKS.filter((c) => c.meta.scope === 'node').length;
  const clusterChecks = ALL_CHECKS.length - nodeChecks;
  assert.ok(findings.length >= nodeChecks * 3 + clusterChecks * 2, `${findings.length} findings`);
  const known = new Set(ALL_CHECKS.map((c) => c.meta.id));
  assert.ok(findings.every((f) => known.has(f.id) && f.message.length > 0 && !f.message.includes('\n')));
});

test('JSON carries every finding and its summary adds up', () => {
  const doc = JSON.parse(renderJson(report)) as JsonReport;
  assert.equal(doc.findings.length, findings.length);
  assert.equal(doc.summary.total, counts.total);
  assert.equal(doc.summary.FAIL + doc.summary.WARN + doc.summary.PASS + doc.summary.SKIP + doc.summary.NOTICE + doc.summary.INFO, doc.summary.total);
});

test('SARIF has a rule per control and a result per FAIL, WARN and NOTICE', () => {
  const run = JSON.parse(renderSarif(report)).runs[0];
  assert.equal(run.tool.driver.rules.length, ALL_CHECKS.length);
  assert.equal(run.results.length, counts.FAIL + counts.WARN + counts.NOTICE);
  for (const r of run.tool.driver.rules) assert.ok(r.help.text.length > 0, `${r.id} has help text`);
});

test('JUnit has a testcase per finding (plus the failed target) and matching totals', () => {
  const xml = renderJunit(report);
  assert.equal((xml.match(/<testcase /g) ?? []).length, findings.length + 1);
  assert.match(xml, new RegExp(`<testsuites name="pvesec" tests="${findings.length + 1}" failures="${counts.FAIL}" errors="1" time="0">`));
  const skipped = [...xml.matchAll(/<testsuite [^>]*skipped="(\d+)"/g)].reduce((n, m) => n + Number(m[1]), 0);
  assert.equal(skipped, counts.SKIP, 'the suites\' skipped counts add up');
});

test('the text summary counts what it shows', () => {
  const text = renderTerminal(report, { color: false });
  const body = text.slice(0, text.indexOf('= SUMMARY ='));
  const lines = body.split('\n').filter((l) => /^(PASS|FAIL|WARN|SKIP|NOTICE|INFO): [A-Z]{2,3}-\d{2}/.test(l));
  assert.equal(lines.length, findings.length);
  assert.match(text, new RegExp(`^TOTAL:\\s+${findings.length}$`, 'm'));
});
