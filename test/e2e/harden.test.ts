/**
 * End to end: audit a weak test host, harden it by hand the way an operator would (sshd, an admin
 * user with key and sudo, iptables, a fail2ban jail), audit again: the clear-cut verdicts flip.
 * Test hosts: h20 (10.77.0.20), client h39 (10.77.0.39, the admin workstation).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { auditJson, describeRun, findingsOf, statusOf, type AuditReport } from '../harness/cli.js';
import { claimBlock, downAll, e2eSkipReason, ensureCliBuilt, knownHostsFile, mustExecIn, upClient, upHost, writeFileIn, type Host } from '../harness/hosts.js';
import { addUser, restartSshd, setSshdOption } from '../harness/node-setup.js';

const skip = e2eSkipReason();

/** Sysctls of KRN-01 that are per network namespace, so a test host can really set them. */
const NET_SYSCTLS: [string, number][] = [
  ['net.ipv4.conf.all.accept_redirects', 0],
  ['net.ipv6.conf.all.accept_redirects', 0],
  ['net.ipv4.conf.all.send_redirects', 0],
  ['net.ipv4.tcp_syncookies', 1],
  ['net.ipv4.conf.all.log_martians', 1],
  ['net.ipv4.icmp_echo_ignore_broadcasts', 1],
];

/** The KRN-01 verdict for one sysctl key (KRN-01 reports one finding per key, its message starts with the key). */
function sysctlStatus(report: AuditReport, node: string, key: string): string {
  const f = findingsOf(report, 'KRN-01', node).filter((x) => x.message.startsWith(`${key} `) || x.message.startsWith(`${key}:`));
  assert.equal(f.length, 1, `one KRN-01 finding for ${key}: ${JSON.stringify(findingsOf(report, 'KRN-01', node).map((x) => x.message))}`);
  return f[0].status;
}

/**
 * FW-04 is decided by simulating packets (the firewall engine). Until the engine is part of the
 * build it SKIPs with "engine not available"; then the assertion is recorded as skipped, not passed.
 */
function assertFw04(t: TestContext, report: AuditReport, node: string, expected: 'PASS' | 'FAIL'): void {
  const [f] = findingsOf(report, 'FW-04', node);
  assert.ok(f, 'FW-04 reported');
  if (f.status === 'SKIP' && /engine/i.test(f.message)) {
    t.diagnostic(`FW-04 not asserted: ${f.message}`);
    return;
  }
  assert.equal(f.status, expected, `FW-04: ${f.message}`);
}

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
    await claimBlock('e2e-harden');
    node = await upHost('h20', 20);
    client = await upClient('h39', 39);
    knownHosts = await knownHostsFile([node]);
    // A careless node: root may log in with a password (Debian's default still allows passwords).
    await setSshdOption(node, 'PermitRootLogin', 'yes');
    await restartSshd(node);
  }, { timeout: 240_000 });

  after(() => downAll(), { timeout: 60_000 });

  it('before hardening: the weak settings are reported', { timeout: 90_000 }, async (t) => {
    const report = await audit();
    assert.equal(statusOf(report, 'SSH-01', 'h20'), 'FAIL'); // PermitRootLogin yes
    assert.equal(statusOf(report, 'SSH-02', 'h20'), 'FAIL'); // PasswordAuthentication yes (default)
    assert.equal(statusOf(report, 'SSH-12', 'h20'), 'FAIL'); // X11Forwarding yes (Debian's sshd_config)
    assert.equal(statusOf(report, 'ACC-01', 'h20'), 'FAIL'); // nobody but root can administer
    assert.equal(statusOf(report, 'BF-02', 'h20'), 'FAIL'); // jail.conf bantime 10m < 3600 s
    assert.equal(statusOf(report, 'BF-01', 'h20'), 'PASS'); // fail2ban installed, enabled, running
    assert.equal(sysctlStatus(report, 'h20', 'net.ipv4.conf.all.log_martians'), 'FAIL'); // kernel default 0
    assertFw04(t, report, 'h20', 'FAIL'); // INPUT policy ACCEPT, no rules: ssh open to the world
  });

  it('after hardening: the same controls pass, and the audit changed nothing', { timeout: 120_000 }, async (t) => {
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
    // network sysctls: persisted and applied
    await writeFileIn(node, '/etc/sysctl.d/90-hardening.conf', NET_SYSCTLS.map(([k, v]) => `${k} = ${v}\n`).join(''), 0o644);
    await mustExecIn(node, 'sysctl -q -p /etc/sysctl.d/90-hardening.conf');

    const etcBefore = await mustExecIn(node, ETC_DIGEST);
    const report = await audit();
    assert.equal(await mustExecIn(node, ETC_DIGEST), etcBefore, 'the audit modified files under /etc');

    assert.equal(statusOf(report, 'SSH-01', 'h20'), 'PASS');
    assert.equal(statusOf(report, 'SSH-02', 'h20'), 'PASS');
    assert.equal(statusOf(report, 'SSH-12', 'h20'), 'PASS');
    assert.equal(statusOf(report, 'ACC-01', 'h20'), 'PASS');
    assert.equal(statusOf(report, 'ACC-03', 'h20'), 'PASS'); // admin has a key, 0700/0600, own files
    assert.equal(statusOf(report, 'BF-02', 'h20'), 'PASS');
    assert.equal(statusOf(report, 'BF-01', 'h20'), 'PASS');
    for (const [key] of NET_SYSCTLS) assert.equal(sysctlStatus(report, 'h20', key), 'PASS', key);
    assert.equal(statusOf(report, 'FW-09', 'h20'), 'PASS'); // 4 distinct rules, none shadowed
    // rules.v4 saved, but nothing restores it at boot (netfilter-persistent is not installed)
    assert.notEqual(statusOf(report, 'FW-10', 'h20'), 'PASS');
    assertFw04(t, report, 'h20', 'PASS');
  });

  it('a duplicated iptables rule is reported (FW-09)', { timeout: 90_000 }, async () => {
    await mustExecIn(node, `iptables -A INPUT -p tcp -s ${client.ip} --dport 22 -j ACCEPT`);
    const report = await audit();
    const status = statusOf(report, 'FW-09', 'h20');
    assert.ok(status === 'FAIL' || status === 'WARN', `FW-09 ${status}`);
    assert.match(findingsOf(report, 'FW-09', 'h20').find((f) => f.status === status)!.message, /duplicate|shadow/i);
  });
});
