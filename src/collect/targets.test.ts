import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { expandTarget, parseTarget, targetLabel, TargetError } from './targets.js';

test('ssh targets: user, host, port, IPv6', () => {
  assert.deepEqual(parseTarget('ssh://root@pve1'), { kind: 'ssh', input: 'ssh://root@pve1', user: 'root', host: 'pve1', port: 22 });
  assert.deepEqual(parseTarget('ssh://admin@10.0.0.2:2222'), { kind: 'ssh', input: 'ssh://admin@10.0.0.2:2222', user: 'admin', host: '10.0.0.2', port: 2222 });
  const v6 = parseTarget('ssh://[fd77::5]:22');
  assert.equal(v6.kind === 'ssh' && v6.host, 'fd77::5');
  assert.equal(targetLabel(parseTarget('ssh://[fd77::5]:2200')), '[fd77::5]:2200');
  const noUser = parseTarget('ssh://pve2.example.com/');
  assert.equal(noUser.kind === 'ssh' && noUser.user, 'root');
});

test('bad ssh targets are errors naming the input', () => {
  for (const bad of ['ssh://', 'ssh://root@pve1:99999', 'ssh://root@pve1/etc', 'ssh://root:pw@pve1', 'http://pve1', '']) {
    assert.throws(() => parseTarget(bad), (e: unknown) => e instanceof TargetError && e.message.includes(bad));
  }
});

test('local and paths', () => {
  assert.deepEqual(parseTarget('local'), { kind: 'local', input: 'local' });
  assert.deepEqual(parseTarget('./b/pve1.tar.gz'), { kind: 'bundle', input: './b/pve1.tar.gz', path: './b/pve1.tar.gz' });
});

const tmp = mkdtempSync(path.join(os.tmpdir(), 'pvesec-targets-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('a directory of bundle directories expands to one target per node, sorted', async () => {
  const multi = path.join(tmp, 'cluster');
  for (const n of ['pve2', 'pve1', 'pve3']) mkdirSync(path.join(multi, n, 'etc'), { recursive: true });
  mkdirSync(path.join(multi, 'notes'));
  mkdirSync(path.join(multi, 'pve4', 'commands'), { recursive: true });
  const out = await expandTarget(parseTarget(multi));
  assert.deepEqual(out.map((t) => path.basename(t.input)), ['pve1', 'pve2', 'pve3', 'pve4']);
});

test('a bundle directory, a missing path and a directory of archives', async () => {
  const single = path.join(tmp, 'single');
  mkdirSync(path.join(single, 'etc'), { recursive: true });
  mkdirSync(path.join(single, 'sub', 'etc'), { recursive: true });
  assert.deepEqual((await expandTarget(parseTarget(single))).map((t) => t.input), [single]);
  assert.deepEqual((await expandTarget(parseTarget('/nonexistent/x'))).map((t) => t.input), ['/nonexistent/x']);
  const archives = path.join(tmp, 'archives');
  mkdirSync(archives);
  for (const f of ['b.tgz', 'a.tar.gz', 'readme.txt']) writeFileSync(path.join(archives, f), '');
  assert.deepEqual((await expandTarget(parseTarget(archives))).map((t) => path.basename(t.input)), ['a.tar.gz', 'b.tgz']);
});

test('entries of a directory of bundles are looked at with lstat: links are marked, never taken as bundles', async () => {
  const coll = path.join(tmp, 'coll');
  mkdirSync(path.join(coll, 'pve1', 'etc'), { recursive: true });
  const elsewhere = path.join(tmp, 'elsewhere');
  mkdirSync(path.join(elsewhere, 'etc'), { recursive: true });
  symlinkSync(elsewhere, path.join(coll, 'x'));
  symlinkSync(path.join(tmp, 'nowhere'), path.join(coll, 'dangling'));
  const out = await expandTarget(parseTarget(coll));
  assert.deepEqual(out, [
    { kind: 'bundle', input: path.join(coll, 'pve1'), path: path.join(coll, 'pve1') },
    { kind: 'bundle', input: path.join(coll, 'x'), path: path.join(coll, 'x'), linkInDirectory: true },
  ]);
});
