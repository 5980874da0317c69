/**
 * End to end: a target that cannot be collected (unreachable, refused, wrong key, host-key mismatch,
 * dropped or hung connection) gives a one-line error naming the host, exit code 2, and the other
 * node of the same run still reports in full.
 * Test hosts: e40 (healthy), e41 (the one that goes wrong), client e59; 10.77.0.58 stays unused.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditJson, describeRun, type AuditRun } from '../harness/cli.js';
import {
  claimBlock, downAll, e2eSkipReason, ensureCliBuilt, ipOf, knownHostsFile, knownHostsLines, mustExecIn, tempDir,
  upClient, upHost, writeFileIn, type Host,
} from '../harness/hosts.js';

const skip = e2eSkipReason();
const UNUSED = ipOf(58);

/** Replaces pveversion (a command the collector runs) on the node with a script; returns a restore function. */
async function replacePveversion(host: Host, script: string): Promise<() => Promise<void>> {
  await mustExecIn(host, 'cp -p /usr/bin/pveversion /usr/bin/pveversion.e2e-orig');
  await writeFileIn(host, '/usr/bin/pveversion', script, 0o755);
  return async () => {
    await mustExecIn(host, 'mv /usr/bin/pveversion.e2e-orig /usr/bin/pveversion');
  };
}

/** Kills the sshd processes serving the caller's connection (its ancestors below the listener). */
const DROP_CONNECTION = `#!/bin/sh
# e2e: simulate a connection that drops in the middle of the collection
p=$$
while [ "$p" -gt 1 ]; do
  pp=$(sed 's/.*) //' /proc/$p/stat | cut -d' ' -f2)
  if [ "$(cat /proc/$p/comm)" = sshd ] && [ "$pp" != 1 ]; then kill -KILL "$p"; fi
  p=$pp
done
sleep 30
`;

