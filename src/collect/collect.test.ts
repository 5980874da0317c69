import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { collectTargets } from './collect.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'pvesec-collect-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function node(dir: string, name: string): string {
  mkdirSync(path.join(dir, 'etc'), { recursive: true });
  mkdirSync(path.join(dir, 'commands'), { recursive: true });
  writeFileSync(path.join(dir, 'etc/hostname'), `${name}\n`);
  writeFileSync(path.join(dir, 'etc/shadow'), `root:$y$j9T$CANARYsalt$CANARYhash:20050:0:99999:7:::\n`);
  writeFileSync(path.join(dir, 'commands/hostname'), `${name}\n`);
  return dir;
}

test('results follow target order, cluster directories expand, failures stay per target', async () => {
  const single = node(path.join(tmp, 'standalone'), 'pve9');
  const cluster = path.join(tmp, 'cluster');
  for (const n of ['pve2', 'pve1']) node(path.join(cluster, n), n);
  const targets = ['/nonexistent/bundle', single, 'ssh://', cluster, 'root@pve4'];
  const results = await collectTargets(targets, { concurrency: 2 });
  assert.deepEqual(
    results.map((r) => r.target),
    ['/nonexistent/bundle', single, 'ssh://', path.join(cluster, 'pve1'), path.join(cluster, 'pve2'), 'root@pve4'],
  );
  assert.equal(results[0].error, '/nonexistent/bundle: no such file or directory');
  assert.equal(results[1].snapshot?.text('/etc/hostname'), 'pve9\n');
  assert.equal(results[2].error, 'ssh://: SSH target without a host name');
  assert.equal(results[3].snapshot?.command('hostname')?.output, 'pve1\n');
  assert.equal(results[4].snapshot?.command('hostname')?.output, 'pve2\n');
  assert.equal(results[5].error, 'root@pve4: no such file or directory (for SSH write ssh://root@pve4)');
  for (const r of results) {
    if (r.snapshot) assert.equal(r.snapshot.text('/etc/shadow'), 'root:x:20050:0:99999:7:::\n');
    else assert.doesNotMatch(r.error!, /\n/);
  }
});

test('no targets, no results', async () => {
  assert.deepEqual(await collectTargets([], {}), []);
});

test('a directory of bundles never follows a symbolic link out of it (ln -s / coll/x)', async () => {
  const coll = path.join(tmp, 'coll');
  node(path.join(coll, 'pve1'), 'pve1');
  // stands for the auditor's own root: a tree with etc/ and a canary "shadow" file
  const outside = path.join(tmp, 'auditor-root');
  mkdirSync(path.join(outside, 'etc'), { recursive: true });
  writeFileSync(path.join(outside, 'etc/shadow'), 'auditor:$6$CANARYsalt$CANARYauditorhash:20000:0:99999:7:::\n');
  writeFileSync(path.join(outside, 'etc/hostname'), 'auditor-CANARY\n');
  mkdirSync(path.join(outside, 'commands'));
  symlinkSync(outside, path.join(coll, 'x'));
  symlinkSync('/proc', path.join(coll, 'proc'));
  symlinkSync(path.join(tmp, 'standalone.tar.gz'), path.join(coll, 'y.tar.gz'));
  const results = await collectTargets([coll], {});
  assert.deepEqual(results.map((r) => path.basename(r.target)), ['pve1', 'x']);
  assert.equal(results[0].snapshot?.text('/etc/hostname'), 'pve1\n');
  assert.equal(results[1].snapshot, undefined);
  assert.equal(results[1].error, `${path.join(coll, 'x')}: a symbolic link (to ${outside}) in a directory of bundles, not followed; give its target on the command line to read it`);
  for (const r of results) {
    for (const f of r.snapshot?.files.values() ?? []) assert.doesNotMatch(f.content.toString(), /CANARY|auditor/, f.path);
  }
  // named on the command line, the link is the user's choice and is read
  const named = await collectTargets([path.join(coll, 'x')], {});
  assert.equal(named[0].snapshot?.text('/etc/hostname'), 'auditor-CANARY\n');
});

test('a link to /proc inside a bundle directory is recorded, not followed', async () => {
  const b = node(path.join(tmp, 'with-proc'), 'pve5');
  symlinkSync('/proc', path.join(b, 'proc'));
  symlinkSync('/proc/self/environ', path.join(b, 'etc/environ'));
  const [r] = await collectTargets([b], {});
  assert.equal(r.snapshot?.text('/etc/hostname'), 'pve5\n');
  assert.equal(r.snapshot?.file('/etc/environ'), undefined);
  // inside the bundle /proc is the link proc -> /proc: it leads back to itself
  assert.equal(r.snapshot?.errors.get('/etc/environ'), 'symbolic link to /proc/self/environ, too many links');
  assert.deepEqual([...r.snapshot!.files.keys()].filter((p) => p.startsWith('/proc')), []);
});
