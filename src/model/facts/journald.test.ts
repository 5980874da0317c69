import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { memorySnapshot } from '../../collect/memory.js';
import { rootfsSkipReason, runInRootfs, TESTHOST_CACHE } from '../../harden/plan-testing.js';
import { effectiveStorage, JOURNALD_DROPIN_DIRS, JOURNALD_MAIN_FILES, journaldConfigFiles } from './journald.js';

// drop-ins spread over the four directories: a /etc file masking a same-named vendor one, names that sort
// across directories, a name past `z`, a file that is not *.conf, and a main file under /usr/lib
const PLANTED: { path: string; content: string }[] = [
  { path: '/usr/lib/systemd/journald.conf.d/50-a.conf', content: '[Journal]\nStorage=volatile\n' },
  { path: '/etc/systemd/journald.conf.d/50-a.conf', content: '' },
  { path: '/run/systemd/journald.conf.d/Z.conf', content: '[Journal]\n' },
  { path: '/usr/local/lib/systemd/journald.conf.d/zz-pvesec.conf', content: '[Journal]\nStorage=none\n' },
  { path: '/etc/systemd/journald.conf.d/zz-pvesec.conf', content: '[Journal]\nStorage=persistent\n' },
  { path: '/usr/local/lib/systemd/journald.conf.d/~last.conf', content: '[Journal]\n' },
  { path: '/etc/systemd/journald.conf.d/x.conf.off', content: '[Journal]\nStorage=none\n' },
  { path: '/usr/lib/systemd/journald.conf', content: '[Journal]\nStorage=none\n' },
];

/** The tree's own journald configuration plus PLANTED, as a snapshot would hold it. */
function treeFiles(tree: string, withoutEtcMain: boolean): Record<string, string> {
  const files: Record<string, string> = {};
  for (const p of JOURNALD_MAIN_FILES) if (existsSync(tree + p)) files[p] = readFileSync(tree + p, 'utf8');
  for (const d of JOURNALD_DROPIN_DIRS) {
    if (!existsSync(tree + d)) continue;
    for (const n of readdirSync(tree + d)) files[`${d}/${n}`] = readFileSync(path.join(tree + d, n), 'utf8');
  }
  for (const f of PLANTED) files[f.path] = f.content;
  if (withoutEtcMain) delete files['/etc/systemd/journald.conf'];
  return files;
}

for (const name of ['bookworm-systemd', 'trixie-base']) {
  test(`journald's reading order equals \`systemd-analyze cat-config\` of the ${name} test-host tree`, { skip: rootfsSkipReason(name) }, () => {
    const r = runInRootfs(name, PLANTED.map((f) => ({ ...f, mode: 0o644 })),
      'systemd-analyze cat-config systemd/journald.conf | grep "^# /"; echo ---; rm /etc/systemd/journald.conf; systemd-analyze cat-config systemd/journald.conf | grep "^# /"');
    assert.equal(r.status, 0, r.stderr);
    const [withMain, withoutMain] = r.stdout.split('---\n').map((part) =>
      part.split('\n').map((l) => l.slice(2)).filter((p) => p.startsWith('/') && (JOURNALD_MAIN_FILES as readonly string[]).includes(p) || JOURNALD_DROPIN_DIRS.some((d) => p.startsWith(d + '/'))));
    const ours = (without: boolean) => journaldConfigFiles(memorySnapshot({ files: treeFiles(`${TESTHOST_CACHE}/${name}`, without) })).map((f) => f.path);
    assert.ok(withMain.length >= 6, r.stdout);
    assert.deepEqual(ours(false), withMain);
    assert.deepEqual(ours(true), withoutMain);
  });
}

test('the planted tree: the masked vendor drop-in is not read, zz-pvesec sorts before ~last and decides', () => {
  const files = journaldConfigFiles(memorySnapshot({ files: Object.fromEntries(PLANTED.map((f) => [f.path, f.content])) }));
  assert.deepEqual(files.map((f) => f.path), [
    '/usr/lib/systemd/journald.conf',
    '/etc/systemd/journald.conf.d/50-a.conf',
    '/run/systemd/journald.conf.d/Z.conf',
    '/etc/systemd/journald.conf.d/zz-pvesec.conf',
    '/usr/local/lib/systemd/journald.conf.d/~last.conf',
  ]);
  const d = effectiveStorage(files);
  assert.deepEqual([d.storage, d.decidedBy?.file, d.decidedBy?.line], ['persistent', '/etc/systemd/journald.conf.d/zz-pvesec.conf', 2]);
});

test('a planned file joins the reading order as if it existed', () => {
  const s = memorySnapshot({ files: { '/etc/systemd/journald.conf': '[Journal]\nStorage=volatile\n', '/usr/lib/systemd/journald.conf.d/syslog.conf': '[Journal]\nForwardToSyslog=yes\n' } });
  const files = journaldConfigFiles(s, [{ path: '/etc/systemd/journald.conf.d/zz-pvesec.conf', text: '[Journal]\nStorage=persistent\n' }]);
  assert.deepEqual(files.map((f) => f.path), ['/etc/systemd/journald.conf', '/usr/lib/systemd/journald.conf.d/syslog.conf', '/etc/systemd/journald.conf.d/zz-pvesec.conf']);
  assert.equal(effectiveStorage(files).storage, 'persistent');
});
