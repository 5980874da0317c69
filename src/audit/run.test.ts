import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memorySnapshot } from '../collect/memory.js';
import { DEFAULT_CONFIG } from '../config/schema.js';
import { groupClusters, MAX_FINDINGS_PER_CHECK, runChecks, uniqueKeys } from './run.js';
import { fail, keyed, type Check } from '../checks/types.js';
import { nodeFact, clusterFact, Unavailable } from '../model/fact.js';
import type { ControlMeta } from '../core/types.js';

const meta = (id: string, scope: 'node' | 'cluster'): ControlMeta => ({
  id, section: 'SSH', title: 't', severity: 'high', scope, rationale: 'r', fix: 'f', reads: [], references: [],
});
const corosync = (name: string) => `totem {\n  cluster_name: ${name}\n  version: 2\n}\nnodelist {\n  node {\n    name: a\n    ring0_addr: 10.0.0.1\n  }\n}\n`;

test('nodes sharing a corosync cluster name form one cluster; standalone nodes stay alone', () => {
  const snaps = [
    memorySnapshot({ target: 'x', files: { '/etc/hostname': 'pve1\n', '/etc/pve/corosync.conf': corosync('lab') } }),
    memorySnapshot({ target: 'y', files: { '/etc/hostname': 'pve2.example.com\n', '/etc/pve/corosync.conf': corosync('lab') } }),
    memorySnapshot({ target: 'z', files: { '/etc/hostname': 'solo\n' } }),
  ];
  const clusters = groupClusters(snaps);
  assert.deepEqual(clusters.map((c) => [c.name, c.clustered, c.nodes.map((n) => n.name)]), [
    ['lab', true, ['pve1', 'pve2']],
    ['solo', false, ['solo']],
  ]);
});

test('cluster facts are derived once per cluster, node facts once per node', () => {
  let clusterCalls = 0;
  let nodeCalls = 0;
  const cf = clusterFact('t.cluster', () => ++clusterCalls);
  const nf = nodeFact('t.node', (ctx) => (++nodeCalls, ctx.node.name));
  const check: Check = { meta: meta('SSH-98', 'node'), evaluate: (ctx) => fail(`${ctx.get(cf)} ${ctx.get(nf)} ${ctx.get(nf)}`) };
  const snaps = ['a', 'b', 'c'].map((h) => memorySnapshot({ files: { '/etc/hostname': h, '/etc/pve/corosync.conf': corosync('lab') } }));
  const [res] = runChecks(groupClusters(snaps), [check], DEFAULT_CONFIG);
  assert.equal(clusterCalls, 1);
  assert.equal(nodeCalls, 3);
  assert.deepEqual(res.nodeFindings.map((n) => n.findings[0].message), ['1 a a', '1 b b', '1 c c']);
});

test('missing data becomes SKIP with the reason; a crashing check is SKIP, not PASS', () => {
  const needs: Check = { meta: meta('SSH-97', 'node'), evaluate: (ctx) => fail(ctx.requireFile('/etc/ssh/sshd_config')) };
  const crashes: Check = { meta: meta('SSH-96', 'cluster'), evaluate: () => { throw new TypeError('boom'); } };
  const unavailable: Check = { meta: meta('SSH-95', 'node'), evaluate: () => { throw new Unavailable('engine not ready'); } };
  const [res] = runChecks(groupClusters([memorySnapshot({ target: 'b.tar.gz' })]), [needs, crashes, unavailable], DEFAULT_CONFIG);
  const all = [...res.findings, ...res.nodeFindings[0].findings];
  assert.deepEqual(all.map((f) => [f.id, f.status]), [['SSH-96', 'SKIP'], ['SSH-97', 'SKIP'], ['SSH-95', 'SKIP']]);
  assert.match(all[1].message, /\/etc\/ssh\/sshd_config is not in the bundle/);
  assert.match(all[0].message, /check failed: boom/);
  assert.equal(all[2].message, 'engine not ready');
});

