import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fsErrorText } from '../core/fs-errors.js';
import { loadConfigFile } from '../config/load.js';
import { loadAccessMatrix } from '../config/access-matrix.js';
import { runFwSimulate } from './fw.js';
import { loadUserCfgFile } from './perms/source.js';
import { writeFileAtomic } from './io.js';
import { recordingIO } from './testing.js';

// Every command says what failed with a file in words, never a bare errno code.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvesec-file-errors-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const missing = path.join(dir, 'missing.yaml');
const plainFile = path.join(dir, 'plain');
fs.writeFileSync(plainFile, 'x\n');
const CODE = /\bE[A-Z]{3,}\b/;

function errorOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail('expected an error');
}

test('fsErrorText: real file-system errors in words', () => {
  assert.equal(fsErrorText(errorOf(() => fs.readFileSync(missing))), 'no such file or directory');
  assert.equal(fsErrorText(errorOf(() => fs.readFileSync(dir))), 'is a directory');
  assert.equal(fsErrorText(errorOf(() => fs.readFileSync(path.join(plainFile, 'below')))), 'a component of the path is not a directory');
  assert.equal(fsErrorText(errorOf(() => fs.mkdirSync(dir))), 'already exists');
  // an unknown code: Node's message without the code and the repeated path
  const odd = Object.assign(new Error("EWEIRD: something odd happened, open '/x/y'"), { code: 'EWEIRD' });
  assert.equal(fsErrorText(odd), 'something odd happened');
});

test('pvesec.yaml, access matrix, user.cfg, fw input and report files: "cannot read/write X: <words>"', async () => {
  const messages = [
    (errorOf(() => loadConfigFile(missing)) as Error).message,
    (errorOf(() => loadConfigFile(dir)) as Error).message,
    (errorOf(() => loadAccessMatrix(missing)) as Error).message,
    await loadUserCfgFile(missing, undefined).then(() => '', (e: Error) => e.message),
    await runFwSimulate(undefined, { configDir: dir, env: missing, packets: missing }, recordingIO()).then(() => '', (e: Error) => e.message),
    await writeFileAtomic(path.join(dir, 'no-dir', 'report.json'), '{}').then(() => '', (e: Error) => e.message),
  ];
  assert.deepEqual(messages, [
    `${missing}: cannot read: no such file or directory`,
    `${dir}: cannot read: is a directory`,
    `${missing}: cannot read: no such file or directory`,
    `${missing}: cannot read: no such file or directory`,
    `--env: cannot read ${missing}: no such file or directory`,
    'no such file or directory',
  ]);
  for (const m of messages) assert.ok(!CODE.test(m), m);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['plain'], 'nothing half-written');
});

test('plan files, bundles written by collect and audit/plan output files: the reason in words, said once', async () => {
  const { loadPlanFile } = await import('../harden/plan-json.js');
  const { runCollect } = await import('./collect.js');
  const { runAudit } = await import('./audit.js');
  assert.equal((errorOf(() => loadPlanFile(missing)) as Error).message, `${missing}: cannot read: no such file or directory`);
  const target = path.join(dir, 'nowhere', 'pve.tar.gz');
  const io = recordingIO();
  assert.equal(await runCollect(['examples/fresh-install'], { out: target }, io), 2);
  const line = io.stderr.find((l) => l.includes(target)) ?? '';
  assert.match(line, /no such file or directory$/);
  assert.equal(line.split('no such file or directory').length, 2, `the reason once: ${line}`);
  const audit = recordingIO();
  await runAudit(['examples/fresh-install'], { output: target, format: 'json' }, audit);
  assert.match(audit.stderr.join('\n'), /cannot write .*pve\.tar\.gz: no such file or directory/);
  for (const m of [line, ...audit.stderr]) assert.ok(!CODE.test(m), m);
});
