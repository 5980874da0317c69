/**
 * The order `pvesec rollback` talks to a node in, and what it concludes, with the node's answers scripted
 * (what a real node answers is covered by test/e2e/rollback.test.ts): the rollback is a transaction of its
 * own, verified over a new connection before it is confirmed, and undone when that fails.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TxHeader } from './node/scripts.js';
import { ExecError, type RemoteSession, type ScriptResult } from './remote.js';
import { rollbackExitCode, rollbackNode, type RollbackDeps } from './rollback-tx.js';

type Answer = Partial<ScriptResult> | 'drop';
const X = '20261206T230102Z-a1b2c3';
const TARGET_OK = `pvesec-tx rollback-target ${X} SSH-02,ACC-01\n`;

function scenario(answers: Record<string, Answer[]>, loginOk = true) {
  const log: string[] = [];
  let clock = 0;
  let header: TxHeader | undefined;
  const tx: RollbackDeps['tx'] = {
    newTxId: () => 'R1',
    beginScript: (h) => {
      header = h;
      return 'begin';
    },
    stepScript: () => 'step',
    confirmScript: () => 'confirm',
    revertScript: (_id, reason) => `revert ${reason}`,
    statusScript: () => 'status',
    rollbackCheckScript: (id, force) => `check ${id ?? 'last'} ${force}`,
    rollbackStepScript: (id, target, force) => `rbstep ${id} ${target} ${force}`,
    rollbackOutput: (stdout) => stdout.split('\n').filter((l) => l.startsWith('changed') || l.startsWith('restored')).join('\n'),
    progressLines: (stdout) => stdout.split('\n').filter((l) => l.startsWith('pvesec-tx reverted')),
    failureReason: (stdout) => /pvesec-tx (?:refused|failed) (.*)/.exec(stdout)?.[1],
    parseStatus: (stdout) => JSON.parse(stdout),
  };
  const session = (): RemoteSession => ({
    runScript: async (script: string) => {
      const name = script.split(' ')[0];
      log.push(script.split(':')[0]);
      clock += 100;
      const a = (answers[name] ?? []).shift() ?? {};
      if (a === 'drop') throw new ExecError('closed', 'connection closed');
      return { code: 0, stdout: '', stderr: '', ...a };
    },
    close: () => undefined,
    destroy: () => log.push('connection dropped'),
  }) as unknown as RemoteSession;
  const lines: string[] = [];
  const deps: RollbackDeps = {
    tx,
    open: async () => session(),
    verifyLogin: async () => {
      log.push('verify login (new connection)');
      return { name: 'root login', ok: loginOk, detail: loginOk ? 'root logs in with its key' : 'cannot log in as root: All configured authentication methods failed' };
    },
    verifyTcp: async () => ({ name: 'tcp 8006', ok: false, detail: 'no answer' }),
    progress: (l) => lines.push(l),
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
  };
  const target = { host: 'pve1', port: 22, user: 'root', input: 'ssh://root@pve1' };
  const go = (force = false) => rollbackNode(target, { force, confirmTimeoutSec: 5, origin: 'test', reconnectMs: 10_000 }, deps);
  return { log, lines, go, header: () => header };
}

test('rollback: check, arm a dead-man that spares the target from pruning, roll back, verify over a new connection, confirm', async () => {
  const s = scenario({ check: [{ stdout: TARGET_OK }], rbstep: [{ stdout: 'restored /etc/ssh/sshd_config.d/00-pvesec.conf\n' }] });
  const o = await s.go();
  assert.deepEqual(o, { status: 'rolled-back', target: X, txId: 'R1' });
  assert.equal(rollbackExitCode(o), 0);
  assert.deepEqual(s.log, ['check last false', 'begin', `rbstep R1 ${X} false`, 'verify login (new connection)', 'confirm']);
  assert.deepEqual(s.header()?.keep, [X]);
  assert.deepEqual(s.header()?.controls, ['SSH-02', 'ACC-01']);
  assert.equal(s.header()?.timeoutSec, 5);
  assert.ok(s.lines.includes('restored /etc/ssh/sshd_config.d/00-pvesec.conf'), s.lines.join('\n'));
});

test('rollback: a refused check (a file changed since) arms nothing', async () => {
  const s = scenario({ check: [{ code: 3, stdout: 'changed /etc/shadow\npvesec-tx refused 1 files changed since transaction X was confirmed\n' }] });
  const o = await s.go();
  assert.deepEqual(o, { status: 'refused', reason: '1 files changed since transaction X was confirmed' });
  assert.equal(rollbackExitCode(o), 1);
  assert.deepEqual(s.log, ['check last false']);
  assert.deepEqual(s.lines, ['changed /etc/shadow']);
});

test('rollback: a failed verification reverts the rollback at once over the live session', async () => {
  const s = scenario({ check: [{ stdout: TARGET_OK }], revert: [{ stdout: 'pvesec-tx reverted R1\n' }] }, false);
  const o = await s.go(true);
  assert.equal(o.status, 'reverted');
  assert.ok(o.status === 'reverted' && !o.deadMan && /verification failed: root login: cannot log in as root/.test(o.reason), JSON.stringify(o));
  assert.deepEqual(s.log, ['check last true', 'begin', `rbstep R1 ${X} true`, 'verify login (new connection)', 'revert verification failed']);
  assert.equal(rollbackExitCode(o), 1);
});

test('rollback: when the live revert cannot run (the login was removed) or the connection drops, the node\'s own deadline undoes it', async () => {
  const status = JSON.stringify({ state: 'reverted', files: [{ path: '/etc/passwd', is: 'pre' }] });
  const noRevert = scenario({ check: [{ stdout: TARGET_OK }], revert: [{ code: 1, stderr: 'sudo: you do not exist in the passwd database' }], status: [{ stdout: status }] }, false);
  const a = await noRevert.go();
  assert.ok(a.status === 'reverted' && a.deadMan && /live revert could not run \(sudo: you do not exist/.test(a.reason), JSON.stringify(a));
  assert.deepEqual(noRevert.log.slice(-3), ['revert verification failed', 'connection dropped', 'status']);

  const dropped = scenario({ check: [{ stdout: TARGET_OK }], rbstep: ['drop'], status: [{ stdout: JSON.stringify({ state: 'armed', files: [] }) }, { stdout: status }] });
  const b = await dropped.go();
  assert.ok(b.status === 'reverted' && b.deadMan, JSON.stringify(b));
  assert.deepEqual(dropped.log, ['check last false', 'begin', `rbstep R1 ${X} false`, 'connection dropped', 'status', 'status']);

  const notBack = scenario({ check: [{ stdout: TARGET_OK }], rbstep: ['drop'], status: [{ stdout: JSON.stringify({ state: 'reverted', files: [{ path: '/etc/passwd', is: 'other' }] }) }] });
  const c = await notBack.go();
  assert.ok(c.status === 'error' && /did not undo the rollback: reverted, \/etc\/passwd is other/.test(c.reason), JSON.stringify(c));
  assert.equal(rollbackExitCode(c), 2);
});
