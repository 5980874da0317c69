/**
 * End to end: the built CLI audits a real Debian test host over SSH, logged in as root, as a sudo
 * user and as a user without sudo. Test hosts: a1 (10.77.0.1), client a19 (10.77.0.19).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditJson, describeRun, findingsOf, statusOf, type AuditRun } from '../harness/cli.js';
import { claimBlock, downAll, e2eSkipReason, ensureCliBuilt, keys, knownHostsFile, upClient, upHost, type Host } from '../harness/hosts.js';
import { addUser, shadowHash } from '../harness/node-setup.js';

const skip = e2eSkipReason();

/**
 * Controls whose data only root can read: ~admin/.ssh (0700), /etc/shadow, sshd -t/-T (host keys),
 * iptables-save / nft, /root/pve-config-*.tar.gz.
 */
const ROOT_ONLY = ['ACC-03', 'ACC-07', 'SSH-15', 'FW-09', 'FW-10', 'BAK-01'];

describe('pvesec audit over SSH (e2e)', { skip, timeout: 300_000 }, () => {
  let node: Host;
  let client: Host;
  let knownHosts: string;
  const hashes: string[] = [];

  before(async () => {
    await ensureCliBuilt();
    await claimBlock('e2e-audit-ssh');
    node = await upHost('a1', 1);
    client = await upClient('a19', 19);
    await addUser(node, 'admin', { sudo: true, password: 'E2e-Admin-Only-1' });
    await addUser(node, 'auditor', { password: 'E2e-Auditor-Only-1' });
    hashes.push(await shadowHash(node, 'admin'), await shadowHash(node, 'auditor'));
    assert.ok(hashes.every((h) => h.startsWith('$')), `expected real password hashes, got ${hashes.length}`);
    knownHosts = await knownHostsFile([node], undefined, { ipv6: true });
  }, { timeout: 240_000 });

  after(() => downAll(), { timeout: 60_000 });

  function assertHealthyRun(r: AuditRun, privilege: string): asserts r is AuditRun & { report: NonNullable<AuditRun['report']> } {
    assert.ok(r.code === 0 || r.code === 1, `audit should succeed (exit 0/1): ${describeRun(r)}`);
    assert.ok(r.report, `stdout should be a pvesec.audit/v1 report: ${describeRun(r)}`);
    const [t] = r.report.targets;
    assert.equal(r.report.targets.length, 1);
    assert.equal(t.status, 'ok', `target error: ${t.error}`);
    assert.equal(t.node, 'a1');
    assert.equal(t.privilege, privilege);
    const mine = r.report.findings.filter((f) => f.node === 'a1');
    assert.ok(mine.length >= 20, `expected node findings for a1, got ${mine.length}`);
    assert.equal(r.report.summary.total, r.report.findings.length);
    for (const f of r.report.findings) {
      assert.ok(f.node === 'a1' || f.cluster, `finding ${f.id} names neither node nor cluster`);
      assert.ok(!f.message.includes('\n'), `${f.id}: message must be one line: ${JSON.stringify(f.message)}`);
      if (f.status === 'SKIP') assert.ok(f.message.trim().length > 0, `${f.id}: SKIP without a reason`);
    }
    // /etc/shadow was collected (or attempted): its hashes must never appear anywhere.
    for (const h of hashes) {
      assert.ok(!r.stdout.includes(h) && !r.stderr.includes(h), 'a password hash leaked into the output');
    }
    assert.ok(!/\$(y|6|5|2b|gy)\$[^\s"]{20,}/.test(r.stdout), 'something that looks like a password hash is in the report');
  }

  it('as root: full privilege, verdicts on a default Debian sshd', { timeout: 90_000 }, async () => {
    const r = await auditJson(client, [`ssh://root@${node.ip}`], { knownHosts });
    assertHealthyRun(r, 'root');
    const report = r.report;
    // Debian's default sshd_config leaves PasswordAuthentication at its default (yes).
    assert.equal(statusOf(report, 'SSH-02', 'a1'), 'FAIL');
    const ssh02 = findingsOf(report, 'SSH-02', 'a1')[0];
    assert.match(ssh02.message, /yes/i);
    assert.ok(ssh02.evidence.length > 0, 'SSH-02 must carry evidence');
    assert.ok(ssh02.evidence.some((e) => /sshd/.test(e.source)), `evidence from sshd: ${JSON.stringify(ssh02.evidence)}`);
    // Default PermitRootLogin prohibit-password: root cannot use a password.
    assert.equal(statusOf(report, 'SSH-01', 'a1'), 'PASS');
    // admin: uid >= 1000, bash, group sudo, sudo installed.
    assert.equal(statusOf(report, 'ACC-01', 'a1'), 'PASS');
    // No empty password field (root locked, users hashed): decided on the collected shadow.
    assert.equal(statusOf(report, 'ACC-07', 'a1'), 'PASS');
    // Not a Proxmox node: no /etc/pve, so cluster-wide identity controls cannot pass.
    const pve01 = findingsOf(report, 'PVE-01');
    assert.ok(pve01.length > 0, 'PVE-01 is reported');
    for (const f of pve01) assert.equal(f.status, 'SKIP', `PVE-01 without /etc/pve: ${f.status} ${f.message}`);
  });

  it('exit code follows --fail-on; --control and --only narrow the report; IPv6 target', { timeout: 90_000 }, async (t) => {
    // SSH-02 (critical) fails: the default --fail-on high gives exit 1 ...
    const narrowed = await auditJson(client, [`ssh://root@${node.ip}`], { knownHosts, extraArgs: ['--control', 'SSH-*', '--only', 'FAIL'] });
    assert.equal(narrowed.code, 1, describeRun(narrowed));
    assert.ok(narrowed.report, describeRun(narrowed));
    assert.ok(narrowed.report.findings.some((f) => f.id === 'SSH-02'), 'SSH-02 kept');
    for (const f of narrowed.report.findings) {
      assert.match(f.id, /^SSH-/, `--control SSH-* let ${f.id} through`);
      assert.equal(f.status, 'FAIL', `--only FAIL let ${f.id} ${f.status} through`);
    }
    // ... and --fail-on none always 0; the same node reached over IPv6.
    if (!node.ip6) {
      t.diagnostic('lab without IPv6 (TH_NET6=): IPv6 part not run');
      return;
    }
    const v6 = await auditJson(client, [`ssh://root@[${node.ip6}]`], { knownHosts, extraArgs: ['--fail-on', 'none'] });
    assert.equal(v6.code, 0, describeRun(v6));
    assert.equal(v6.report?.targets[0]?.status, 'ok', describeRun(v6));
    assert.equal(v6.report?.targets[0]?.node, 'a1');
    assert.equal(statusOf(v6.report!, 'SSH-02', 'a1'), 'FAIL');
  });

  it('as a sudo user: collects through sudo -n, same verdicts as root', { timeout: 90_000 }, async () => {
    const r = await auditJson(client, [`ssh://admin@${node.ip}`], { knownHosts, identity: keys.admin });
    assertHealthyRun(r, 'sudo');
    assert.equal(statusOf(r.report, 'SSH-02', 'a1'), 'FAIL');
    assert.equal(statusOf(r.report, 'ACC-01', 'a1'), 'PASS');
    assert.equal(statusOf(r.report, 'ACC-07', 'a1'), 'PASS');
  });

  it('as a user without sudo: root-only controls SKIP with a reason, never PASS', { timeout: 90_000 }, async () => {
    const r = await auditJson(client, [`ssh://auditor@${node.ip}`], { knownHosts, identity: keys.admin });
    assertHealthyRun(r, 'user');
    assert.equal(statusOf(r.report, 'ACC-07', 'a1'), 'SKIP');
    assert.match(findingsOf(r.report, 'ACC-07', 'a1')[0].message, /shadow|root|permission|privilege|sudo/i);
    for (const id of ROOT_ONLY) {
      for (const f of findingsOf(r.report, id, 'a1')) {
        assert.notEqual(f.status, 'PASS', `${id} passed without root: ${f.message}`);
      }
    }
  });
});
