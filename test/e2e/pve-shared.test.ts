/**
 * End to end: several live nodes collected at once send the cluster-wide /etc/pve files once per
 * cluster. p1 and p2 form cluster "lab" (a hand-made /etc/pve, identical on both, as pmxcfs keeps
 * it), p3 is a standalone Proxmox node. Test hosts: p1 (10.77.0.140), p2 (141), p3 (142), client p9 (149).
 */
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readBundle } from '../../src/collect/bundle.js';
import { collectionScript } from '../../src/collect/script.js';
import { auditJson, describeRun, findingsOf } from '../harness/cli.js';
import {
  CLI, claimBlock, downAll, e2eSkipReason, ensureCliBuilt, execIn, keys, knownHostsFile, runInClient, tempDir,
  upClient, upHost, writeFileIn, type Host,
} from '../harness/hosts.js';

const skip = e2eSkipReason();

const corosync = (nodes: Host[]): string => `logging {
  debug: off
  to_syslog: yes
}

nodelist {
${nodes.map((n, i) => `  node {
    name: ${n.name}
    nodeid: ${i + 1}
    quorum_votes: 1
    ring0_addr: ${n.ip}
  }
`).join('')}}

quorum {
  provider: corosync_votequorum
}

totem {
  cluster_name: lab
  config_version: 2
  interface {
    linknumber: 0
  }
  ip_version: ipv4-6
  link_mode: passive
  secauth: on
  version: 2
}
`;

const USER_CFG = 'user:root@pam:1:0:::root@example.com:::\nuser:alice@pve:1:0:Alice:Admin:alice@example.com:::\n\n' +
  'acl:1:/:alice@pve:Administrator:\n';

