// `pvesec audit examples/* --format sarif` as the tools downstream check it: the official SARIF 2.1.0
// schema (test/fixtures/sarif, JSON Schema draft-04) and GitHub code scanning's upload rules
// (docs.github.com, "SARIF results exceed hard limit"; "expected at least one location").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { runAudit } from '../src/commands/audit.js';
import type { CommandIO } from '../src/commands/io.js';
import { fail, keyed, type Check } from '../src/checks/types.js';
import { fixtureReport } from '../src/report/testing.js';
import { GITHUB_LIMITS, renderSarif } from '../src/report/sarif.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const schema = JSON.parse(readFileSync('test/fixtures/sarif/sarif-2.1.0-rtm.5.json', 'utf8'));
// the schema's language pattern has a stray ] that only non-unicode regular expressions accept
const ajv = new Ajv.default({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats.default(ajv);
const validate = ajv.compile(schema);

const NOW = new Date('2026-11-25T12:00:00Z');

async function auditSarif(targets: string[], extra: Record<string, string> = {}): Promise<Json> {
  let out = '';
  const io: CommandIO = { out: async (t) => void (out += t), err: () => {}, stdoutIsTTY: false, env: {} };
  await runAudit(targets, { format: 'sarif', ...extra }, io, { now: NOW });
  return JSON.parse(out);
}

/** What GitHub code scanning refuses on upload, as one message per broken rule. */
function uploadProblems(log: Json): string[] {
  const problems: string[] = [];
  if (log.runs.length > GITHUB_LIMITS.runsPerFile) problems.push(`${log.runs.length} runs`);
  for (const run of log.runs) {
    if (run.results.length > GITHUB_LIMITS.resultsPerRun) problems.push(`${run.results.length} results in a run`);
    if (run.tool.driver.rules.length > GITHUB_LIMITS.rulesPerRun) problems.push(`${run.tool.driver.rules.length} rules`);
    for (const r of run.tool.driver.rules) if ((r.properties?.tags ?? []).length > GITHUB_LIMITS.tagsPerRule) problems.push(`${r.id}: too many tags`);
    const fingerprints = new Map<string, string>();
    for (const r of run.results) {
      const name = `${r.ruleId} ${r.properties?.node ?? r.properties?.cluster} ${r.message.text.slice(0, 60)}`;
      if (!r.locations?.length) problems.push(`${name}: no location`);
      if (r.locations?.length > GITHUB_LIMITS.locationsPerResult) problems.push(`${name}: ${r.locations.length} locations`);
      for (const l of r.locations ?? []) {
        const uri = l.physicalLocation?.artifactLocation?.uri;
        if (!uri) problems.push(`${name}: a location without artifactLocation.uri`);
        else if (/^\/|^[a-z]+:/i.test(uri)) problems.push(`${name}: location ${uri} is not relative`);
        const base = l.physicalLocation.artifactLocation.uriBaseId;
        if (base !== undefined && !(base in (run.originalUriBaseIds ?? {}))) problems.push(`${name}: uriBaseId ${base} undeclared`);
      }
      const fps = Object.entries(r.partialFingerprints ?? {});
      if (!fps.length) problems.push(`${name}: no partialFingerprints`);
      for (const [k, v] of fps) {
        const other = fingerprints.get(`${k}=${v}`);
        if (other) problems.push(`${name}: fingerprint shared with ${other}`);
        fingerprints.set(`${k}=${v}`, name);
      }
    }
  }
  return problems;
}

function assertValid(log: Json, what: string): void {
  const ok = validate(log);
  assert.ok(ok, `${what}: ${ajv.errorsText(validate.errors, { separator: '\n' })}`);
  assert.deepEqual(uploadProblems(log), [], what);
}

test('audit examples/fresh-install --format sarif: valid SARIF 2.1.0 that GitHub code scanning accepts', async () => {
  const log = await auditSarif(['examples/fresh-install']);
  assertValid(log, 'fresh-install');
  const results = log.runs[0].results;
  assert.ok(results.length > 40);
  // the multi-verdict controls the issue found merged: each verdict its own fingerprint and key
  for (const id of ['FW-05', 'FW-13']) {
    const keys = results.filter((r: Json) => r.ruleId === id).map((r: Json) => r.properties.key);
    assert.ok(keys.length >= 2, id);
    assert.equal(new Set(keys).size, keys.length, id);
  }
  // command output points into the bundle (commands/<name>) with the deciding line
  const ssh02 = results.find((r: Json) => r.ruleId === 'SSH-02');
  assert.deepEqual(ssh02.locations[0].physicalLocation, {
    artifactLocation: { uri: 'commands/sshd_-T', uriBaseId: 'NODEROOT:pve' },
    region: { startLine: 30, snippet: { text: 'passwordauthentication yes' } },
  });
  assert.equal(ssh02.properties.cluster, 'pve');
});

test('audit examples/hardened-cluster --format sarif: valid; each node its own base URI, node results name their cluster', async () => {
  const log = await auditSarif(['examples/hardened-cluster'], { config: 'examples/hardened-cluster/pvesec.yaml' });
  assertValid(log, 'hardened-cluster');
  const run = log.runs[0];
  assert.deepEqual(Object.keys(run.originalUriBaseIds).sort(), ['CLUSTERROOT:prod-cluster', 'NODEROOT:pve1', 'NODEROOT:pve2', 'NODEROOT:pve3']);
  for (const r of run.results) {
    assert.equal(r.properties.cluster, 'prod-cluster');
    const base = r.locations[0].physicalLocation.artifactLocation.uriBaseId;
    assert.equal(base, r.properties.node !== undefined ? `NODEROOT:${r.properties.node}` : 'CLUSTERROOT:prod-cluster');
  }
});

test('a run with a target that failed and the renderer fixture are valid too', async () => {
  const log = await auditSarif(['examples/fresh-install', 'examples/no-such-bundle']);
  assertValid(log, 'with a failed target');
  assert.equal(log.runs[0].invocations[0].executionSuccessful, false);
  assertValid(JSON.parse(renderSarif(fixtureReport())), 'fixture');
  const nothing = await auditSarif(['examples/no-such-bundle']);
  assertValid(nothing, 'nothing audited');
  assert.deepEqual(nothing.runs[0].results, []);
});

test('more results than GitHub accepts in a run: the most severe are kept, the cut is said', () => {
  // 26 controls, each failing on 1000 sysctl-like keys of one node: 26,000 findings
  const many: Check[] = Array.from({ length: 26 }, (_, c) => ({
    meta: {
      id: `KRN-${String(c + 10).padStart(2, '0')}`, section: 'KRN', title: `synthetic ${c}`, severity: c === 0 ? 'critical' : 'low', scope: 'node',
      rationale: '', fix: 'none', reads: ['sysctl -a'], references: [],
    },
    evaluate: () => Array.from({ length: 1000 }, (_, i) => keyed(`net.synthetic.k${i}`, fail(`k${i} = 1`, [{ source: 'sysctl -a', line: i + 1, text: `net.synthetic.k${i} = 1` }]))),
  }));
  const report = fixtureReport(many, { failedTarget: false });
  const log = JSON.parse(renderSarif(report));
  const results = log.runs[0].results;
  assert.equal(results.length, GITHUB_LIMITS.resultsPerRun);
  assert.deepEqual(uploadProblems(log), []);
  assert.equal(results.filter((r: Json) => r.properties.severity === 'critical').length, 3000, 'every critical result of the 3 nodes kept');
  const note = log.runs[0].invocations[0].toolExecutionNotifications.at(-1);
  assert.equal(note.level, 'warning');
  assert.match(note.message.text, /^53000 of 78000 results left out, the least severe/);
});
