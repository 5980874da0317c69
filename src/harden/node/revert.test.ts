import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PVESEC_DIR } from './layout.js';
import { revertProgram } from './revert.js';

const ID = '20261207T080000Z-abc123';

/**
 * Runs the real revert program of a transaction that created `dir` and restarted systemd-journald, in a
 * temporary directory: the transaction directory is under it (P=) and `systemctl` is a stand-in that
 * logs its calls and, when `recreate` is set, makes the first restart recreate `dir` (what journald does
 * as it stops with Storage=persistent).
 */
function revertWith(recreate: boolean): { code: number | null; stdout: string; calls: string[]; dirLeft: boolean } {
  const root = mkdtempSync(join(tmpdir(), 'pvesec-revert-'));
  try {
    const dir = join(root, 'var/log/journal');
    const T = join(root, 'p/tx', ID);
    const bin = join(root, 'bin');
    mkdirSync(T, { recursive: true });
    mkdirSync(bin);
    mkdirSync(join(dir, 'machine-id'), { recursive: true });
    writeFileSync(join(dir, 'machine-id', 'system.journal'), 'LPKSHHRH');
    writeFileSync(join(T, 'journal'), `dir ${dir} absent .\nsvc systemd-journald static active .\n`);
    writeFileSync(join(T, 'state'), `${'armed 1 applying'.padEnd(511)}\n`);
    writeFileSync(join(bin, 'systemctl'), `#!/bin/sh
echo "$*" >> '${root}/calls'
case "$1" in
  is-enabled) echo static ;;
  is-active) [ "$2" = --quiet ] || echo active ;;
  reload-or-restart) if [ '${recreate ? 1 : 0}' = 1 ] && [ ! -e '${root}/recreated' ]; then : > '${root}/recreated'; mkdir -p '${dir}/machine-id'; fi ;;
esac
exit 0
`, { mode: 0o755 });
    const program = revertProgram(ID).replace(`P=${PVESEC_DIR}`, `P=${root}/p`).replace('PATH=/usr/sbin', `PATH=${bin}:/usr/sbin`);
    writeFileSync(join(T, 'revert'), program);
    const r = spawnSync('sh', [join(T, 'revert'), 'live'], { encoding: 'utf8', timeout: 30_000 });
    const calls = existsSync(join(root, 'calls')) ? readFileSync(join(root, 'calls'), 'utf8').trim().split('\n') : [];
    return { code: r.status, stdout: r.stdout + r.stderr, calls, dirLeft: existsSync(dir) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('revert: a directory the transaction created', () => {
  it('is removed, and the unit restarted once, when nothing recreates it', () => {
    const r = revertWith(false);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.dirLeft, false);
    assert.deepEqual(r.calls.filter((c) => c.startsWith('reload-or-restart')), ['reload-or-restart systemd-journald']);
    assert.doesNotMatch(r.stdout, /again/);
  });

  it('recreated by a daemon stopping for the restart, is removed again and the unit restarted once more', () => {
    const r = revertWith(true);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.dirLeft, false, r.stdout);
    assert.match(r.stdout, /pvesec-tx removed \S+\/var\/log\/journal again \(recreated while a service restarted\)/);
    assert.deepEqual(r.calls.filter((c) => c.startsWith('reload-or-restart')), ['reload-or-restart systemd-journald', 'reload-or-restart systemd-journald']);
    assert.match(r.stdout, /pvesec-tx reverted 20261207T080000Z-abc123/);
  });
});
