import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCorosyncConf } from './corosync.js';
import { ParseError } from './diagnostics.js';

// As written by `pvecm create` / `pvecm addnode` on Proxmox VE 9 (knet, two links).
const PVE_COROSYNC = `logging {
  debug: off
  to_syslog: yes
}

nodelist {
  node {
    name: pve1
    nodeid: 1
    quorum_votes: 1
    ring0_addr: 10.10.10.11
    ring1_addr: 172.16.0.11
  }
  node {
    name: pve2
    nodeid: 2
    quorum_votes: 1
    ring0_addr: 10.10.10.12
    ring1_addr: 172.16.0.12
  }
}

quorum {
  provider: corosync_votequorum
}

totem {
  cluster_name: prod-cluster
  config_version: 3
  interface {
    linknumber: 0
  }
  interface {
    linknumber: 1
  }
  ip_version: ipv4-6
  link_mode: passive
  secauth: on
  version: 2
}
`;

test('parses the cluster name, nodes and ring addresses of a PVE corosync.conf', () => {
  const { value, diagnostics } = parseCorosyncConf(PVE_COROSYNC);
  assert.equal(value.clusterName, 'prod-cluster');
  assert.deepEqual(value.nodes.map((n) => [n.name, n.nodeid, n.rings]), [
    ['pve1', 1, ['10.10.10.11', '172.16.0.11']],
    ['pve2', 2, ['10.10.10.12', '172.16.0.12']],
  ]);
  assert.equal(value.nodes[1].line, 14);
  assert.deepEqual(diagnostics, []);
});

test('unbalanced braces and garbage lines are located errors', () => {
  assert.throws(() => parseCorosyncConf('totem {\n  cluster_name: x\n'), (e: unknown) => e instanceof ParseError && e.line === 1 && /not closed/.test(e.reason));
  assert.throws(() => parseCorosyncConf('}\n', 'c.conf'), (e: unknown) => e instanceof ParseError && e.message === 'c.conf:1: unbalanced "}"');
  assert.throws(() => parseCorosyncConf('totem {\n ???\n}\n'), (e: unknown) => e instanceof ParseError && e.line === 2);
  assert.throws(() => parseCorosyncConf(Buffer.from([0x74, 0, 1, 2])), (e: unknown) => e instanceof ParseError && /binary/.test(e.reason));
});
