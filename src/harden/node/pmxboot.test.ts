import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PVESEC_DIR } from './layout.js';
import { PRELUDE } from './prelude.js';
import { beginScript } from './scripts.js';
import { revertProgram } from './revert.js';

// The boot-time revert on a Proxmox node: /etc/pve is pmxcfs, mounted later by pve-cluster. The whole revert
// program runs here against a temporary pvesec directory, with stand-ins for systemctl (pve-cluster loaded or
// not), mountpoint (/etc/pve not mounted) and systemd-run (records the unit it is asked to start).
// Nothing under the real /etc/pve is written: its saved copy is either only queued or deliberately damaged.

const ID = '20261206T230102Z-a1b2c3';
const PVE_FILE = '/etc/pve/firewall/cluster.fw';
const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** pveCluster: the unit exists; 'alias': pve-cluster.service is another unit's alias (pvesec's systemd test image). */
function node(opts: { pveCluster: boolean | 'alias'; damagePveCopy?: boolean }) {
  const root = mkdtempSync(join(tmpdir(), 'pvesec-pmxboot-'));
  dirs.push(root);
  const P = join(root, 'pvesec');
  const T = join(P, 'tx', ID);
  const bin = join(root, 'bin');
  mkdirSync(join(T, 'files'), { recursive: true });
  mkdirSync(bin);
  const plain = join(root, 'issue');
  writeFileSync(plain, 'changed by the transaction\n');
  writeFileSync(join(T, 'files', '1'), '[OPTIONS]\nenable: 0\n');
  writeFileSync(join(T, 'files', '2'), 'before\n');
  const u = process.getuid!(), g = process.getgid!();
  const pveDigest = opts.damagePveCopy ? sha('something else') : sha('[OPTIONS]\nenable: 0\n');
  writeFileSync(join(T, 'journal'), `file ${PVE_FILE} 1 ${pveDigest} 640 0 33 .\nfile ${plain} 2 ${sha('before\n')} 644 ${u} ${g} .\n`);
  writeFileSync(join(T, 'state'), `${'armed 1765062062.000 '.padEnd(511)}\n`);
  writeFileSync(join(T, 'lock'), '');
  // the stand-ins first on the PATH the program sets itself
  const program = revertProgram(ID).replace(`P=${PVESEC_DIR}\n`, `P=${P}\nPATH=${bin}:$PATH\n`);
  assert.ok(program.includes(`PATH=${bin}:`));
  writeFileSync(join(T, 'revert'), program);
  const fake = (name: string, body: string) => { writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`); chmodSync(join(bin, name), 0o755); };
  // systemctl show prints the properties in its own order, an alias under the name of the unit it points to
  const show = opts.pveCluster === 'alias' ? 'echo Id=pveproxy.service; echo LoadState=loaded'
    : opts.pveCluster ? 'echo Id=pve-cluster.service; echo LoadState=loaded' : 'echo LoadState=not-found; echo Id=pve-cluster.service';
  fake('systemctl', `case "$*" in "show -p Id,LoadState pve-cluster.service") ${show} ;; esac\nexit 0`);
  fake('mountpoint', 'exit 1');
  fake('systemd-run', `printf '%s\\n' "$*" >> ${root}/systemd-run.args`);
  fake('dpkg-query', 'exit 0');
  const run = (...args: string[]) => {
    const r = spawnSync('sh', [join(T, 'revert'), ...args], { env: { PATH: `${bin}:/usr/bin:/bin:/usr/sbin:/sbin` } });
    return { status: r.status, out: r.stdout.toString() + r.stderr.toString() };
  };
  const state = () => readFileSync(join(T, 'state'), 'utf8').trim().replace(/ \d+\.\d+ /, ' ');
  const unitArgs = () => (existsSync(join(root, 'systemd-run.args')) ? readFileSync(join(root, 'systemd-run.args'), 'utf8').trim().split('\n') : []);
  return { T, plain, run, state, unitArgs };
}

describe('boot-time revert of /etc/pve files (pmxcfs)', () => {
  it('with pve-cluster: other files revert at once, /etc/pve files are queued to a unit after pve-cluster, state reverting', () => {
    const n = node({ pveCluster: true });
    const r = n.run('boot');
    assert.equal(r.status, 0, r.out);
    assert.equal(readFileSync(n.plain, 'utf8'), 'before\n');
    assert.doesNotMatch(r.out, /restored \/etc\/pve/);
    assert.equal(readFileSync(join(n.T, 'pmxcfs-boot'), 'utf8'), `file ${PVE_FILE} 1 ${sha('[OPTIONS]\nenable: 0\n')} 640 0 33\n`);
    assert.deepEqual(n.unitArgs(), [`--no-block --collect --unit pvesec-pmxcfs-revert-${ID} --property After=pve-cluster.service --property Wants=pve-cluster.service /bin/sh ${n.T}/revert pmxcfs`]);
    assert.match(n.state(), /^reverting the node rebooted inside the confirmation window; the \/etc\/pve files wait for pve-cluster \(pvesec-pmxcfs-revert-.*\.service\)$/);
    assert.match(r.out, new RegExp(`pvesec-tx reverting ${ID} `));

    // rebooted again before pve-cluster came up: the unit is queued again, the state stays reverting
    const again = n.run('boot');
    assert.equal(again.status, 0, again.out);
    assert.equal(n.unitArgs().length, 2);
    assert.match(n.state(), /^reverting /);

    // the unit runs but pve-cluster did not mount /etc/pve: loud, revert-failed, nothing written
    const late = n.run('pmxcfs');
    assert.equal(late.status, 5, late.out);
    assert.match(late.out, /revert-error \/etc\/pve is not mounted \(pve-cluster did not start\): 1 path\(s\) under \/etc\/pve not restored \(listed in .*pmxcfs-boot; once it is mounted: sh .*\/revert pmxcfs\)/);
    assert.match(n.state(), /^revert-failed the node rebooted inside the confirmation window; the \/etc\/pve files are not restored$/);
    // the files are still queued: the next boot tries again
    assert.equal(n.run('boot').status, 0);
    assert.equal(n.unitArgs().length, 3);
    assert.match(n.state(), /^revert-failed /);
  });

  it('when the early part failed, the /etc/pve files are still restored by the unit, and the state stays revert-failed', () => {
    const n = node({ pveCluster: true });
    writeFileSync(join(n.T, 'files', '2'), 'damaged\n');
    const r = n.run('boot');
    assert.equal(r.status, 5, r.out);
    assert.match(r.out, /revert-error the saved copy of .*issue .* is damaged/);
    assert.equal(n.unitArgs().length, 1, 'the /etc/pve files are queued all the same');
    assert.match(n.state(), /^revert-failed /);
    const late = n.run('pmxcfs');
    assert.equal(late.status, 5, late.out);
    assert.match(late.out, /revert-error \/etc\/pve is not mounted/);
    assert.doesNotMatch(late.out, /refused|state /);
    assert.match(n.state(), /^revert-failed the node rebooted inside the confirmation window$/, 'the reason of the first failure stays');
  });

  it('the pmxcfs continuation refuses unless the transaction is reverting', () => {
    const n = node({ pveCluster: true });
    const r = n.run('pmxcfs');
    assert.equal(r.status, 3, r.out);
    assert.match(n.state(), /^armed /);
  });

  for (const pveCluster of [false, 'alias'] as const) it(`${pveCluster ? 'with pve-cluster.service only an alias of another unit' : 'without pve-cluster'} (/etc/pve a plain directory) everything is restored at once, as before`, () => {
    // the saved copy of the /etc/pve file is damaged, so the immediate attempt shows without writing /etc/pve
    const n = node({ pveCluster, damagePveCopy: true });
    const before = existsSync(PVE_FILE) ? statSync(PVE_FILE).mtimeMs : undefined;
    const r = n.run('boot');
    assert.equal(r.status, 5, r.out);
    assert.match(r.out, /revert-error the saved copy of \/etc\/pve\/firewall\/cluster.fw .* is damaged/);
    assert.equal(readFileSync(n.plain, 'utf8'), 'before\n');
    assert.equal(existsSync(join(n.T, 'pmxcfs-boot')), false);
    assert.deepEqual(n.unitArgs(), []);
    assert.match(n.state(), /^revert-failed /);
    assert.equal(existsSync(PVE_FILE) ? statSync(PVE_FILE).mtimeMs : undefined, before);
  });

  it('begin refuses while a transaction is still reverting its /etc/pve files', () => {
    const n = node({ pveCluster: true });
    const begin = beginScript({ id: '20261207T010203Z-d4e5f6', timeoutSec: 5, controls: [], origin: 't' });
    const guard = /# a boot revert still waiting[\s\S]*?\ndone\n/.exec(begin)![0];
    const P = join(n.T, '..', '..');
    const run = () => spawnSync('sh', ['-c', `${PRELUDE}P=${P}\n${guard}echo passed`]);
    assert.match(run().stdout.toString(), /passed/, 'an armed transaction does not stop the guard');
    assert.equal(n.run('boot').status, 0);
    assert.match(n.state(), /^reverting /);
    const r = run();
    assert.equal(r.status, 3);
    assert.equal(r.stdout.toString(), `pvesec-tx refused transaction ${ID} is still reverting: its /etc/pve files wait for pve-cluster (pvesec-pmxcfs-revert-${ID}.service)\n`);
  });
});
