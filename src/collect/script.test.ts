import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, symlinkSync, utimesSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { snapshotFromArchive } from './bundle.js';
import { collectLocal } from './local.js';
import { collectionScript, collectorName, REMOTE_WRAPPER } from './script.js';
import type { Snapshot } from './snapshot.js';
import { COMMANDS, UNITS } from './sources.js';

const isRoot = process.getuid?.() === 0;
const hasSetpriv = spawnSync('sh', ['-c', 'command -v setpriv'], { stdio: 'ignore' }).status === 0;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'pvesec-script-'));
chmodSync(tmp, 0o777);
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the script with `sh -s` (optionally through a prefix such as setpriv) and parses its stdout. */
async function run(script: string, prefix: string[] = [], tmpdir = path.join(tmp, 'work-' + Math.random().toString(36).slice(2))): Promise<{ snap: Snapshot; tmpdir: string; stderr: string; raw: Buffer }> {
  mkdirSync(tmpdir, { mode: 0o777, recursive: true });
  chmodSync(tmpdir, 0o777);
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmpdir };
  delete env.SUDO_USER;
  const argv = [...prefix, 'sh', '-s'];
  const r = spawnSync(argv[0], argv.slice(1), { input: script, env, cwd: '/', maxBuffer: 256 * 1024 * 1024 });
  assert.equal(r.status, 0, `script failed: ${r.stderr}`);
  const snap = await snapshotFromArchive(r.stdout, { kind: 'local', target: 'local' }, 'local');
  return { snap, tmpdir, stderr: r.stderr.toString(), raw: r.stdout };
}

function accountedFor(snap: Snapshot): void {
  for (const c of Object.values(COMMANDS)) {
    assert.ok(snap.commands.has(c.name) || snap.errors.has(c.name), `${c.name} neither collected nor explained`);
  }
}

test('the collector names pvesec with the version of package.json, however dist/ is laid out', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(collectorName(), `pvesec ${pkg.version}`);
  assert.ok(collectionScript({}).includes(`pvesec ${pkg.version}`));
});

test('the script is valid POSIX sh (dash) and bash', () => {
  const script = collectionScript();
  for (const shell of ['dash', 'bash']) {
    if (spawnSync('sh', ['-c', `command -v ${shell}`]).status !== 0) continue;
    const r = spawnSync(shell, ['-n'], { input: script });
    assert.equal(r.status, 0, `${shell}: ${r.stderr}`);
  }
  assert.equal(spawnSync('sh', ['-n', '-c', REMOTE_WRAPPER]).status, 0);
});

test('systemctl-states: the is-enabled column is what `systemctl is-enabled UNIT` says for each unit alone', { skip: spawnSync('sh', ['-c', 'command -v systemctl']).status === 0 ? false : 'no systemctl' }, async () => {
  const { snap } = await run(collectionScript());
  const lines = snap.command('systemctl-states')!.output.trim().split('\n');
  assert.deepEqual(lines.map((l) => l.split(' ')[0]), [...UNITS]);
  for (const [i, u] of UNITS.entries()) {
    const alone = spawnSync('systemctl', ['is-enabled', u], { encoding: 'utf8' }).stdout.trim().split(/\s+/)[0] || 'not-found';
    assert.equal(lines[i].split(' ')[2], alone, u);
  }
});

