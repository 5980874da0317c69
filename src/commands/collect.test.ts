import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { memorySnapshot } from '../collect/memory.js';
import type { Snapshot } from '../collect/snapshot.js';
import { FIXTURE_NODES } from '../report/testing.js';
import { runCollect } from './collect.js';
import { UsageError } from './options.js';
import { fixtureCollector, recordingIO } from './testing.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pvesec-collect-'));

function recorder() {
  const written: { node: string; file: string }[] = [];
  return { written, writeBundle: async (s: Snapshot, file: string) => void written.push({ node: s.text('/etc/hostname')!.trim(), file }) };
}

test('--out FILE: one target, one bundle, one line saying what was written', async () => {
  const rec = recorder();
  const io = recordingIO();
  const out = path.join(tmp, 'pve1.tar.gz');
  assert.equal(await runCollect(['ssh://root@pve1'], { out }, io, { collect: fixtureCollector, writeBundle: rec.writeBundle }), 0);
  assert.deepEqual(rec.written, [{ node: 'pve1', file: out }]);
  assert.match(io.stdout, /^wrote .*pve1\.tar\.gz: node pve1 \(ssh:\/\/root@pve1\), privilege root, 7 files, 3 commands\n$/);
});

test('--out-dir DIR: one <node>.tar.gz per node; a failed target is reported and exits 2', async () => {
  const rec = recorder();
  const io = recordingIO();
  const dir = path.join(tmp, 'bundles');
  const code = await runCollect(['ssh://root@pve1', 'ssh://root@pve9', 'examples/lab1'], { outDir: dir }, io, { collect: fixtureCollector, writeBundle: rec.writeBundle });
  assert.equal(code, 2);
  assert.deepEqual(rec.written.map((w) => path.relative(dir, w.file)), ['pve1.tar.gz', 'lab1.tar.gz']);
  assert.deepEqual(io.stderr, ['pvesec: ssh://root@pve9: connect ECONNREFUSED 10.0.0.9:22']);
  assert.match(io.stdout, /lab1\.tar\.gz: node lab1 \(examples\/lab1\), privilege user, .* 1 item\(s\) not collected/);
  assert.ok(fs.statSync(dir).isDirectory());
});

test('two targets naming the same node do not overwrite each other', async () => {
  const rec = recorder();
  const twice = async (targets: string[]) => targets.map((target) => ({ target, snapshot: memorySnapshot(FIXTURE_NODES[0]) }));
  await runCollect(['a', 'b'], { outDir: tmp }, recordingIO(), { collect: twice, writeBundle: rec.writeBundle });
  assert.deepEqual(rec.written.map((w) => path.basename(w.file)), ['pve1.tar.gz', 'pve1-2.tar.gz']);
});

test('a directory of several bundles cannot go to one --out file', async () => {
  const io = recordingIO();
  const several = async () => FIXTURE_NODES.slice(0, 2).map((n) => ({ target: n.target!, snapshot: memorySnapshot(n) }));
  assert.equal(await runCollect(['examples/hardened-cluster'], { out: path.join(tmp, 'x.tar.gz') }, io, { collect: several, writeBundle: recorder().writeBundle }), 2);
  assert.match(io.stderr[0], /holds 2 nodes; use --out-dir/);
});

test('usage: exactly one of --out and --out-dir; --out is a .tar.gz; one target per --out', async () => {
  const deps = { collect: fixtureCollector, writeBundle: recorder().writeBundle };
  await assert.rejects(runCollect(['local'], {}, recordingIO(), deps), UsageError);
  await assert.rejects(runCollect(['local'], { out: 'a.tar.gz', outDir: 'd' }, recordingIO(), deps), UsageError);
  await assert.rejects(runCollect(['local'], { out: 'a.zip' }, recordingIO(), deps), /a bundle is a \.tar\.gz file/);
  await assert.rejects(runCollect(['a', 'b'], { out: 'a.tar.gz' }, recordingIO(), deps), /2 targets need --out-dir/);
});

test('a bundle that cannot be written: one line naming the file, exit 2', async () => {
  const io = recordingIO();
  const failing = async () => { throw Object.assign(new Error('no space'), { code: 'ENOSPC' }); };
  assert.equal(await runCollect(['ssh://root@pve1'], { out: path.join(tmp, 'full.tar.gz') }, io, { collect: fixtureCollector, writeBundle: failing }), 2);
  assert.match(io.stderr[0], /^pvesec: ssh:\/\/root@pve1: cannot write .*full\.tar\.gz: no space left on device$/);
});