/** Writes a Proxmox-like /etc/pve into a test host: the cluster-wide files and every member's node directory. */
async function writePve(host: Host, members: Host[], withCorosync: boolean): Promise<void> {
  if (withCorosync) await writeFileIn(host, '/etc/pve/corosync.conf', corosync(members), 0o640);
  await writeFileIn(host, '/etc/pve/user.cfg', USER_CFG, 0o640);
  await writeFileIn(host, '/etc/pve/datacenter.cfg', 'keyboard: en-us\nconsole: html5\n', 0o640);
  await writeFileIn(host, '/etc/pve/firewall/cluster.fw', '[OPTIONS]\n\nenable: 1\npolicy_in: DROP\n', 0o640);
  await writeFileIn(host, '/etc/pve/priv/authorized_keys', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2eTestKeyOfRootxxxxxxxxxxxxxxxxxxxxxxxxx root@' + host.name + '\n', 0o600);
  for (const m of members) await writeFileIn(host, `/etc/pve/nodes/${m.name}/host.fw`, `[OPTIONS]\n\nenable: 1\n`, 0o640);
}

describe('cluster-wide /etc/pve read once per cluster (e2e)', { skip, timeout: 300_000 }, () => {
  let p1: Host;
  let p2: Host;
  let p3: Host;
  let client: Host;
  let knownHosts: string;
  const temps: string[] = [];

  before(async () => {
    await ensureCliBuilt();
    await claimBlock('e2e-pve-shared');
    [p1, p2, p3, client] = await Promise.all([upHost('p1', 140), upHost('p2', 141), upHost('p3', 142), upClient('p9', 149)]);
    await Promise.all([writePve(p1, [p1, p2], true), writePve(p2, [p1, p2], true), writePve(p3, [p3], false)]);
    // only on p2: a file the cluster view of p1 lacks, so its presence tells where p2's copy came from
    await writeFileIn(p2, '/etc/pve/jobs.cfg', 'vzdump: backup-only-on-p2\n\tschedule 21:00\n\tall 1\n', 0o640);
    const dir = tempDir('pvesec-pve-shared-e2e-');
    temps.push(dir);
    knownHosts = await knownHostsFile([p1, p2, p3], dir);
  }, { timeout: 240_000 });

  after(async () => {
    await downAll();
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it('the raw collection of a node without the shared part carries no cluster-wide file', async () => {
    const r = await execIn(p2, ['sh', '-c', 'sh -s | tar -tzf -'], { input: collectionScript({ sharedPve: false }) });
    assert.equal(r.code, 0, r.stderr);
    const members = r.stdout.split('\n');
    for (const m of ['etc/pve/corosync.conf', 'etc/pve/priv/authorized_keys', 'etc/pve/nodes/p2/host.fw']) assert.ok(members.includes(m), m);
    for (const m of ['etc/pve/user.cfg', 'etc/pve/datacenter.cfg', 'etc/pve/firewall/cluster.fw', 'etc/pve/jobs.cfg', 'etc/pve/nodes/p1/host.fw']) {
      assert.ok(!members.includes(m), m);
    }
  });

  it('pvesec collect of three nodes: complete bundles, the shared part sent by p1 for lab and by p3 itself', async () => {
    const out = tempDir('pvesec-pve-shared-out-');
    temps.push(out);
    const r = await runInClient(client, [process.execPath, CLI, 'collect', `ssh://root@${p1.ip}`, `ssh://root@${p2.ip}`, `ssh://root@${p3.ip}`,
      '--out-dir', out, '--identity', keys.root, '--known-hosts', knownHosts, '--timeout', '20'], { timeoutMs: 90_000 });
    assert.equal(r.code, 0, describeRun(r));
    assert.deepEqual(readdirSync(out).sort(), ['p1.tar.gz', 'p2.tar.gz', 'p3.tar.gz']);
    const [b1, b2, b3] = await Promise.all(['p1', 'p2', 'p3'].map((n) => readBundle(join(out, `${n}.tar.gz`))));

    assert.equal(b1.meta.pveShared, undefined);
    assert.equal(b1.text('/etc/pve/user.cfg'), USER_CFG);

    assert.equal(b2.meta.pveShared, false);
    assert.equal(b2.meta.pveSharedFrom, 'p1');
    assert.equal(b2.text('/etc/pve/user.cfg'), USER_CFG);
    assert.ok(b2.file('/etc/pve/firewall/cluster.fw'));
    assert.deepEqual(b2.subdirs('/etc/pve/nodes'), ['p1', 'p2']);
    assert.equal(b2.file('/etc/pve/jobs.cfg'), undefined, 'p2 sent its own cluster-wide files');
    assert.ok(b2.file('/etc/pve/priv/authorized_keys'));

    // standalone: nobody else has its /etc/pve, so one second round trip fetched it
    assert.equal(b3.meta.pveShared, false);
    assert.equal(b3.meta.pveSharedFrom, 'p3');
    assert.equal(b3.text('/etc/pve/user.cfg'), USER_CFG);
    assert.deepEqual(b3.subdirs('/etc/pve/nodes'), ['p3']);
  });

  it('pvesec audit evaluates the cluster-wide controls once for lab, on the shared data', async () => {
    const r = await auditJson(client, [`ssh://root@${p1.ip}`, `ssh://root@${p2.ip}`, `ssh://root@${p3.ip}`], { knownHosts, processTimeoutMs: 90_000 });
    assert.ok(r.report && (r.code === 0 || r.code === 1), describeRun(r));
    const report = r.report;
    assert.deepEqual(report.targets.map((t) => t.status), ['ok', 'ok', 'ok']);
    const lab = report.clusters.find((c) => c.name === 'lab');
    assert.deepEqual(lab?.nodes, ['p1', 'p2']);
    const pve01 = findingsOf(report, 'PVE-01');
    assert.deepEqual(pve01.map((f) => [f.cluster, f.status]).sort(), [['lab', 'PASS'], ['p3', 'PASS']]);
    assert.match(pve01[0].message, /alice@pve/);
  });
});
