/**
 * End to end: AUD-05 (the journal is kept on disk) on a systemd test host, through the real CLI from a
 * client: a node whose /var/log/journal was removed (Storage=auto: the journal lives in RAM) is planned,
 * applied (the pvesec journald drop-in, /var/log/journal created by the transaction, journald restarted),
 * re-planned (nothing to change) and rolled back to exactly the old behaviour (directory and drop-in gone;
 * journald, stopping with Storage=persistent, may recreate the directory during the revert's restart: the
 * revert removes it again, which this test caught in 2 of 5 runs before the revert did so).
 * Hosts (block 'e2e-journal'): m251 (10.77.0.251, systemd), client m252 (10.77.0.252).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditJson, describeRun, statusOf } from '../harness/cli.js';
import {
  claimBlock, CLI, downAll, e2eSystemdSkipReason, ensureCliBuilt, execIn, keys, knownHostsFile, mustExecIn, runInClient, upClient, upHost,
  type Host, type RunResult,
} from '../harness/hosts.js';
import { JOURNALD_DROPIN, JOURNALD_DROPIN_TEXT } from '../../src/checks/aud/remedy.js';

const skip = e2eSystemdSkipReason();

describe('AUD-05: plan, apply and roll back a persistent journal on a systemd test host (e2e)', { skip, timeout: 600_000 }, () => {
  let node: Host;
  let client: Host;
  let knownHosts: string;

  const cli = (cmd: 'plan' | 'apply' | 'rollback'): Promise<RunResult> => runInClient(client, [process.execPath, CLI, cmd, `ssh://root@${node.ip}`,
    ...(cmd === 'rollback' ? [] : ['--control', 'AUD-05']), ...(cmd === 'apply' ? ['--yes', '--confirm-timeout', '120'] : []),
    '--identity', keys.root, '--known-hosts', knownHosts, '--timeout', '30'], { timeoutMs: 240_000 });

  async function aud05(): Promise<string | undefined> {
    const r = await auditJson(client, [`ssh://root@${node.ip}`], { knownHosts, extraArgs: ['--control', 'AUD-05'] });
    assert.ok(r.report, describeRun(r));
    return statusOf(r.report, 'AUD-05', node.name);
  }

  /** A message logged now is found in the journal files under /var/log/journal (not merely in /run). */
  async function loggedOnDisk(marker: string): Promise<boolean> {
    await mustExecIn(node, `logger -t pvesec-e2e ${marker} && journalctl --sync`);
    return (await execIn(node, `journalctl -q -D /var/log/journal -t pvesec-e2e --no-pager -o cat 2>/dev/null | grep -qx ${marker}`)).code === 0;
  }

  before(async () => {
    await claimBlock('e2e-journal');
    await ensureCliBuilt();
    [node, client] = await Promise.all([upHost('m251', 251, { init: 'systemd' }), upClient('m252', 252)]);
    knownHosts = await knownHostsFile([node]);
    // a node that lost /var/log/journal: with Debian's Storage=auto journald falls back to /run (RAM)
    await mustExecIn(node, 'rm -rf /var/log/journal && systemctl restart systemd-journald');
  }, { timeout: 300_000 });

  after(() => downAll(), { timeout: 120_000 });

  it('plan → apply → a second plan changes nothing → rollback restores the volatile journal', { timeout: 480_000 }, async (t) => {
    assert.equal(await aud05(), 'FAIL');
    assert.equal((await execIn(node, 'test -d /run/log/journal')).code, 0, 'journald keeps its journal in /run');

    const planned = await cli('plan');
    assert.equal(planned.code, 1, describeRun(planned));
    for (const line of [JOURNALD_DROPIN, 'create /var/log/journal', 'restart systemd-journald', 'journalctl --flush']) assert.ok((planned.stdout + planned.stderr).includes(line), `plan lacks "${line}": ${describeRun(planned)}`);

    const applied = await cli('apply');
    assert.equal(applied.code, 0, describeRun(applied));
    assert.match(applied.stdout + applied.stderr, /AUD-05 FAIL -> PASS/, describeRun(applied));
    assert.equal(await aud05(), 'PASS');
    assert.equal(await mustExecIn(node, `cat ${JOURNALD_DROPIN}`), JOURNALD_DROPIN_TEXT);
    assert.equal((await mustExecIn(node, "stat -c '%a %U %G' /var/log/journal")).trim(), '2755 root systemd-journal');
    assert.ok(await loggedOnDisk('after-apply'), 'journald writes under /var/log/journal');
    // systemd-tmpfiles gave it the POSIX ACLs it gives at boot (the adm group may read the journal)
    assert.match(await mustExecIn(node, `python3 -c "import os; print(sorted(os.listxattr('/var/log/journal')))"`), /system\.posix_acl_default/);

    const again = await cli('plan');
    assert.equal(again.code, 0, `a second plan changes nothing: ${describeRun(again)}`);

    const back = await cli('rollback');
    assert.equal(back.code, 0, describeRun(back));
    t.diagnostic(`plan ${Math.round(planned.durationMs)} ms, apply ${Math.round(applied.durationMs)} ms, rollback ${Math.round(back.durationMs)} ms`);
    assert.equal((await execIn(node, `test -e ${JOURNALD_DROPIN}`)).code, 1, 'the drop-in is gone');
    assert.equal((await execIn(node, 'test -e /var/log/journal')).code, 1, '/var/log/journal is gone (with Storage=auto it would keep the journal on disk)');
    assert.equal((await mustExecIn(node, 'systemctl is-active systemd-journald')).trim(), 'active');
    await mustExecIn(node, 'logger -t pvesec-e2e after-rollback && journalctl --sync');
    assert.equal((await execIn(node, 'test -e /var/log/journal')).code, 1, 'journald did not recreate it');
    assert.equal(await aud05(), 'FAIL');
  });
});
