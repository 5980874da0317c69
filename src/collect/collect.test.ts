import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
