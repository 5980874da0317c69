import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allFindings } from './model.js';
import { nodeRelativeUri, renderSarif } from './sarif.js';
import { FIXTURE_CHECKS, fixtureReport } from './testing.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const sarif = (): Json => JSON.parse(renderSarif(fixtureReport()));

test('SARIF 2.1.0 log with one rule per control, with help text', () => {
  const log = sarif();
  assert.equal(log.version, '2.1.0');
  assert.match(log.$schema, /sarif-2\.1\.0/);
  assert.equal(log.runs.length, 1);
  const rules = log.runs[0].tool.driver.rules;
  assert.deepEqual(rules.map((r: Json) => r.id), FIXTURE_CHECKS.map((c) => c.meta.id));
  const r = rules.find((x: Json) => x.id === 'SSH-02');
  assert.equal(r.shortDescription.text, 'Password authentication is disabled');
  assert.match(r.help.text, /PasswordAuthentication no/);
  assert.equal(r.defaultConfiguration.level, 'error');
  assert.equal(r.helpUri, 'https://pve.proxmox.com/pve-docs/pve-admin-guide.html');
  assert.equal(r.properties['security-severity'], '9.5');
});

test('results: FAIL error, WARN warning, NOTICE note; PASS, SKIP, INFO left out', () => {
  const log = sarif();
  const results = log.runs[0].results;
  const expected = allFindings(fixtureReport()).filter((f) => ['FAIL', 'WARN', 'NOTICE'].includes(f.status));
  assert.equal(results.length, expected.length);
  assert.deepEqual(results.map((x: Json) => `${x.level} ${x.ruleId} ${x.properties.node ?? x.properties.cluster}`), [
    'note ACC-05 pve1', 'warning KRN-03 pve1', 'note ACC-05 pve2', 'error SSH-02 pve2', 'note SSH-12 pve2',
  ]);
  for (const x of results) assert.equal(log.runs[0].tool.driver.rules[x.ruleIndex].id, x.ruleId);
});

test('locations: evidence file relative to the node root with startLine; node in properties', () => {
  const results = sarif().runs[0].results;
  const x11 = results.find((x: Json) => x.ruleId === 'SSH-12');
  assert.deepEqual(x11.locations, [{ physicalLocation: { artifactLocation: { uri: 'etc/ssh/sshd_config', uriBaseId: 'NODEROOT' }, region: { startLine: 6, snippet: { text: 'X11Forwarding yes' } } } }]);
  assert.equal(x11.properties.node, 'pve2');
  assert.match(x11.message.text, /^pve2: waived WARN/);
  // A waiver in force is a SARIF suppression with its reason.
  assert.deepEqual(x11.suppressions, [{ kind: 'external', justification: 'X11 needed for a legacy tool' }]);
  // Command output is no file: no location, but the evidence is in the properties.
  const pw = results.find((x: Json) => x.ruleId === 'SSH-02');
  assert.equal(pw.locations, undefined);
  assert.deepEqual(pw.properties.evidence, ['sshd -T:6: passwordauthentication yes']);
  assert.equal(nodeRelativeUri('/etc/pve/nodes/pve 1/host.fw'), 'etc/pve/nodes/pve%201/host.fw');
});

test('fingerprints identify the problem by control, node and evidence source, not by value', () => {
  const results = sarif().runs[0].results;
  const fp = (id: string, node: string) => results.find((x: Json) => x.ruleId === id && x.properties.node === node).partialFingerprints['pvesecFinding/v1'];
  assert.match(fp('ACC-05', 'pve1'), /^[0-9a-f]{32}$/);
  assert.equal(fp('ACC-05', 'pve1') === fp('ACC-05', 'pve2'), false, 'differs per node');
  const report = fixtureReport();
  const pve1 = report.clusters[0].nodeFindings[0].findings.find((f) => f.id === 'ACC-05')!;
  pve1.message = 'root has 3 authorized key(s)';
  pve1.evidence[0].line = 7;
  const again = JSON.parse(renderSarif(report)).runs[0].results.find((x: Json) => x.ruleId === 'ACC-05' && x.properties.node === 'pve1');
  assert.equal(again.partialFingerprints['pvesecFinding/v1'], fp('ACC-05', 'pve1'));
});

test('a target that failed makes the invocation unsuccessful, with its message', () => {
  const inv = sarif().runs[0].invocations[0];
  assert.equal(inv.executionSuccessful, false);
  assert.deepEqual(inv.toolExecutionNotifications, [{ level: 'error', message: { text: 'ssh://root@pve9: connect ECONNREFUSED 10.0.0.9:22' } }]);
});
