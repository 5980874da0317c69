import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STATUSES } from '../core/types.js';
import { filterReport } from './filter.js';
import { AUDIT_SCHEMA_ID, renderJson, type JsonReport } from './json.js';
import { fixtureReport } from './testing.js';
import { renderTerminal } from './terminal.js';

const parse = (s: string) => JSON.parse(s) as JsonReport;

test('pvesec.audit/v1 document with the contract keys in order', () => {
  const doc = parse(renderJson(fixtureReport()));
  assert.deepEqual(Object.keys(doc), ['schema', 'tool', 'generatedAt', 'targets', 'clusters', 'findings', 'summary']);
  assert.equal(doc.schema, AUDIT_SCHEMA_ID);
  assert.deepEqual(doc.tool, { name: 'pvesec', version: '0.1.0' });
  assert.equal(doc.generatedAt, '2026-11-25T12:00:00.000Z');
  assert.deepEqual(doc.targets[0], { target: 'ssh://root@pve1', status: 'ok', node: 'pve1', cluster: 'prod', privilege: 'root' });
  assert.deepEqual(doc.targets[2], { target: 'ssh://root@pve9', status: 'error', error: 'ssh://root@pve9: connect ECONNREFUSED 10.0.0.9:22' });
  assert.deepEqual(doc.clusters, [
    { name: 'prod', clustered: true, nodes: ['pve1', 'pve2'], score: 64 },
    { name: 'lab1', clustered: false, nodes: ['lab1'], score: 100 },
  ]);
  assert.deepEqual(Object.keys(doc.summary), ['PASS', 'FAIL', 'WARN', 'SKIP', 'NOTICE', 'INFO', 'total', 'score']);
});

test('findings: node findings carry node and cluster, cluster findings only the cluster; waiver kept', () => {
  const doc = parse(renderJson(fixtureReport()));
  const fw = doc.findings.find((f) => f.id === 'FW-01' && f.cluster === 'prod')!;
  assert.equal(fw.node, undefined);
  assert.deepEqual(fw.evidence, [{ source: '/etc/pve/firewall/cluster.fw', line: 3, text: 'enable: 1' }]);
  const ssh = doc.findings.find((f) => f.id === 'SSH-02' && f.node === 'pve2')!;
  assert.deepEqual(Object.keys(ssh), ['id', 'status', 'severity', 'title', 'message', 'key', 'evidence', 'node', 'cluster']);
  assert.equal(ssh.key, '', 'a control\'s only verdict');
  assert.equal(ssh.cluster, 'prod');
  assert.equal(ssh.status, 'FAIL');
  const waived = doc.findings.find((f) => f.id === 'SSH-12' && f.node === 'pve2')!;
  assert.deepEqual(waived.waiver, { reason: 'X11 needed for a legacy tool', expires: '2027-03-31', expired: false });
  assert.equal(waived.status, 'NOTICE');
  const skipped = doc.findings.find((f) => f.id === 'AUD-04' && f.node === 'lab1')!;
  assert.deepEqual(skipped.evidence, []);
});

test('summary counts match the findings array, with and without --only', () => {
  for (const only of [undefined, ['FAIL' as const], ['PASS' as const, 'SKIP' as const]]) {
    const doc = parse(renderJson(filterReport(fixtureReport(), only)));
    for (const s of STATUSES) assert.equal(doc.summary[s], doc.findings.filter((f) => f.status === s).length);
    assert.equal(doc.summary.total, doc.findings.length);
    assert.equal(doc.summary.score, 67);
  }
  assert.equal(parse(renderJson(filterReport(fixtureReport(), ['FAIL']))).findings.length, 1);
});

test('output is stable: same audit, same bytes; control characters stay escaped JSON', () => {
  const a = renderJson(fixtureReport());
  assert.equal(a, renderJson(fixtureReport()));
  assert.ok(a.includes('\\u001b[2J') && !a.includes('\x1b'));
});

test('every finding has its key, unique per control and node or cluster; every evidence item has a text', () => {
  const report = fixtureReport();
  // a check that leaves out an evidence text still gets one ("")
  report.clusters[0].nodeFindings[0].findings.find((f) => f.id === 'ACC-05')!.evidence[0].text = undefined;
  const doc = parse(renderJson(report));
  const krn = doc.findings.filter((f) => f.id === 'KRN-03' && f.node === 'pve1');
  assert.equal(krn.length, 1);
  const seen = new Set<string>();
  for (const f of doc.findings) {
    assert.equal(typeof f.key, 'string', f.id);
    const id = `${f.id} ${f.node ?? f.cluster} ${f.key}`;
    assert.ok(!seen.has(id), id);
    seen.add(id);
    for (const e of f.evidence) assert.equal(typeof e.text, 'string', `${f.id}: ${JSON.stringify(e)}`);
  }
});

test('one order for every format: the text report\'s (block by block, within a block by section)', () => {
  const report = fixtureReport();
  const doc = parse(renderJson(report));
  const text = renderTerminal(report, { color: false });
  const fromText = [...text.matchAll(/^(?:PASS|FAIL|WARN|SKIP|NOTICE|INFO): (\S+)/gm)].map((m) => m[1]);
  assert.deepEqual(doc.findings.map((f) => f.id), fromText);
  // lab1 is standalone: its cluster-wide FW-01 comes in catalogue order between node controls, not first
  assert.deepEqual(doc.findings.filter((f) => f.cluster === 'lab1').map((f) => f.id), ['ACC-05', 'SSH-02', 'SSH-12', 'FW-01', 'KRN-03', 'AUD-04']);
});

test('nothing audited: score null, not 100', () => {
  const report = fixtureReport();
  const nothing = { ...report, targets: report.targets.filter((t) => t.status === 'error'), clusters: [], score: null };
  const doc = parse(renderJson(nothing));
  assert.equal(doc.summary.score, null);
  assert.equal(doc.summary.total, 0);
});
