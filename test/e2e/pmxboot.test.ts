/**
 * End to end: the boot-time revert on a node whose /etc/pve is mounted by pve-cluster (here its stand-in,
 * which bind-mounts a directory as pmxcfs mounts its FUSE file system). A reboot inside the confirmation
 * window: the plain file is reverted early by pvesec-boot-revert.service, the /etc/pve file by
 * pvesec-pmxcfs-revert-<tx>.service once pve-cluster has mounted /etc/pve; nothing lands in the empty
 * mountpoint directory; the state ends `reverted`.
 * Hosts: m250 (10.77.0.250, systemd) — block 'e2e-pmxboot' (m250..m254, octets 250-254).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Op } from '../../src/harden/ops.js';
import { beginScript, historyScript, newTxId, parseEvents, parseHistory, stepScript } from '../../src/harden/node/scripts.js';
import { claimBlock, downAll, e2eSystemdSkipReason, execIn, mustExecIn, rebootHost, upHost, writeFileIn, type Host } from '../harness/hosts.js';
import { installPveClusterStandin, PMXCFS_BACKING, underMountpoint } from '../harness/pmxcfs-standin.js';

const skip = e2eSystemdSkipReason();
const CLUSTER_FW = '/etc/pve/firewall/cluster.fw';
const PLAIN = '/etc/pvesec-pmxboot.conf';
const base = { controls: ['FW-01'], cutsAccess: false, summary: 'e2e pmxboot' };

describe('boot-time revert of /etc/pve files behind pve-cluster (e2e)', { skip, timeout: 600_000 }, () => {
  let h: Host;

  before(async () => {
    await claimBlock('e2e-pmxboot');
    h = await upHost('m250', 250, { init: 'systemd' });
    await installPveClusterStandin(h);
  }, { timeout: 300_000 });

  after(() => downAll(), { timeout: 60_000 });

  const sh = async (script: string) => {
    const r = await execIn(h, ['sh', '-s'], { input: script, timeoutMs: 60_000 });
    return { ...r, events: parseEvents(r.stdout) };
  };
  const stateOf = async (id: string) => (await mustExecIn(h, `cut -d' ' -f1 /var/lib/pvesec/tx/${id}/state`)).trim();

  it('a reboot inside the window restores both files, the /etc/pve one after pve-cluster, never into the mountpoint', async () => {
    await mustExecIn(h, `mkdir -p /etc/pve/firewall && printf '[OPTIONS]\\nenable: 0\\n' > ${CLUSTER_FW}`);
    await writeFileIn(h, PLAIN, 'pre\n');
    const pre = await mustExecIn(h, `sha256sum ${CLUSTER_FW} ${PLAIN}`);
    assert.deepEqual(await underMountpoint(h), [], 'the mountpoint starts empty');

    const id = newTxId();
    const begin = await sh(beginScript({ id, timeoutSec: 120, controls: ['FW-01'], origin: 'e2e pmxboot.test.ts' }));
    assert.equal(begin.code, 0, begin.stdout + begin.stderr);
    const ops: Op[] = [
      { kind: 'write-file', id: `write:${CLUSTER_FW}`, ...base, path: CLUSTER_FW, content: '[OPTIONS]\nenable: 1\n', mode: 0o640, owner: 'root', group: 'www-data', pmxcfs: true },
      { kind: 'write-file', id: `write:${PLAIN}`, ...base, path: PLAIN, content: 'post\n', mode: 0o644, owner: 'root', group: 'root' },
    ];
    const step = await sh(stepScript(id, ops));
    assert.equal(step.code, 0, step.stdout + step.stderr);
    assert.equal(await mustExecIn(h, `cat ${PMXCFS_BACKING}/firewall/cluster.fw`), '[OPTIONS]\nenable: 1\n', 'the write went through the mount');

    await rebootHost(h, { timeoutMs: 240_000 });

    let state = await stateOf(id);
    for (let i = 0; i < 600 && state === 'reverting'; i++) {
      await sleep(100);
      state = await stateOf(id);
    }
    const bootLog = (await execIn(h, `journalctl -b --no-pager -o cat -u pvesec-boot-revert.service -u pvesec-pmxcfs-revert-${id}.service`)).stdout;
    assert.equal(state, 'reverted', bootLog);
    assert.equal(await mustExecIn(h, `sha256sum ${CLUSTER_FW} ${PLAIN}`), pre, bootLog);
    assert.match(bootLog, /deferred the \/etc\/pve files to pvesec-pmxcfs-revert-/);
    assert.match(bootLog, /restored \/etc\/pve\/firewall\/cluster\.fw/);
    assert.equal((await mustExecIn(h, 'mountpoint /etc/pve')).trim(), '/etc/pve is a mountpoint');
    assert.deepEqual(await underMountpoint(h), [], 'nothing was written into the mountpoint directory');
    const rec = parseHistory((await sh(historyScript())).stdout).find((r) => r.id === id);
    assert.equal(rec?.state, 'reverted');
    assert.equal(rec?.reason, 'the node rebooted inside the confirmation window');
  });

  it('pve-cluster failing at boot: revert-failed, loud, nothing in the mountpoint; `revert pmxcfs` finishes it once mounted (state reverted)', async () => {
    await mustExecIn(h, `printf '[OPTIONS]\\nenable: 0\\n' > ${CLUSTER_FW}`);
    await writeFileIn(h, PLAIN, 'pre\n');
    const pre = await mustExecIn(h, `sha256sum ${CLUSTER_FW} ${PLAIN}`);
    const id = newTxId();
    const begin = await sh(beginScript({ id, timeoutSec: 120, controls: ['FW-01'], origin: 'e2e pmxboot.test.ts' }));
    assert.equal(begin.code, 0, begin.stdout + begin.stderr);
    const step = await sh(stepScript(id, [
      { kind: 'write-file', id: `write:${CLUSTER_FW}`, ...base, path: CLUSTER_FW, content: '[OPTIONS]\nenable: 1\n', mode: 0o640, owner: 'root', group: 'www-data', pmxcfs: true },
      { kind: 'write-file', id: `write:${PLAIN}`, ...base, path: PLAIN, content: 'post\n', mode: 0o644, owner: 'root', group: 'root' },
    ]));
    assert.equal(step.code, 0, step.stdout + step.stderr);
    // the stand-in's mount source goes away: pve-cluster fails at the next boot
    await mustExecIn(h, `mv ${PMXCFS_BACKING} ${PMXCFS_BACKING}.off`);

    await rebootHost(h, { timeoutMs: 240_000 });

    let state = await stateOf(id);
    for (let i = 0; i < 600 && state === 'reverting'; i++) {
      await sleep(100);
      state = await stateOf(id);
    }
    const log = async () => (await execIn(h, `journalctl -b --no-pager -o cat -u pvesec-boot-revert.service -u pvesec-pmxcfs-revert-${id}.service`)).stdout;
    const bootLog = await log();
    assert.equal(state, 'revert-failed', bootLog);
    assert.match(bootLog, /revert-error \/etc\/pve is not mounted \(pve-cluster did not start\)/);
    assert.equal(await mustExecIn(h, `cat ${PLAIN}`), 'pre\n', 'the plain file was reverted early');
    assert.notEqual((await execIn(h, 'mountpoint -q /etc/pve')).code, 0);
    assert.deepEqual((await mustExecIn(h, 'find /etc/pve -mindepth 1')).trim(), '', 'nothing was written into the mountpoint directory');

    await mustExecIn(h, `mv ${PMXCFS_BACKING}.off ${PMXCFS_BACKING} && systemctl start pve-cluster.service`);
    const retry = await execIn(h, ['sh', `/var/lib/pvesec/tx/${id}/revert`, 'pmxcfs']);
    assert.equal(retry.code, 0, retry.stdout + retry.stderr);
    assert.match(retry.stdout, /restored \/etc\/pve\/firewall\/cluster\.fw/);
    assert.equal(await mustExecIn(h, `sha256sum ${CLUSTER_FW} ${PLAIN}`), pre);
    assert.equal(await stateOf(id), 'reverted', 'only the /etc/pve part had failed: now the transaction is reverted');
    assert.deepEqual(await underMountpoint(h), []);
  });
});
