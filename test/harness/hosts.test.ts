/**
 * The harness itself: a test host boots with a real sshd reachable from a client namespace, files
 * and commands inside it work, known_hosts built from it verifies strictly, teardown is complete.
 * Hosts: a2 (10.77.0.2), client a18 (10.77.0.18) — inside the audit-ssh block.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  claimBlock, down, downAll, e2eSkipReason, execIn, keys, knownHostsFile, mustExecIn, run, runInClient, tempDir, TH_VAR, upClient, upHost,
  writeFileIn, type Host,
} from './hosts.js';
import { restartSshd, setSshdOption } from './node-setup.js';

const skip = e2eSkipReason();

describe('test-host harness', { skip, timeout: 120_000 }, () => {
  let node: Host;
  let client: Host;

  before(async () => {
    await claimBlock('harness-self-test');
    node = await upHost('a2', 2);
    client = await upClient('a18', 18);
  }, { timeout: 60_000 });

  after(() => downAll(), { timeout: 60_000 });

  const ssh = (knownHosts: string, cmd: string) =>
    runInClient(client, [
      'ssh', '-F', '/dev/null', '-i', keys.root, '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes',
      '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', `root@${node.ip}`, cmd,
    ], { timeoutMs: 20_000 });

  it('runs commands and writes files inside the host', async () => {
    assert.equal((await mustExecIn(node, 'hostname')).trim(), 'a2');
    await writeFileIn(node, '/etc/e2e/it\'s here', 'line 1\n', 0o640);
    assert.equal(await mustExecIn(node, ['stat', '-c', '%a', "/etc/e2e/it's here"]), '640\n');
    assert.equal(await mustExecIn(node, ['cat', "/etc/e2e/it's here"]), 'line 1\n');
    assert.equal(existsSync("/etc/e2e/it's here"), false, 'the file must not land on this machine');
    const r = await execIn(node, 'exit 3');
    assert.equal(r.code, 3);
  });

  it('ssh from the client verifies the host key from knownHostsFile', async () => {
    const r = await ssh(await knownHostsFile([node]), 'id -u');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '0\n');
  });

  it('a wrong known_hosts key is refused', async () => {
    const other = join(TH_VAR, 'cache/hostkeys', String((node.octet + 1) % 16), 'ssh_host_ed25519_key.pub');
    const [type, blob] = readFileSync(other, 'utf8').trim().split(/\s+/);
    const file = join(tempDir(), 'known_hosts');
    writeFileSync(file, `${node.ip} ${type} ${blob}\n`);
    const r = await ssh(file, 'true');
    assert.equal(r.code, 255);
    assert.match(r.stderr, /host key|HOST IDENTIFICATION/i);
  });

  it('restart with a broken sshd_config leaves sshd stopped, like systemd', async () => {
    await setSshdOption(node, 'PasswordAuthentication', 'maybe');
    await assert.rejects(restartSshd(node), /exit 1/);
    assert.equal((await execIn(node, 'systemctl is-active ssh')).code, 3);
    await setSshdOption(node, 'PasswordAuthentication', 'no');
    await restartSshd(node);
  });

  it('run() kills a command that exceeds its timeout', async () => {
    const r = await run(['sleep', '30'], { timeoutMs: 200 });
    assert.equal(r.timedOut, true);
    assert.ok(r.durationMs < 5_000);
  });

  it('down removes the host and its namespace', async () => {
    const extra = await upClient('a17', 17);
    await down([extra]);
    const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    assert.ok(!/^th-a17\b/m.test(netns), netns);
  });
});