test('as root: privilege, meta, real files, commands with exit codes, no hash, temp dir removed', { skip: isRoot ? false : 'needs root' }, async () => {
  const { snap, tmpdir, raw } = await run(collectionScript({ collector: 'pvesec 9.9.9' }));
  assert.equal(snap.meta.privilege, 'root');
  // the stream itself (before any sanitizing on our side) carries no hash and no private key
  const members = execFileSync('tar', ['-tzf', '-'], { input: raw, encoding: 'utf8' }).split('\n');
  assert.ok(!members.some((m) => /ssh_host_.*_key$|\.key$|priv\/(token|shadow)\.cfg$/.test(m)));
  if (existsSync('/etc/shadow')) {
    const streamed = execFileSync('tar', ['-xzOf', '-', 'etc/shadow'], { input: raw, encoding: 'utf8' });
    for (const l of streamed.trim().split('\n')) assert.ok(['', '!', '*', 'x'].includes(l.split(':')[1]), `hash streamed: ${l.split(':')[0]}`);
  }
  assert.equal(snap.meta.collector, 'pvesec 9.9.9');
  assert.equal(snap.meta.hostname, os.hostname().replace(/[^A-Za-z0-9._-]/g, ''));
  assert.ok(Math.abs(Date.parse(snap.meta.collectedAt!) - Date.now()) < 120_000);
  assert.deepEqual(snap.file('/etc/passwd')!.content, readFileSync('/etc/passwd'));
  assert.equal(snap.file('/etc/passwd')!.stat!.mode & 0o777, statSync('/etc/passwd').mode & 0o777);
  assert.equal(snap.command('uname -r')!.output.trim(), os.release());
  assert.equal(snap.command('uname -r')!.exitCode, 0);
  accountedFor(snap);
  if (snap.commands.has('systemctl-states')) {
    const lines = snap.command('systemctl-states')!.output.trim().split('\n');
    assert.deepEqual(lines.map((l) => l.split(' ')[0]), [...UNITS]);
    for (const l of lines) assert.equal(l.split(' ').length, 3, l);
  }
  if (existsSync('/etc/shadow')) {
    const real = readFileSync('/etc/shadow', 'utf8').trim().split('\n');
    const got = snap.text('/etc/shadow')!.trim().split('\n');
    assert.deepEqual(got.map((l) => l.split(':')[0]), real.map((l) => l.split(':')[0]));
    for (const l of got) assert.ok(['', '!', '*', 'x'].includes(l.split(':')[1]), `hash leaked: ${l.split(':')[0]}`);
    assert.equal(snap.file('/etc/shadow')!.stat!.mode & 0o777, statSync('/etc/shadow').mode & 0o777);
    assert.equal(snap.file('/etc/shadow')!.stat!.gid, statSync('/etc/shadow').gid);
  }
  assert.ok(snap.dirs.has('/root'));
  assert.equal(snap.dirs.get('/root')!.mode & 0o777, statSync('/root').mode & 0o777);
  for (const f of snap.files.values()) {
    assert.ok(!f.content.includes('PRIVATE KEY-----'), f.path);
    assert.doesNotMatch(f.path, /ssh_host_.*_key$|\.key$/);
  }
  assert.deepEqual(readdirSync(tmpdir), [], 'temp dir left behind');
});

