import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupClusters, runChecks } from '../audit/run.js';
import { pve01 } from '../checks/pve/pve-01.js';
import { DEFAULT_CONFIG } from '../config/schema.js';
import { memorySnapshot, type MemorySnapshotSpec } from './memory.js';
import { completePveShared, lacksPveShared, pveSharedGroups } from './pve-shared.js';
import type { Snapshot } from './snapshot.js';
import { FILES, isPveShared, nodeFile, PVE_SHARED_FILES } from './sources.js';

describe('the split of /etc/pve (sources)', () => {
  it('cluster-wide: the pmxcfs config files and other nodes\' directories', () => {
    for (const p of [FILES.userCfg, FILES.domainsCfg, FILES.tfaCfg, FILES.datacenterCfg, FILES.clusterFw, FILES.jobsCfg,
      FILES.vzdumpCron, FILES.pveRootCa, '/etc/pve/nodes/pve1', nodeFile('pve1', 'host.fw'), nodeFile('pve3', 'pve-ssl.pem')]) {
      assert.equal(isPveShared(p, 'pve2'), true, p);
    }
  });

  it('per node: corosync.conf, root\'s keys in priv/, the own node directory, and everything outside /etc/pve', () => {
    for (const p of [FILES.corosyncConf, FILES.pveAuthorizedKeys, '/etc/pve', '/etc/pve/nodes', '/etc/pve/nodes/pve2',
      nodeFile('pve2', 'host.fw'), nodeFile('pve2', 'config'), '/etc/pve/nodes/pve2/lxc', FILES.sshdConfig, FILES.hostname,
      '/etc/pve/nodesx/pve1', 'sshd -T']) {
      assert.equal(isPveShared(p, 'pve2'), false, p);
    }
  });

  it('every cluster-wide file is a collected file of /etc/pve', () => {
    const collected: string[] = Object.values(FILES);
    for (const p of PVE_SHARED_FILES) {
      assert.ok(collected.includes(p), p);
      assert.match(p, /^\/etc\/pve\//);
    }
  });
});

const corosync = (cluster: string, nodes: string[]): string => `logging {
  debug: off
  to_syslog: yes
}

nodelist {
${nodes.map((n, i) => `  node {
    name: ${n}
    nodeid: ${i + 1}
    quorum_votes: 1
    ring0_addr: 10.10.${cluster.length}.${i + 11}
  }
`).join('')}}

quorum {
  provider: corosync_votequorum
}

totem {
  cluster_name: ${cluster}
  config_version: ${nodes.length}
  interface {
    linknumber: 0
  }
  ip_version: ipv4-6
  link_mode: passive
  secauth: on
  version: 2
}
`;

const userCfg = (admin: string): string =>
  `user:root@pam:1:0:::root@example.com:::\nuser:${admin}:1:0:::${admin.split('@')[0]}@example.com:::\n\n` +
  `acl:1:/:${admin}:Administrator:\n`;

/** What the collection of one node yields: full (sharedPve true) or without the cluster-wide files. */
function node(name: string, cluster: string | undefined, members: string[], full: boolean, extra: Partial<MemorySnapshotSpec> = {}): Snapshot {
  const files: Record<string, string> = {
    '/etc/hostname': `${name}\n`,
    [FILES.pveAuthorizedKeys]: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${name}key root@${name}\n`,
    [nodeFile(name, 'host.fw')]: `[OPTIONS]\n# own copy of ${name}\nenable: 1\n`,
  };
  if (cluster) files[FILES.corosyncConf] = corosync(cluster, members);
  if (full) {
    files[FILES.userCfg] = userCfg(`admin-${cluster ?? name}@pve`);
    files[FILES.clusterFw] = `[OPTIONS]\nenable: 1\npolicy_in: DROP\n`;
    for (const m of members) if (m !== name) files[nodeFile(m, 'host.fw')] = `[OPTIONS]\n# seen from ${name}\nenable: 1\n`;
    files[nodeFile(name, 'host.fw')] = `[OPTIONS]\n# own copy of ${name}\nenable: 1\n`;
  }
  return memorySnapshot({
    target: `ssh://root@${name}`,
    files,
    dirs: { '/etc/pve': {}, '/etc/pve/nodes': {}, [`/etc/pve/nodes/${name}`]: {}, ...(full ? Object.fromEntries(members.map((m) => [`/etc/pve/nodes/${m}`, {}])) : {}) },
    errors: full ? { [FILES.domainsCfg]: 'permission denied' } : {},
    meta: { hostname: name, ...(full ? {} : { pveShared: false }) },
    ...extra,
  });
}

/** The answer of the second round trip: only the cluster-wide files, as the node sees them. */
function sharedOnly(from: Snapshot): Snapshot {
  const name = from.meta.hostname!;
  const members = [...(from.text(FILES.corosyncConf) ?? '').matchAll(/^\s+name: (\S+)$/gm)].map((m) => m[1]);
  const all = members.length ? members : [name];
  const cluster = /cluster_name: (\S+)/.exec(from.text(FILES.corosyncConf) ?? '')?.[1] ?? name;
  return memorySnapshot({
    target: from.origin.target,
    files: {
      [FILES.userCfg]: userCfg(`admin-${cluster}@pve`),
      ...Object.fromEntries(all.map((m) => [nodeFile(m, 'host.fw'), `[OPTIONS]\n# second trip via ${name}\nenable: 1\n`])),
    },
    dirs: Object.fromEntries(all.map((m) => [`/etc/pve/nodes/${m}`, {}])),
    errors: { [FILES.tfaCfg]: 'permission denied' },
    meta: { hostname: name },
  });
}

describe('completing snapshots from one node per cluster', () => {
  it('two clusters and a standalone node: copies within a cluster, one second trip per group without a full copy', async () => {
    const lab = ['pve1', 'pve2', 'pve3'];
    const prod = ['px1', 'px2'];
    const pve1 = node('pve1', 'lab', lab, true);
    const pve2 = node('pve2', 'lab', lab, false);
    const pve3 = node('pve3', 'lab', lab, false);
    const px1 = node('px1', 'prod', prod, false);
    const px2 = node('px2', 'prod', prod, false);
    const solo = node('solo', undefined, ['solo'], false);
    const trips: string[] = [];
    await completePveShared([pve1, pve2, px1, solo, pve3, px2], async (s) => {
      trips.push(s.meta.hostname!);
      return sharedOnly(s);
    });

    assert.deepEqual(trips.sort(), ['px1', 'solo']);
    for (const s of [pve2, pve3]) {
      assert.equal(s.text(FILES.userCfg), pve1.text(FILES.userCfg));
      assert.equal(s.text(FILES.clusterFw), pve1.text(FILES.clusterFw));
      assert.equal(s.errors.get(FILES.domainsCfg), 'permission denied');
      assert.equal(s.meta.pveSharedFrom, 'pve1');
      assert.equal(s.meta.pveShared, false);
      assert.equal(lacksPveShared(s), false);
      // its own node directory stays as the node itself sent it
      assert.match(s.text(nodeFile(s.meta.hostname!, 'host.fw'))!, /own copy of pve[23]/);
      assert.deepEqual(s.subdirs('/etc/pve/nodes'), lab);
    }
    assert.match(pve2.text(nodeFile('pve3', 'host.fw'))!, /seen from pve1/);
    assert.equal(pve1.meta.pveSharedFrom, undefined);
    for (const s of [px1, px2]) {
      assert.match(s.text(FILES.userCfg)!, /admin-prod@pve/);
      assert.equal(s.meta.pveSharedFrom, 'px1');
      assert.equal(s.errors.get(FILES.tfaCfg), 'permission denied');
      assert.deepEqual(s.subdirs('/etc/pve/nodes'), prod);
    }
    assert.match(px2.text(nodeFile('px1', 'host.fw'))!, /second trip via px1/);
    assert.match(px1.text(nodeFile('px1', 'host.fw'))!, /own copy of px1/);
    assert.match(solo.text(FILES.userCfg)!, /admin-solo@pve/);
    assert.equal(solo.meta.pveSharedFrom, 'solo');

    // downstream: one cluster per corosync name, evaluated once on complete data
    const results = runChecks(groupClusters([pve1, pve2, pve3, px1, px2, solo]), [pve01], DEFAULT_CONFIG);
    assert.deepEqual(results.map((r) => [r.name, r.findings.map((f) => f.status)]), [['lab', ['PASS']], ['prod', ['PASS']], ['solo', ['PASS']]]);
  });

  it('a failing second trip leaves the members as they are; cluster checks SKIP naming the host and the error', async () => {
    const prod = ['px1', 'px2'];
    const px1 = node('px1', 'prod', prod, false);
    const px2 = node('px2', 'prod', prod, false);
    await completePveShared([px1, px2], async () => {
      throw new Error('10.0.0.21: connection refused');
    });
    for (const s of [px1, px2]) {
      assert.equal(s.file(FILES.userCfg), undefined);
      assert.equal(s.errors.get(FILES.userCfg), 'cluster-wide /etc/pve not collected (10.0.0.21: connection refused)');
      assert.ok(s.text(nodeFile(s.meta.hostname!, 'host.fw')));
      assert.ok(s.text(FILES.corosyncConf));
    }
    const [result] = runChecks(groupClusters([px1, px2]), [pve01], DEFAULT_CONFIG);
    assert.equal(result.findings[0].status, 'SKIP');
    assert.match(result.findings[0].message, /user\.cfg: cluster-wide \/etc\/pve not collected \(10\.0\.0\.21: connection refused\)/);
  });

  it('same cluster name with another node list, or an unreadable corosync.conf: groups of their own', async () => {
    const a1 = node('a1', 'lab', ['a1', 'a2'], true);
    const b1 = node('b1', 'lab', ['b1', 'b2'], false);
    const broken = node('c1', undefined, [], false, {});
    broken.addFile({ path: FILES.corosyncConf, content: Buffer.from('totem {\n  version: 2\n') });
    assert.equal(pveSharedGroups([a1, b1, broken]).length, 3);
    const trips: string[] = [];
    await completePveShared([a1, b1, broken], async (s) => {
      trips.push(s.meta.hostname!);
      return sharedOnly(s);
    });
    assert.deepEqual(trips.sort(), ['b1', 'c1']);
    assert.match(b1.text(FILES.userCfg)!, /admin-lab@pve/);
    assert.equal(b1.meta.pveSharedFrom, 'b1');
  });

  it('copies from the best-privileged full copy; full snapshots and bundles are left alone, nothing fetched', async () => {
    const nodes = ['n1', 'n2', 'n3'];
    const asUser = node('n1', 'lab', nodes, true, { meta: { hostname: 'n1', privilege: 'user' } });
    const asRoot = node('n2', 'lab', nodes, true);
    asRoot.files.set(FILES.tfaCfg, { path: FILES.tfaCfg, content: Buffer.from('{"users":{}}\n') });
    asUser.errors.set(FILES.tfaCfg, 'permission denied (not collected as root)');
    const lacking = node('n3', 'lab', nodes, false);
    const before = asUser.files.size;
    await completePveShared([asUser, asRoot, lacking], async () => assert.fail('no second trip'));
    assert.equal(lacking.meta.pveSharedFrom, 'n2');
    assert.equal(lacking.text(FILES.tfaCfg), '{"users":{}}\n');
    assert.equal(lacking.errors.has(FILES.tfaCfg), false);
    assert.equal(asUser.files.size, before);
    assert.equal(asUser.meta.pveSharedFrom, undefined);
    await completePveShared([], async () => assert.fail('no second trip'));
  });

  it('a copy seen by a plain user does not serve a root login: second trip through it, the user copy if that fails', async () => {
    const nodes = ['n1', 'n2', 'n3'];
    const make = (): Snapshot[] => {
      const asUser = node('n1', 'lab', nodes, true, { meta: { hostname: 'n1', privilege: 'user' } });
      asUser.errors.set(FILES.tfaCfg, 'permission denied (not collected as root)');
      const userLacking = node('n2', 'lab', nodes, false, { meta: { hostname: 'n2', privilege: 'user', pveShared: false } });
      const rootLacking = node('n3', 'lab', nodes, false);
      return [asUser, userLacking, rootLacking];
    };
    const [n1, n2, n3] = make();
    const trips: string[] = [];
    await completePveShared([n1, n2, n3], async (s) => {
      trips.push(s.meta.hostname!);
      return sharedOnly(s);
    });
    assert.deepEqual(trips, ['n3']);
    assert.equal(n2.meta.pveSharedFrom, 'n1');
    assert.equal(n2.errors.get(FILES.tfaCfg), 'permission denied (not collected as root)');
    assert.equal(n3.meta.pveSharedFrom, 'n3');
    assert.equal(n3.errors.get(FILES.tfaCfg), 'permission denied'); // as the root trip saw it, not the user's error

    const [u1, , m3] = make();
    await completePveShared([u1, m3], async () => {
      throw new Error('n3: connection reset');
    });
    assert.equal(m3.meta.pveSharedFrom, 'n1');
    assert.equal(m3.text(FILES.userCfg), u1.text(FILES.userCfg));
  });

  it('a node without /etc/pve (not a Proxmox node) needs no second trip: it is complete as it is', async () => {
    const debian = memorySnapshot({ target: 'ssh://root@deb1', files: { '/etc/hostname': 'deb1\n' }, meta: { hostname: 'deb1', pveShared: false } });
    const hidden = memorySnapshot({ target: 'ssh://ops@deb2', files: { '/etc/hostname': 'deb2\n' }, errors: { '/etc/pve': 'permission denied (not collected as root)' }, meta: { hostname: 'deb2', privilege: 'user', pveShared: false } });
    const trips: string[] = [];
    await completePveShared([debian, hidden], async (s) => {
      trips.push(s.meta.hostname!);
      return sharedOnly(s);
    });
    assert.deepEqual(trips, ['deb2']);
    assert.equal(debian.meta.pveShared, undefined);
    assert.equal(lacksPveShared(debian), false);
    assert.equal(debian.files.size, 1);
  });

  it('at most `limit` second trips at a time', async () => {
    const solos = Array.from({ length: 5 }, (_, i) => node(`s${i}`, undefined, [`s${i}`], false));
    let running = 0;
    let peak = 0;
    await completePveShared(solos, async (s) => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
      return sharedOnly(s);
    }, 2);
    assert.equal(peak, 2);
    assert.ok(solos.every((s) => s.meta.pveSharedFrom === s.meta.hostname));
  });
});
