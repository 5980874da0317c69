import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allFindings } from './model.js';
import { bundleUri, fingerprint, FINGERPRINT_ID, nodeRelativeUri, renderSarif } from './sarif.js';
import { FIXTURE_CHECKS, fixtureReport, fixtureX11 } from './testing.js';
import { keyed, warn, type Check } from '../checks/types.js';
import type { Finding } from '../core/types.js';

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

test('locations: evidence file relative to its node root with startLine; command output at commands/<name>', () => {
  const log = sarif();
  const results = log.runs[0].results;
  const x11 = results.find((x: Json) => x.ruleId === 'SSH-12');
  assert.deepEqual(x11.locations, [{ physicalLocation: { artifactLocation: { uri: 'etc/ssh/sshd_config', uriBaseId: 'NODEROOT:pve2' }, region: { startLine: 6, snippet: { text: 'X11Forwarding yes' } } } }]);
  assert.equal(x11.properties.node, 'pve2');
  assert.equal(x11.properties.cluster, 'prod', 'node results name their cluster too');
  assert.match(x11.message.text, /^pve2: waived WARN/);
  // A waiver in force is a SARIF suppression with its reason.
  assert.deepEqual(x11.suppressions, [{ kind: 'external', justification: 'X11 needed for a legacy tool' }]);
  // Command output is the pseudo-file of the bundle, at the line that decided.
  const pw = results.find((x: Json) => x.ruleId === 'SSH-02');
  assert.deepEqual(pw.locations, [{ physicalLocation: { artifactLocation: { uri: 'commands/sshd_-T', uriBaseId: 'NODEROOT:pve2' }, region: { startLine: 6, snippet: { text: 'passwordauthentication yes' } } } }]);
  assert.deepEqual(pw.properties.evidence, ['sshd -T:6: passwordauthentication yes']);
  assert.equal(nodeRelativeUri('/etc/pve/nodes/pve 1/host.fw'), 'etc/pve/nodes/pve%201/host.fw');
  // every node its own base URI id, each declared
  assert.deepEqual(Object.keys(log.runs[0].originalUriBaseIds), ['NODEROOT:pve1', 'NODEROOT:pve2']);
  for (const x of results) assert.ok(x.locations.length > 0, `${x.ruleId} has a location`);
});

test('a finding without evidence is located at the first file or command its control reads', () => {
  const report = fixtureReport();
  const f = report.clusters[0].nodeFindings[0].findings.find((x) => x.id === 'ACC-05')!;
  f.evidence = [];
  const acc = JSON.parse(renderSarif(report)).runs[0].results.find((x: Json) => x.ruleId === 'ACC-05' && x.properties.node === 'pve1');
  assert.deepEqual(acc.locations, [{ physicalLocation: { artifactLocation: { uri: 'root/.ssh/authorized_keys', uriBaseId: 'NODEROOT:pve1' } } }]);
  assert.equal(bundleUri('packet'), undefined);
  assert.equal(bundleUri('ss -tulpn'), 'commands/ss_-tulpn');
});

test('fingerprints: control, node or cluster and the finding key; not message, evidence or line', () => {
  const fp = (log: Json, id: string, node: string, key = '') =>
    log.runs[0].results.find((x: Json) => x.ruleId === id && x.properties.node === node && x.properties.key === key).partialFingerprints[FINGERPRINT_ID];
  const log = sarif();
  assert.match(fp(log, 'ACC-05', 'pve1'), /^[0-9a-f]{32}$/);
  assert.notEqual(fp(log, 'ACC-05', 'pve1'), fp(log, 'ACC-05', 'pve2'), 'differs per node');
  const report = fixtureReport();
  const pve1 = report.clusters[0].nodeFindings[0].findings.find((f) => f.id === 'ACC-05')!;
  pve1.message = 'root has 3 authorized key(s)';
  pve1.evidence = [{ source: '/etc/pve/priv/authorized_keys', line: 7, text: 'ssh-ed25519' }];
  assert.equal(fp(JSON.parse(renderSarif(report)), 'ACC-05', 'pve1'), fp(log, 'ACC-05', 'pve1'));
  // two verdicts of one control on one node: the same evidence source, told apart by their keys
  const twice: Check = { ...fixtureX11, evaluate: () => [keyed('a', warn('same', [{ source: '/etc/ssh/sshd_config', text: 'x' }])), keyed('b', warn('same', [{ source: '/etc/ssh/sshd_config', text: 'x' }]))] };
  const results = JSON.parse(renderSarif(fixtureReport([twice]))).runs[0].results;
  const fps = results.map((x: Json) => x.partialFingerprints[FINGERPRINT_ID]);
  assert.equal(results.length, 6);
  assert.equal(new Set(fps).size, 6);
  assert.equal(fingerprint({ id: 'SSH-12', node: 'pve1', key: 'a' } as Finding), fps[0]);
});

test('a target that failed makes the invocation unsuccessful, with its message', () => {
  const inv = sarif().runs[0].invocations[0];
  assert.equal(inv.executionSuccessful, false);
  assert.deepEqual(inv.toolExecutionNotifications, [{ level: 'error', message: { text: 'ssh://root@pve9: connect ECONNREFUSED 10.0.0.9:22' } }]);
});
