import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { planSummary, runApply } from './apply.js';
import { renderHistory } from './history.js';
import { fixtureCollector, recordingIO } from './testing.js';
import { PLAN_SCHEMA, type Plan } from '../harden/plan-types.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pvesec-apply-cmd-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const plan: Plan = {
  schema: PLAN_SCHEMA,
  createdAt: '2026-12-06T23:00:00.000Z',
  pvesecVersion: '0.1.0',
  configDigest: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  nodes: [{
    node: 'pve1',
    target: 'ssh://root@pve1',
    ops: [
      { id: 'write:/etc/ssh/sshd_config.d/00-pvesec.conf', kind: 'write-file', phase: 'restrict', controls: ['SSH-02'], cutsAccess: true, summary: 'sshd drop-in: password auth off',
        path: '/etc/ssh/sshd_config.d/00-pvesec.conf', content: 'PasswordAuthentication no\n', mode: 0o644, owner: 'root', group: 'root' },
      { id: 'service:ssh', kind: 'service', phase: 'restrict', controls: ['SSH-02'], cutsAccess: true, summary: 'reload ssh', unit: 'ssh', action: 'reload' },
    ],
    fileDigests: { '/etc/ssh/sshd_config.d/00-pvesec.conf': null },
    fixes: ['SSH-02'],
    manual: [],
  }],
};

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

test('a plan file that is not a valid plan: one line naming the file, exit 2, nothing contacted', async () => {
  const config = write('none.yaml', '{}\n');
  for (const [name, text, why] of [
    ['bad.json', '{"schema": "pvesec.plan/v1", ', /bad\.json: not JSON/],
    ['audit.json', '{"schema": "pvesec.audit/v1"}', /audit\.json: schema "pvesec\.audit\/v1" is not pvesec\.plan\/v1/],
    ['partial.json', JSON.stringify({ ...plan, nodes: [{ node: 'pve1', target: 'ssh://root@pve1', ops: [] }] }), /partial\.json: nodes\[0\]\.fileDigests: /],
  ] as const) {
    const io = recordingIO();
    const code = await runApply([write(name, text)], { yes: true, config }, io, { collect: async () => assert.fail('nothing is collected') });
    assert.equal(code, 2);
    assert.equal(io.stderr.length, 1, io.stderr.join('\n'));
    assert.match(io.stderr[0], why);
  }
});

test('apply TARGET... plans first: a target that cannot be collected stops it (exit 2), with its error', async () => {
  const io = recordingIO();
  const code = await runApply(['ssh://root@pve9'], { yes: true, config: write('none2.yaml', '{}\n') }, io, { collect: fixtureCollector });
  assert.equal(code, 2);
  assert.match(io.stderr.join('\n'), /pve9/);
  assert.equal(io.stdout, '');
});

test('the question shows each operation by phase and marks what can cut access', () => {
  assert.equal(planSummary(plan), [
    'pve1 (ssh://root@pve1): 2 operation(s), fixes SSH-02',
    '  [restrict] sshd drop-in: password auth off  (can cut access)',
    '  [restrict] reload ssh  (can cut access)',
    '',
  ].join('\n'));
});

test('usage: no terminal to ask on without --yes; --control only when planning; a bad timeout', async () => {
  const file = write('plan2.json', JSON.stringify(plan));
  await assert.rejects(runApply([file], {}, recordingIO(), { ask: undefined }), /stdin is not a terminal to ask on; give --yes/);
  await assert.rejects(runApply([file], { yes: true, control: 'SSH-*' }, recordingIO()), /a plan\.json is applied as planned/);
  await assert.rejects(runApply([file], { yes: true, confirmTimeout: '0' }, recordingIO()), /--confirm-timeout: "0" is not a positive whole number/);
  await assert.rejects(runApply([], { yes: true }, recordingIO()), /give a plan\.json/);
});

test('an answer other than yes changes nothing (exit 2); a plan without operations needs no question', async () => {
  const file = write('plan3.json', JSON.stringify(plan));
  const io = recordingIO();
  const asked: string[] = [];
  const code = await runApply([file], { config: write('empty.yaml', '{}\n') }, io, { ask: async (q) => (asked.push(q), 'n') });
  assert.equal(code, 2);
  assert.deepEqual(asked, ['Apply these changes to 1 node(s)? [y/N] ']);
  assert.match(io.stdout, /\[restrict\] reload ssh/);
  assert.deepEqual(io.stderr, ['pvesec: apply: not confirmed, nothing changed']);

  const empty = write('empty-plan.json', JSON.stringify({ ...plan, nodes: [{ ...plan.nodes[0], ops: [], fixes: [] }] }));
  const io2 = recordingIO();
  assert.equal(await runApply([empty], { config: path.join(dir, 'empty.yaml') }, io2, { ask: async () => assert.fail('no question') }), 0);
  assert.equal(io2.stdout, 'nothing to change\n');

  // a control whose remedy was refused is named with its reason: an apply never looks like success on it
  const refused = write('refused-plan.json', JSON.stringify({ ...plan, nodes: [{ ...plan.nodes[0], ops: [], fixes: [],
    manual: [{ id: 'PVE-15', status: 'FAIL', reason: 'ACL convergence refused: no user besides root@pam would keep Permissions.Modify on /', fix: 'edit access-matrix.yaml' }] }] }));
  const io3 = recordingIO();
  assert.equal(await runApply([refused], { config: path.join(dir, 'empty.yaml') }, io3, { ask: async () => assert.fail('no question') }), 0);
  assert.equal(io3.stdout, `nothing to change automatically; 1 control left for a human (pvesec plan shows the fixes):\n  ${plan.nodes[0].node}: PVE-15 FAIL: ACL convergence refused: no user besides root@pam would keep Permissions.Modify on /\n`);
});

test('history: one line per transaction with its state, controls, files and why it was reverted', () => {
  assert.equal(renderHistory([]), 'no pvesec transactions on this node\n');
  assert.equal(renderHistory([], { pruned: 3, retained: 20 }), 'no pvesec transactions on this node\n3 older finished transaction(s) pruned (the node keeps the newest 20)\n');
  assert.equal(renderHistory([
    { id: '20261206T230102Z-a1b2c3', time: '2026-12-06T23:01:02.000Z', controls: ['SSH-02', 'SSH-03'], files: ['/etc/ssh/sshd_config.d/00-pvesec.conf'], state: 'confirmed' },
    { id: '20261206T231500Z-d4e5f6', time: '2026-12-06T23:15:00.000Z', controls: ['ACC-01'], files: [], state: 'reverted', reason: 'the confirmation deadline passed' },
  ]), [
    '20261206T230102Z-a1b2c3  2026-12-06T23:01:02.000Z  confirmed     SSH-02,SSH-03  1 file(s): /etc/ssh/sshd_config.d/00-pvesec.conf',
    '20261206T231500Z-d4e5f6  2026-12-06T23:15:00.000Z  reverted      ACC-01  0 file(s)  (the confirmation deadline passed)',
    '',
  ].join('\n'));
});
