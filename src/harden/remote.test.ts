/**
 * statusAfterDeadline: the wait-reconnect-poll loop apply and rollback share once their connection is lost.
 * The node's answers are scripted (a real node's are covered by test/e2e/apply.test.ts and rollback.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { notBackToPre, statusAfterDeadline, type DeadlineWatch, type RemoteSession, type TxStatus } from './remote.js';

type Attempt = 'unreachable' | { code: number; stdout?: string; stderr?: string };

function watch(attempts: Attempt[], deadline = 5000) {
  let clock = 0;
  const log: string[] = [];
  const w: DeadlineWatch = {
    target: { host: 'pve1', port: 22, user: 'root', input: 'ssh://root@pve1' },
    open: async () => {
      const a = attempts.shift() ?? 'unreachable';
      log.push(`open@${clock}`);
      if (a === 'unreachable') throw new Error('pve1:22: connection refused\nmore');
      return {
        runScript: async (script: string) => (log.push(script), { code: a.code, stdout: a.stdout ?? '', stderr: a.stderr ?? '' }),
        close: () => log.push('close'),
      } as unknown as RemoteSession;
    },
    statusScript: 'status T1',
    parseStatus: (stdout) => JSON.parse(stdout) as TxStatus,
    deadline,
    reconnectMs: 10_000,
    onWait: (sec) => log.push(`wait ${sec} s`),
    now: () => clock,
    sleep: async (ms) => void (clock += ms),
  };
  return { w, log, clock: () => clock };
}

const st = (state: string, ...files: [string, 'pre' | 'post' | 'other'][]) => JSON.stringify({ state, files: files.map(([path, is]) => ({ path, is })) });

test('waits out the deadline plus grace, then polls over new connections until the node settles', async () => {
  const s = watch(['unreachable', { code: 0, stdout: st('armed') }, { code: 0, stdout: st('reverted', ['/etc/a', 'pre']) }]);
  const r = await statusAfterDeadline(s.w);
  assert.deepEqual(r, { status: { state: 'reverted', files: [{ path: '/etc/a', is: 'pre' }] } });
  assert.deepEqual(s.log, ['wait 8 s', 'open@8000', 'open@10000', 'status T1', 'close', 'open@12000', 'status T1', 'close']);
});

test('no status within reconnectMs: the last problem, on one line', async () => {
  const s = watch([]);
  const r = await statusAfterDeadline(s.w);
  assert.deepEqual(r, { status: undefined, problem: 'pve1:22: connection refused' });
  assert.equal(s.clock(), 8000 + 10_000);
});

test('a status script that fails is a problem, and the last status read is kept when the node never settles', async () => {
  const failing = watch(Array.from({ length: 9 }, () => ({ code: 2, stderr: 'sh: oops\n' })));
  assert.deepEqual(await statusAfterDeadline(failing.w), { status: undefined, problem: 'status exit 2: sh: oops' });
  const stuck = watch([{ code: 0, stdout: st('armed', ['/etc/a', 'post']) }, { code: 2 }]);
  assert.deepEqual(await statusAfterDeadline(stuck.w), { status: { state: 'armed', files: [{ path: '/etc/a', is: 'post' }] } });
});

test('a deadline already past is not waited for again', async () => {
  const s = watch([{ code: 0, stdout: st('confirmed') }], -10_000);
  assert.deepEqual(await statusAfterDeadline(s.w), { status: { state: 'confirmed', files: [] } });
  assert.deepEqual(s.log.slice(0, 2), ['wait 0 s', 'open@0']);
});

test('notBackToPre names what is not back', () => {
  assert.equal(notBackToPre({ state: 'reverted', files: [{ path: '/etc/a', is: 'pre' }] }), undefined);
  assert.equal(notBackToPre({ state: 'reverted', files: [{ path: '/etc/a', is: 'other' }] }), 'reverted, /etc/a is other');
  assert.equal(notBackToPre({ state: 'revert-failed', files: [] }), 'revert-failed');
});