describe('collection errors (e2e)', { skip, timeout: 400_000 }, () => {
  let good: Host;
  let bad: Host;
  let client: Host;
  let knownHosts: string;

  before(async () => {
    await ensureCliBuilt();
    await claimBlock('e2e-errors');
    [good, bad] = await Promise.all([upHost('e40', 40), upHost('e41', 41)]);
    client = await upClient('e59', 59);
    knownHosts = await knownHostsFile([good, bad]);
  }, { timeout: 240_000 });

  after(() => downAll(), { timeout: 60_000 });

  /** The run failed for `badIp` only: exit 2, a one-line error naming it, and e40 fully reported. */
  function assertOnlyTargetFailed(r: AuditRun, badIp: string, cause?: RegExp): void {
    assert.equal(r.code, 2, `exit code 2 expected: ${describeRun(r)}`);
    assert.ok(!r.timedOut, 'the CLI must end on its own (timeouts)');
    assert.ok(r.report, `the other node is still reported as JSON: ${describeRun(r)}`);
    const failed = r.report.targets.find((t) => t.target.includes(badIp));
    const ok = r.report.targets.find((t) => t.target.includes(good.ip));
    assert.ok(failed && ok, `both targets listed: ${JSON.stringify(r.report.targets)}`);
    assert.equal(failed.status, 'error');
    assert.ok(failed.error, 'targets[].error is set');
    assert.ok(!failed.error.includes('\n'), `one-line error: ${JSON.stringify(failed.error)}`);
    assert.ok(failed.error.includes(badIp), `error names the host: ${failed.error}`);
    if (cause) assert.match(failed.error, cause);
    const errLines = r.stderr.split('\n').filter((l) => l.includes(badIp));
    assert.ok(errLines.length >= 1, `stderr names ${badIp}: ${r.stderr}`);
    assert.equal(ok.status, 'ok', `healthy node failed: ${ok.error}`);
    assert.equal(ok.node, 'e40');
    const goodFindings = r.report.findings.filter((f) => f.node === 'e40');
    assert.ok(goodFindings.length >= 20, `e40 reported in full, got ${goodFindings.length} findings`);
    assert.ok(goodFindings.some((f) => f.id === 'SSH-02' && f.status === 'FAIL'), 'e40 verdicts are real');
    assert.equal(r.report.findings.filter((f) => f.node === 'e41').length, 0, 'no findings for the failed node');
  }

  it('unreachable host', { timeout: 60_000 }, async () => {
    const r = await auditJson(client, [`ssh://root@${UNUSED}`, `ssh://root@${good.ip}`], { knownHosts, timeoutSec: 15 });
    assertOnlyTargetFailed(r, UNUSED);
  });

  it('connection refused (sshd stopped)', { timeout: 60_000 }, async () => {
    await mustExecIn(bad, 'systemctl stop ssh');
    try {
      const r = await auditJson(client, [`ssh://root@${good.ip}`, `ssh://root@${bad.ip}`], { knownHosts, timeoutSec: 15 });
      assertOnlyTargetFailed(r, bad.ip, /refused|ECONNREFUSED/i);
    } finally {
      await mustExecIn(bad, 'systemctl start ssh');
    }
  });

  it('wrong key (not authorized on the host)', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const key = join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'e2e-wrong-key', '-f', key]);
    // Authorized on the healthy node only.
    await mustExecIn(good, `cat >> /root/.ssh/authorized_keys`, { input: readFileSync(`${key}.pub`, 'utf8') });
    const r = await auditJson(client, [`ssh://root@${bad.ip}`, `ssh://root@${good.ip}`], { knownHosts, identity: key, timeoutSec: 15 });
    assertOnlyTargetFailed(r, bad.ip, /auth|denied|key/i);
    assert.ok(!r.stdout.includes(readFileSync(key, 'utf8').split('\n')[1]), 'private key material in the output');
  });

  it('host-key mismatch (known_hosts holds another key)', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const other = join(dir, 'other_host_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'not-e41', '-f', other]);
    const [type, blob] = readFileSync(`${other}.pub`, 'utf8').trim().split(/\s+/);
    const file = join(dir, 'known_hosts');
    const lines = (await knownHostsLines([good])) + `${bad.ip} ${type} ${blob}\n`;
    execFileSync('sh', ['-c', `cat > '${file}'`], { input: lines });
    const r = await auditJson(client, [`ssh://root@${bad.ip}`, `ssh://root@${good.ip}`], { knownHosts: file, timeoutSec: 15 });
    assertOnlyTargetFailed(r, bad.ip, /host key|fingerprint|known_hosts|mismatch|verif/i);
    assert.equal(readFileSync(file, 'utf8'), lines, 'known_hosts must not be rewritten without --accept-new');
  });

  it('connection dropped in the middle of the collection', { timeout: 90_000 }, async () => {
    const restore = await replacePveversion(bad, DROP_CONNECTION);
    try {
      const r = await auditJson(client, [`ssh://root@${good.ip}`, `ssh://root@${bad.ip}`], { knownHosts, timeoutSec: 20 });
      assertOnlyTargetFailed(r, bad.ip);
      assert.ok(r.durationMs < 20_000, `a dropped connection is noticed at once, not by the timeout (${Math.round(r.durationMs)} ms)`);
    } finally {
      await restore();
    }
  });

  it('command hangs on the node: --timeout ends it', { timeout: 120_000 }, async () => {
    const restore = await replacePveversion(bad, '#!/bin/sh\necho $$ >> /run/e2e-hang.pids\nexec sleep 300\n');
    try {
      const r = await auditJson(client, [`ssh://root@${bad.ip}`, `ssh://root@${good.ip}`], { knownHosts, timeoutSec: 15, processTimeoutMs: 90_000 });
      assertOnlyTargetFailed(r, bad.ip, /time/i);
      assert.ok(r.durationMs < 50_000, `--timeout 15 honoured against a command that sleeps 300 s (took ${Math.round(r.durationMs)} ms)`);
    } finally {
      await mustExecIn(bad, 'for p in $(cat /run/e2e-hang.pids 2>/dev/null); do kill $p 2>/dev/null; done; rm -f /run/e2e-hang.pids');
      await restore();
    }
  });
});
