/**
 * Test hosts with real systemd as PID 1 (TH_INIT=systemd), the ground every test of a change to a node
 * stands on: timers belong to PID 1 and outlive the SSH session that armed them, enabled units run at
 * boot, a reboot keeps the disk and loses the network state.
 * Hosts: s150 (10.77.0.150, systemd), client s159 (10.77.0.159) — the systemd self-test block.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  bootId, claimBlock, downAll, e2eSystemdSkipReason, execIn, keys, knownHostsFile, mustExecIn, rebootHost, runInClient, upClient, upHost,
  waitForBoot, writeFileIn, type Host,
} from './hosts.js';

const skip = e2eSystemdSkipReason();

describe('systemd test hosts', { skip, timeout: 500_000 }, () => {
  let node: Host;
  let client: Host;
  let knownHosts: string;

  before(async () => {
    await claimBlock('systemd-self-test');
    [node, client] = await Promise.all([upHost('s150', 150, { init: 'systemd' }), upClient('s159', 159)]);
    knownHosts = await knownHostsFile([node]);
  }, { timeout: 300_000 });

  after(() => downAll(), { timeout: 60_000 });

  const sshArgs = (cmd: string) => [
    'ssh', '-F', '/dev/null', '-i', keys.root, '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', `root@${node.ip}`, cmd,
  ];

  it('runs systemd as PID 1 and reaches a running (or degraded) system', async () => {
    assert.equal((await mustExecIn(node, 'cat /proc/1/comm')).trim(), 'systemd');
    const state = (await execIn(node, 'systemctl is-system-running')).stdout.trim();
    assert.ok(state === 'running' || state === 'degraded', state);
    assert.equal((await execIn(node, 'systemctl is-active ssh')).stdout.trim(), 'active');
    const r = await runInClient(client, sshArgs('systemctl is-active pveproxy'), { timeoutMs: 20_000 });
    assert.equal(r.stdout.trim(), 'active', r.stderr);
  });

  it('a timer armed over SSH fires after the SSH client was killed (it belongs to PID 1)', async () => {
    await execIn(node, 'rm -f /root/fired');
    // The client arms the timer, says so, then hangs until it is killed; the timer must not care.
    const client = spawn('ip', ['netns', 'exec', 'th-s159', ...sshArgs(
      'systemd-run --quiet --unit=th-deadman --on-active=5 --timer-property=AccuracySec=100ms /bin/sh -c "date +%s > /root/fired" && echo armed && sleep 60',
    )], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    client.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise((resolve) => client.once('exit', resolve));
    for (let i = 0; i < 300 && !out.includes('armed'); i++) await sleep(100);
    assert.match(out, /armed/, 'the timer was armed over SSH');
    process.kill(-client.pid!, 'SIGKILL');
    await exited;
    assert.equal((await execIn(node, 'cat /root/fired 2>/dev/null')).stdout, '', 'the timer has not fired while its SSH client lived');
    let fired = '';
    for (let i = 0; i < 150 && !fired; i++) {
      await sleep(100);
      fired = (await execIn(node, 'cat /root/fired 2>/dev/null')).stdout.trim();
    }
    assert.match(fired, /^\d+$/, 'the timer fired after its SSH client died');
  });

  it('a reboot keeps files and enabled units, and starts with an empty firewall and a new boot id', async () => {
    const before = bootId(node);
    await writeFileIn(node, '/etc/systemd/system/th-at-boot.service', [
      '[Unit]', 'Description=test: runs once per boot', '[Service]', 'Type=oneshot',
      'ExecStart=/bin/sh -c "cat /proc/sys/kernel/random/boot_id >> /var/lib/th-at-boot"', '[Install]', 'WantedBy=multi-user.target', '',
    ].join('\n'));
    await mustExecIn(node, 'systemctl daemon-reload && systemctl enable --quiet th-at-boot.service && rm -f /var/lib/th-at-boot');
    await writeFileIn(node, '/root/kept', 'on disk\n');
    await mustExecIn(node, 'iptables -A INPUT -p tcp --dport 9 -j DROP');
    const after = await rebootHost(node);
    assert.notEqual(after, before);
    assert.equal(await mustExecIn(node, 'cat /root/kept'), 'on disk\n');
    assert.equal((await mustExecIn(node, 'cat /var/lib/th-at-boot')).trim(), after, 'the enabled unit ran during the new boot');
    assert.doesNotMatch(await mustExecIn(node, 'iptables -S INPUT'), /dport 9/, 'netfilter state does not survive a reboot');
    const r = await runInClient(client, sshArgs('true'), { timeoutMs: 20_000 });
    assert.equal(r.code, 0, `sshd answers after the reboot: ${r.stderr}`);
  });

  it('a reboot started inside the host (not through the harness) is waited for', async () => {
    const before = bootId(node);
    await execIn(node, 'systemctl reboot', { timeoutMs: 10_000 });
    const after = await waitForBoot(node, before);
    assert.notEqual(after, before);
    assert.equal((await mustExecIn(node, 'cat /proc/1/comm')).trim(), 'systemd');
  });
});
