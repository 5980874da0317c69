/**
 * End to end: audit a weak test host, harden it by hand the way an operator would (sshd, an admin
 * user with key and sudo, iptables, a fail2ban jail), audit again: the clear-cut verdicts flip.
 * Test hosts: h20 (10.77.0.20), client h39 (10.77.0.39, the admin workstation).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditJson, describeRun, statusOf, type AuditReport } from '../harness/cli.js';
import { downAll, e2eSkipReason, ensureCliBuilt, knownHostsFile, mustExecIn, upClient, upHost, writeFileIn, type Host } from '../harness/hosts.js';
import { addUser, restartSshd, setSshdOption } from '../harness/node-setup.js';

const skip = e2eSkipReason();

/** sha256 over every regular file under /etc: the audit must not change the node. */
const ETC_DIGEST = 'find /etc -xdev -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum';

describe('hardening by hand flips the verdicts (e2e)', { skip, timeout: 300_000 }, () => {
  let node: Host;
  let client: Host;
  let knownHosts: string;

  async function audit(): Promise<AuditReport> {
    const r = await auditJson(client, [`ssh://root@${node.ip}`], { knownHosts });
    assert.ok(r.code === 0 || r.code === 1, `audit should succeed: ${describeRun(r)}`);
    assert.ok(r.report, `JSON report expected: ${describeRun(r)}`);
    assert.equal(r.report.targets[0]?.status, 'ok', `target error: ${r.report.targets[0]?.error}`);
    return r.report;
  }

  before(async () => {
    await ensureCliBuilt();
    node = await upHost('h20', 20);
    client = await upClient('h39', 39);
    knownHosts = await knownHostsFile([node]);
    // A careless node: root may log in with a password (Debian's default still allows passwords).
    await setSshdOption(node, 'PermitRootLogin', 'yes');
    await restartSshd(node);
  }, { timeout: 240_000 });

  after(() => downAll(), { timeout: 60_000 });

  it('before hardening: the weak settings are reported', { timeout: 90_000 }, async () => {
    const report = await audit();
    assert.equal(statusOf(report, 'SSH-01', 'h20'), 'FAIL'); // PermitRootLogin yes
    assert.equal(statusOf(report, 'SSH-02', 'h20'), 'FAIL'); // PasswordAuthentication yes (default)
    assert.equal(statusOf(report, 'SSH-12', 'h20'), 'FAIL'); // X11Forwarding yes (Debian's sshd_config)
    assert.equal(statusOf(report, 'ACC-01', 'h20'), 'FAIL'); // nobody but root can administer
    assert.equal(statusOf(report, 'FW-03', 'h20'), 'FAIL'); // INPUT policy ACCEPT, no rules
    assert.notEqual(statusOf(report, 'BF-02', 'h20'), 'PASS'); // jail.conf bantime 10m < 3600 s
    assert.equal(statusOf(report, 'BF-01', 'h20'), 'PASS'); // fail2ban installed, enabled, running
  });

  it('after hardening: the same controls pass, and the audit changed nothing', { timeout: 120_000 }, async () => {
    // sshd
    await setSshdOption(node, 'PermitRootLogin', 'prohibit-password');
    await setSshdOption(node, 'PasswordAuthentication', 'no');
    await setSshdOption(node, 'X11Forwarding', 'no');
    await restartSshd(node);
    // an administrator who logs in with a key and uses sudo
    await addUser(node, 'admin', { sudo: true });
    // firewall: only the admin workstation reaches ssh and the web UI; everything else dropped
    await mustExecIn(node, [
      'iptables -A INPUT -i lo -j ACCEPT',
      'iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
      `iptables -A INPUT -p tcp -s ${client.ip} --dport 22 -j ACCEPT`,
      `iptables -A INPUT -p tcp -s ${client.ip} --dport 8006 -j ACCEPT`,
      'iptables -P INPUT DROP',
      'mkdir -p /etc/iptables',
      'iptables-save > /etc/iptables/rules.v4',
    ].join(' && '));
    // fail2ban: stricter sshd jail
    await writeFileIn(node, '/etc/fail2ban/jail.local',
      '[sshd]\nenabled  = true\nmaxretry = 3\nfindtime = 10m\nbantime  = 1h\n', 0o644);
    await mustExecIn(node, 'fail2ban-client reload >/dev/null');
    assert.equal((await mustExecIn(node, 'fail2ban-client get sshd bantime')).trim(), '3600');

    const etcBefore = await mustExecIn(node, ETC_DIGEST);
    const report = await audit();
    assert.equal(await mustExecIn(node, ETC_DIGEST), etcBefore, 'the audit modified files under /etc');

    assert.equal(statusOf(report, 'SSH-01', 'h20'), 'PASS');
    assert.equal(statusOf(report, 'SSH-02', 'h20'), 'PASS');
    assert.equal(statusOf(report, 'SSH-12', 'h20'), 'PASS');
    assert.equal(statusOf(report, 'ACC-01', 'h20'), 'PASS');
    assert.equal(statusOf(report, 'ACC-03', 'h20'), 'PASS'); // admin has a key, 0700/0600, own files
    assert.equal(statusOf(report, 'FW-03', 'h20'), 'PASS');
    assert.equal(statusOf(report, 'BF-02', 'h20'), 'PASS');
    assert.equal(statusOf(report, 'BF-01', 'h20'), 'PASS');
  });
});
