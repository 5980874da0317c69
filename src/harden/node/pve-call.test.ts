import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Op, PveCallOp } from '../ops.js';
import { PRELUDE } from './prelude.js';
import { revertProgram } from './revert.js';
import { compileOps, STEP_FUNCTIONS } from './step.js';
import { rollbackStepScript, stepScript, TxInputError } from './scripts.js';
import { nodeTxRuntime } from '../apply-tx.js';

// A pve-call runs pveum/pvesh on the node; the node journals its inverse calls before it, and a revert runs
// them in reverse order. Here a fake pveum on PATH records each call (and fails when asked to), so the
// compiled step and the revert's own shell code run for real in a temporary transaction directory.

const ID = '20261206T230102Z-a1b2c3';
const call = (id: string, argv: string[], inverse: string[][], extra: Partial<PveCallOp> = {}): Op =>
  ({ kind: 'pve-call', id, controls: ['PVE-15'], cutsAccess: false, summary: 't', argv, inverse, ...extra });

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function txDir(): { T: string; bin: string; log: string } {
  const root = mkdtempSync(join(tmpdir(), 'pvesec-pvecall-'));
  dirs.push(root);
  const T = join(root, 'tx');
  const bin = join(root, 'bin');
  mkdirSync(join(T, 'files'), { recursive: true });
  mkdirSync(bin);
  writeFileSync(join(T, 'journal'), '');
  const log = join(root, 'calls');
  // fails when its arguments contain FAIL; prints a token-like secret for `user token add`
  writeFileSync(join(bin, 'pveum'), `#!/bin/sh\nprintf '%s\\n' "$*" >> ${log}\ncase "$*" in *FAIL*) echo "bad call" >&2; exit 255 ;; esac\ncase "$*" in "user token add"*) echo '{"value":"5ec2e7-s3cr3t"}' ;; esac\nexit 0\n`);
  chmodSync(join(bin, 'pveum'), 0o755);
  return { T, bin, log };
}

/** Runs the compiled step of ops with the runtime's own functions; an abort prints ABORT instead of reverting. */
function step(ops: Op[], env: { T: string; bin: string }) {
  const { pre, apply } = compileOps(ops);
  const code = `${PRELUDE}PATH=${env.bin}:$PATH\nT=${env.T}\n${STEP_FUNCTIONS}after_abort() { echo "ABORT $1 $2"; exit "$1"; }\n${pre}\n${apply}\n`;
  const r = spawnSync('dash', ['-c', code]);
  return { status: r.status, out: r.stdout.toString(), err: r.stderr.toString() };
}

/** Runs the revert's restore part (live or boot) against the same transaction directory. */
function revert(env: { T: string; bin: string }, mode: 'live' | 'boot') {
  const body = revertProgram(ID);
  const fns = body.slice(body.indexOf('attrs_of() {'), body.indexOf('units_up() {'));
  const code = `${PRELUDE}PATH=${env.bin}:$PATH\nT=${env.T}\nID=${ID}\nmode=${mode}\n${fns}\nrestore_paths\n`;
  const r = spawnSync('dash', ['-c', code]);
  return { status: r.status, out: r.stdout.toString(), err: r.stderr.toString() };
}

const calls = (log: string) => readFileSync(log, 'utf8').trim().split('\n');