test('as an unprivileged user: privilege user, denied items explained, nothing secret', { skip: isRoot && hasSetpriv ? false : 'needs root and setpriv' }, async () => {
  const { snap, tmpdir } = await run(collectionScript(), ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--']);
  assert.equal(snap.meta.privilege, 'user');
  assert.deepEqual(snap.file('/etc/passwd')!.content, readFileSync('/etc/passwd'));
  if (existsSync('/etc/shadow')) {
    assert.equal(snap.file('/etc/shadow'), undefined);
    assert.equal(snap.errors.get('/etc/shadow'), 'permission denied (not collected as root)');
  }
  assert.equal(snap.errors.get('config-backups'), 'permission denied (not collected as root)');
  assert.ok(snap.errors.has('auth-failures'));
  accountedFor(snap);
  assert.equal(snap.command('uname -r')!.output.trim(), os.release());
  assert.deepEqual(readdirSync(tmpdir), []);
});

test('config-backups: newest archive of the glob with size, mtime and members', { skip: isRoot ? false : 'needs root' }, async () => {
  const dir = path.join(tmp, 'backups');
  const src = path.join(tmp, 'backup-src');
  mkdirSync(path.join(src, 'etc/pve'), { recursive: true });
  writeFileSync(path.join(src, 'etc/pve/user.cfg'), 'user:root@pam:1:0:::::::\n');
  mkdirSync(dir);
  const older = path.join(dir, 'pve-config-2026-11-20.tar.gz');
  const newer = path.join(dir, 'pve-config-2026-11-24.tar.gz');
  execFileSync('tar', ['-C', src, '-czf', older, 'etc']);
  execFileSync('tar', ['-C', src, '-czf', newer, 'etc/pve/user.cfg']);
  execFileSync('touch', ['-d', '2026-11-20 03:00', older]);
  execFileSync('touch', ['-d', '2026-11-24 03:00', newer]);
  const { snap } = await run(collectionScript({ backupGlob: `${dir}/pve-config-*.tar.gz` }));
  const out = snap.command('config-backups')!;
  assert.equal(out.exitCode, 0);
  const [first, ...members] = out.output.trim().split('\n');
  assert.equal(first, `${Math.floor(statSync(newer).mtimeMs / 1000)} ${statSync(newer).size} ${newer}`);
  assert.deepEqual(members, ['etc/pve/user.cfg']);

  const none = await run(collectionScript({ backupGlob: `${dir}/nothing-*.tar.gz` }));
  assert.equal(none.snap.command('config-backups')!.output, '');
  // a glob with shell syntax is not pasted into the script
  assert.match(collectionScript({ backupGlob: '/root/$(reboot)*.tgz' }), /for c in \/root\/pve-config-\*\.tar\.gz; do/);
});

test('collectLocal runs the same script and tags the origin', { skip: isRoot ? false : 'needs root' }, async () => {
  const s = await collectLocal({ timeoutMs: 60_000 });
  assert.equal(s.origin.kind, 'local');
  assert.ok(s.meta.privilege === 'root' || s.meta.privilege === 'sudo');
  assert.ok(s.file('/etc/hostname') || s.errors.has('/etc/hostname') || !existsSync('/etc/hostname'));
});

test('a dropped connection (stdout and stderr gone) still removes the temp dir', { skip: isRoot ? false : 'needs root' }, () => {
  const tmpdir = path.join(tmp, 'dropped');
  mkdirSync(tmpdir, { mode: 0o777 });
  const scriptFile = path.join(tmp, 'dropped.sh');
  writeFileSync(scriptFile, collectionScript());
  // like sshd losing the client: stdout and stderr lead to a pipe whose reader goes away after 100
  // bytes of the stream (the stream is larger than a pipe buffer: /var/lib/dpkg/status alone is)
  const r = spawnSync('sh', ['-c', 'sh -s <"$1" 2>&1 | head -c 100 >/dev/null', 'sh', scriptFile], { env: { ...process.env, TMPDIR: tmpdir }, cwd: '/' });
  assert.equal(r.status, 0);
  assert.deepEqual(readdirSync(tmpdir), [], 'temp dir left behind');
});

test('stale pvesec temp dirs of the same user are removed, nothing else', { skip: isRoot ? false : 'needs root' }, async () => {
  const tmpdir = path.join(tmp, 'stale');
  mkdirSync(tmpdir, { mode: 0o777 });
  const old = new Date(Date.now() - 2 * 3600_000);
  const elsewhere = path.join(tmp, 'stale-target');
  mkdirSync(elsewhere);
  writeFileSync(path.join(elsewhere, 'keep'), 'x');
  for (const name of ['pvesec.Stale1', 'pvesec.Fresh1', 'pvesec.Other1', 'notpvesec.Abcdef', 'pvesec.TooLongName']) {
    mkdirSync(path.join(tmpdir, name));
    writeFileSync(path.join(tmpdir, name, 'x'), 'x');
  }
  symlinkSync(elsewhere, path.join(tmpdir, 'pvesec.Link12'));
  const nobody = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
  chownSync(path.join(tmpdir, 'pvesec.Other1'), nobody, nobody);
  for (const name of ['pvesec.Stale1', 'pvesec.Other1', 'notpvesec.Abcdef', 'pvesec.TooLongName']) utimesSync(path.join(tmpdir, name), old, old);
  execFileSync('touch', ['-h', '-d', '2 hours ago', path.join(tmpdir, 'pvesec.Link12')]);
  await run(collectionScript(), [], tmpdir).catch((e: unknown) => assert.fail(String(e)));
  assert.deepEqual(readdirSync(tmpdir).sort(), ['notpvesec.Abcdef', 'pvesec.Fresh1', 'pvesec.Link12', 'pvesec.Other1', 'pvesec.TooLongName']);
  assert.ok(lstatSync(path.join(tmpdir, 'pvesec.Link12')).isSymbolicLink());
  assert.equal(readFileSync(path.join(elsewhere, 'keep'), 'utf8'), 'x');
});

test('meta.sshConnection: $SSH_CONNECTION of the session, read from an ancestor when sudo dropped it; only address characters kept', { skip: isRoot ? false : 'needs root' }, async () => {
  // the outer shell holds the variable (as the SSH session's shell does), the script runs without it (as under sudo)
  const prefix = ['env', 'SSH_CONNECTION=203.0.113.9 40022 192.0.2.1 22"}', 'sh', '-c', 'env -u SSH_CONNECTION "$@"; exit $?', 'outer'];
  const { snap } = await run(collectionScript(), prefix);
  assert.equal(snap.meta.sshConnection, '203.0.113.9 40022 192.0.2.1 22');
});