test('waivers apply by id and node until they expire, and an expired waiver says so', () => {
  const check: Check = { meta: meta('SSH-06', 'node'), evaluate: () => fail('no AllowUsers') };
  const snaps = ['pve1', 'pve2'].map((h) => memorySnapshot({ files: { '/etc/hostname': h } }));
  const run = (now: string, waivers: typeof DEFAULT_CONFIG.waivers) =>
    runChecks(groupClusters(snaps), [check], { ...DEFAULT_CONFIG, waivers }, new Date(now)).flatMap((r) => r.nodeFindings.flatMap((n) => n.findings));
  const w = [{ id: 'SSH-06', node: 'pve1', reason: 'rollout', expires: '2026-12-01' }];
  const before = run('2026-12-01T23:00:00Z', w);
  assert.deepEqual(before.map((f) => f.status), ['NOTICE', 'FAIL']);
  assert.match(before[0].message, /^waived FAIL until 2026-12-01 \(rollout\): no AllowUsers/);
  const after = run('2026-12-02T00:00:01Z', w);
  assert.deepEqual(after.map((f) => f.status), ['FAIL', 'FAIL']);
  assert.match(after[0].message, /waiver expired on 2026-12-01/);
  assert.equal(after[0].waiver?.expired, true);
  assert.deepEqual(run('2026-12-01T00:00:00Z', [{ id: 'SSH-*', reason: 'all' }] as never).map((f) => f.status), ['NOTICE', 'NOTICE']);
});

test('a control lists at most MAX_FINDINGS_PER_CHECK findings: the worst first, the rest counted in one of their worst status', () => {
  const n = MAX_FINDINGS_PER_CHECK * 3;
  const check: Check = {
    meta: meta('FW-98', 'cluster'),
    evaluate: () => Array.from({ length: n }, (_, i) => (i === n - 1 ? fail(`bad ${i}`) : { status: i % 2 ? 'WARN' : 'INFO', message: `line ${i}` })),
  };
  const [res] = runChecks(groupClusters([memorySnapshot({ files: { '/etc/hostname': 'pve1\n' } })]), [check], DEFAULT_CONFIG);
  const f = res.findings;
  assert.equal(f.length, MAX_FINDINGS_PER_CHECK);
  assert.equal(f[0].status, 'WARN');
  assert.equal(f[0].message, 'line 1');
  assert.equal(f[MAX_FINDINGS_PER_CHECK - 2].status, 'FAIL', 'the one FAIL is kept, after the WARNs in input order');
  const last = f[MAX_FINDINGS_PER_CHECK - 1];
  assert.equal(last.status, 'WARN');
  assert.equal(last.message, `${n - MAX_FINDINGS_PER_CHECK + 1} more findings not listed (${n / 2 - MAX_FINDINGS_PER_CHECK + 1} WARN, ${n / 2} INFO): a control lists at most ${MAX_FINDINGS_PER_CHECK} per node or cluster`);
});

test('findings carry their verdict key ("" for a single one), made unique; every evidence item gets a text', () => {
  const snap = memorySnapshot({ target: 'x', files: { '/etc/hostname': 'pve1\n' } });
  const checks: Check[] = [
    { meta: meta('SSH-90', 'node'), evaluate: () => fail('one', [{ source: 'sshd -T' }]) },
    { meta: meta('SSH-91', 'node'), evaluate: () => [keyed('a', fail('x')), keyed('b', fail('y')), keyed('a', fail('z')), fail('w'), fail('v')] },
  ];
  const [r] = runChecks(groupClusters([snap]), checks, DEFAULT_CONFIG);
  const findings = r.nodeFindings[0].findings;
  assert.deepEqual(findings.map((f) => `${f.id} ${f.key}`), ['SSH-90 ', 'SSH-91 a', 'SSH-91 b', 'SSH-91 a #2', 'SSH-91 ', 'SSH-91 #2']);
  assert.deepEqual(findings[0].evidence, [{ source: 'sshd -T', text: '' }]);
  assert.deepEqual(uniqueKeys(['x', 'x', 'x', '']), ['x', 'x #2', 'x #3', '']);
});