describe('pve-call operations', () => {
  it('runs the call after journaling its inverse; a revert runs the inverses newest first', () => {
    const env = txDir();
    const r = step([
      call('acl:1', ['pveum', 'acl', 'modify', '/vms', '--roles', 'PVEAuditor', '--users', 'bob@pve', '--propagate', '1'],
        [['pveum', 'acl', 'delete', '/vms', '--roles', 'PVEAuditor', '--users', 'bob@pve']]),
      call('acl:2', ['pveum', 'acl', 'delete', '/', '--roles', 'Administrator', '--groups', 'ops'],
        [['pveum', 'acl', 'modify', '/', '--roles', 'Administrator', '--groups', 'ops', '--propagate', '1']]),
    ], env);
    assert.equal(r.status, 0, r.out + r.err);
    assert.match(r.out, /pvesec-tx pve pveum acl modify \/vms/);
    const journal = readFileSync(join(env.T, 'journal'), 'utf8');
    assert.match(journal, /^pve 1 [0-9a-f]{64} \.\npve 2 [0-9a-f]{64} \.\n$/);
    assert.deepEqual(calls(env.log), ['acl modify /vms --roles PVEAuditor --users bob@pve --propagate 1', 'acl delete / --roles Administrator --groups ops']);

    const v = revert(env, 'live');
    assert.equal(v.status, 0, v.out + v.err);
    assert.deepEqual(calls(env.log).slice(2), ['acl modify / --roles Administrator --groups ops --propagate 1', 'acl delete /vms --roles PVEAuditor --users bob@pve']);
    assert.match(v.out, /undone Proxmox call 2\n.*undone Proxmox call 1/s);
  });

  it('a failing call aborts with exit 4, and the revert does not undo the call that never happened', () => {
    const env = txDir();
    const r = step([
      call('acl:1', ['pveum', 'acl', 'modify', '/', '--roles', 'PVEAuditor', '--users', 'a@pve'], [['pveum', 'acl', 'delete', '/', '--roles', 'PVEAuditor', '--users', 'a@pve']]),
      call('acl:2', ['pveum', 'acl', 'modify', '/', '--roles', 'FAIL', '--users', 'b@pve'], [['pveum', 'acl', 'delete', '/', '--roles', 'FAIL-UNDO', '--users', 'b@pve']]),
    ], env);
    assert.equal(r.status, 4);
    assert.match(r.out, /pvesec-tx failed acl:2 pveum acl modify \/ --roles FAIL --users b@pve exited 255: bad call/);
    assert.match(readFileSync(join(env.T, 'journal'), 'utf8'), /pvefailed 2 \.\n$/);
    const v = revert(env, 'live');
    assert.equal(v.status, 0, v.out + v.err);
    assert.deepEqual(calls(env.log).slice(2), ['acl delete / --roles PVEAuditor --users a@pve']);
  });

  it('an inverse that fails, or a damaged saved inverse, makes the revert fail loudly', () => {
    const env = txDir();
    assert.equal(step([call('t', ['pveum', 'acl', 'modify', '/', '--roles', 'R', '--users', 'a@pve'], [['pveum', 'acl', 'delete', '/', '--roles', 'FAIL', '--users', 'a@pve']])], env).status, 0);
    const v = revert(env, 'live');
    assert.equal(v.status, 1);
    assert.match(v.out, /revert-error undoing Proxmox call 1 failed: bad call/);

    const env2 = txDir();
    assert.equal(step([call('t', ['pveum', 'acl', 'modify', '/', '--roles', 'R', '--users', 'a@pve'], [['pveum', 'acl', 'delete', '/', '--roles', 'R', '--users', 'a@pve']])], env2).status, 0);
    writeFileSync(join(env2.T, 'files', '1'), 'rm -rf /\n');
    const v2 = revert(env2, 'live');
    assert.equal(v2.status, 1);
    assert.match(v2.out, /revert-error the saved inverse of Proxmox call 1 .* is damaged/);
    assert.equal(calls(env2.log).length, 1, 'nothing of the damaged file ran');
  });

  it('at boot (pmxcfs not mounted yet) the inverses are queued, newest first, into one unit after pve-cluster', () => {
    const env = txDir();
    step([
      call('a', ['pveum', 'acl', 'modify', '/a', '--roles', 'R', '--users', 'a@pve'], [['pveum', 'acl', 'delete', '/a', '--roles', 'R', '--users', 'a@pve']]),
      call('b', ['pveum', 'acl', 'modify', '/b', '--roles', 'R', '--users', 'a@pve'], [['pveum', 'acl', 'delete', '/b', '--roles', 'R', '--users', 'a@pve']]),
    ], env);
    writeFileSync(join(env.bin, 'systemd-run'), `#!/bin/sh\nprintf '%s\\n' "$*" > ${env.T}/systemd-run.args\n`);
    chmodSync(join(env.bin, 'systemd-run'), 0o755);
    const v = revert(env, 'boot');
    assert.equal(v.status, 0, v.out + v.err);
    assert.equal(calls(env.log).length, 2, 'nothing ran at boot');
    const args = readFileSync(join(env.T, 'systemd-run.args'), 'utf8');
    assert.match(args, /--unit pvesec-pve-revert-20261206T230102Z-a1b2c3 --property After=pve-cluster.service --property Wants=pve-cluster.service \/bin\/sh .*\/pve-boot/);
    const queued = readFileSync(join(env.T, 'pve-boot'), 'utf8');
    assert.ok(queued.indexOf("'/b'") < queued.indexOf("'/a'"), queued);
    assert.equal(spawnSync('dash', ['-c', `PATH=${env.bin}:$PATH; sh ${join(env.T, 'pve-boot')}`]).status, 0);
    assert.deepEqual(calls(env.log).slice(2), ['acl delete /b --roles R --users a@pve', 'acl delete /a --roles R --users a@pve']);
  });

  it('a rollback journals the calls it undoes (oldest redone first should the rollback itself be reverted), not the failed ones', () => {
    const X = txDir();
    const calls1 = [
      call('a', ['pveum', 'acl', 'modify', '/a', '--roles', 'R', '--users', 'a@pve'], [['pveum', 'acl', 'delete', '/a', '--roles', 'R', '--users', 'a@pve']]),
      call('b', ['pveum', 'acl', 'modify', '/b', '--roles', 'R', '--users', 'a@pve'], [['pveum', 'acl', 'delete', '/b', '--roles', 'R', '--users', 'a@pve']]),
    ];
    assert.equal(step(calls1, X).status, 0);
    // a third call that failed in another step: never redone
    writeFileSync(join(X.T, 'journal'), readFileSync(join(X.T, 'journal'), 'utf8') + `pve 3 ${'0'.repeat(64)} .\npvefailed 3 .\n`);
    writeFileSync(join(X.T, 'files', '3.redo'), 'pveum acl modify /never --roles R --users a@pve\n');
    // the rollback step's journaling part, run against the target's directory
    const R = txDir();
    const script = rollbackStepScript('20261207T010203Z-d4e5f6', ID, false);
    const part = script.slice(script.indexOf('jredo() {'), script.indexOf('done < "$T/target-journal"') + 'done < "$T/target-journal"'.length);
    const code = `${PRELUDE}PATH=${R.bin}:$PATH\nT=${R.T}\nX=${X.T}\n${STEP_FUNCTIONS}\n${part}\n`;
    const r = spawnSync('dash', ['-c', code]);
    assert.equal(r.status, 0, r.stdout.toString() + r.stderr.toString());
    assert.match(readFileSync(join(R.T, 'journal'), 'utf8'), /^txstate 20261206T230102Z-a1b2c3 confirmed \.\npve 2 [0-9a-f]{64} \.\npve 3 [0-9a-f]{64} \.\n$/);
    // the rollback reverted: its revert redoes the target's calls, oldest first
    const v = revert(R, 'live');
    assert.equal(v.status, 0, v.out + v.err);
    assert.deepEqual(calls(R.log), ['acl modify /a --roles R --users a@pve', 'acl modify /b --roles R --users a@pve']);
  });

  it('a secret output is printed once as a base64 event and never journaled', () => {
    const env = txDir();
    const r = step([call('token', ['pveum', 'user', 'token', 'add', 'ci@pve', 'deploy', '--privsep', '1', '--output-format', 'json'],
      [['pveum', 'user', 'token', 'remove', 'ci@pve', 'deploy']], { secretOutput: true })], env);
    assert.equal(r.status, 0, r.out + r.err);
    const ev = /pvesec-tx secret token (\S+)/.exec(r.out);
    assert.ok(ev, r.out);
    assert.equal(Buffer.from(ev[1], 'base64').toString().trim(), '{"value":"5ec2e7-s3cr3t"}');
    assert.equal(r.out.split('s3cr3t').length, 1, 'the plain secret is not printed');
    assert.doesNotMatch(readFileSync(join(env.T, 'files', '1'), 'utf8') + readFileSync(join(env.T, 'journal'), 'utf8'), /s3cr3t/);
    // what apply prints of the step: the call, never the secret event
    assert.deepEqual(nodeTxRuntime().progressLines(r.out), ['ran pveum user token add ci@pve deploy --privsep 1 --output-format json']);
  });

  it('only pveum and pvesh, with checked argv, reach a script; a missing pveum refuses before any change', () => {
    assert.throws(() => stepScript(ID, [call('x', ['sh', '-c', 'id'], [])]), /not pveum or pvesh/);
    assert.throws(() => stepScript(ID, [call('x', ['pveum', 'acl', 'modify', '/'], [['rm', '-rf', '/']])]), /inverse 1: "rm" is not pveum or pvesh/);
    assert.throws(() => stepScript(ID, [call('x', ['pveum', 'a\nb'], [])]), TxInputError);
    // an op id is data, never shell: one with quotes and $(...) reaches the events as written
    const env0 = txDir();
    const odd = 'token:a@pve!"$(touch${IFS}/tmp/pvesec-pwned)"`id`';
    const r0 = step([call(odd, ['pveum', 'user', 'token', 'add', 'a@pve', 'b'], [], { secretOutput: true })], env0);
    assert.equal(r0.status, 0, r0.out + r0.err);
    assert.ok(r0.out.includes(`pvesec-tx secret ${odd} `), r0.out);
    const env = txDir();
    rmSync(join(env.bin, 'pveum'));
    const r = step([call('x', ['pveum', 'acl', 'modify', '/', '--roles', 'R', '--users', 'a@pve'], [])], { ...env, bin: '/nonexistent' });
    assert.equal(r.status, 3);
    assert.match(r.out, /refused pveum is not installed on this node/);
    assert.equal(readFileSync(join(env.T, 'journal'), 'utf8'), '');
  });
});
