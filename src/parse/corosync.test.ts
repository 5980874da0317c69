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
  assert.throws(() => parseCorosyncConf('}\n', 'c.conf'), (e: unknown) => e instanceof ParseError && e.message === 'c.conf:1: unbalanced "}"');
  assert.throws(() => parseCorosyncConf('totem {\n ???\n}\n'), (e: unknown) => e instanceof ParseError && e.line === 2);
  assert.throws(() => parseCorosyncConf(Buffer.from([0x74, 0, 1, 2])), (e: unknown) => e instanceof ParseError && /binary/.test(e.reason));
});

// A real /etc/pve/corosync.conf from a public Proxmox guide (the input that gave 8 false FW-07 FAILs and
// "own address unknown"): PVE::Corosync::parse_conf drops everything from `#` to the end of the line.
const INLINE_COMMENTS = `# /etc/pve/corosync.conf  (edit a copy, bump config_version, then move it in place)
logging {
  debug: off
  to_syslog: yes
}

nodelist {
  node {
    name: pve1
    nodeid: 1
    quorum_votes: 1
    ring0_addr: 10.10.10.1     # link0: dedicated corosync network
    ring1_addr: 192.168.1.11   # link1: fallback on another NIC/switch
  }
  node {
    name: pve2
    nodeid: 2
    quorum_votes: 1
    ring0_addr: 10.10.10.2
    ring1_addr: 192.168.1.12
  }
  # ... one block per node
}

quorum {
  provider: corosync_votequorum
}

totem {
  cluster_name: prod
  config_version: 7
  interface {
    linknumber: 0
  }
  interface {
    linknumber: 1
  }
  ip_version: ipv4-6
  link_mode: passive          # knet: use the best working link, fail over on loss
  secauth: on
  version: 2
}`;

test('inline # comments are stripped before parsing, as Proxmox does', () => {
  const { value, diagnostics } = parseCorosyncConf(INLINE_COMMENTS);
  assert.deepEqual(value.nodes.map((n) => [n.name, n.links]), [
    ['pve1', [{ key: 'ring0_addr', addr: '10.10.10.1' }, { key: 'ring1_addr', addr: '192.168.1.11' }]],
    ['pve2', [{ key: 'ring0_addr', addr: '10.10.10.2' }, { key: 'ring1_addr', addr: '192.168.1.12' }]],
  ]);
  assert.equal(value.clusterName, 'prod');
  assert.equal(value.root.sections.find((s) => s.name === 'totem')?.values.link_mode, 'passive');
  assert.equal(value.ipVersion, 'ipv4-6');
  assert.deepEqual(diagnostics, []);
});

test('a one-line totem block and nested one-line sections parse (Proxmox tokenizes, it does not read lines)', () => {
  const { value, diagnostics } = parseCorosyncConf(
    'totem { version: 2 cluster_name: edge secauth: on transport: knet }\n' +
    'nodelist { node { name: a nodeid: 1 ring0_addr: 10.0.0.1 } node { name: b nodeid: 2 ring0_addr: 10.0.0.2 link1_addr: 10.1.0.2 } }\n' +
    'quorum { provider: corosync_votequorum }\n');
  assert.equal(value.clusterName, 'edge');
  assert.equal(value.transport, 'knet');
  assert.deepEqual(value.nodes.map((n) => [n.name, n.nodeid, n.rings, n.line]), [['a', 1, ['10.0.0.1'], 2], ['b', 2, ['10.0.0.2', '10.1.0.2'], 2]]);
  assert.deepEqual(diagnostics, []);
});

test('what Proxmox rejects is a located error; what it accepts is accepted', () => {
  const fails = (text: string, line: number, reason: RegExp): void => {
    assert.throws(() => parseCorosyncConf(text), (e: unknown) => e instanceof ParseError && e.line === line && reason.test(e.reason), text);
  };
  fails('totem {\n  cluster_name:prod\n}\n', 2, /missing ':' after key "cluster_name:prod"/); // the value must be its own token
  fails('totem {\n  version : 2\n}\n', 2, /missing ':' after key "version"/);
  fails('totem{\n  version: 2\n}\n', 1, /missing ':'/); // the brace must be its own token
  fails('totem {\n  cluster_name: my cluster\n}\n', 2, /missing ':' after key "cluster"/); // values hold no blank
  fails('totem {\n  version: 2\n}\ntotem {\n}\n', 4, /section "totem" already exists/);
  fails('totem {\n  version:', 2, /no value for "version"/);
  // node and interface repeat; a section left open at the end is read as if closed (with a warning)
  const open = parseCorosyncConf('totem {\n  cluster_name: x\n  interface {\n linknumber: 0\n }\n  interface {\n linknumber: 1\n }\n');
  assert.equal(open.value.clusterName, 'x');
  assert.equal(open.value.root.sections[0].sections.length, 2);
  assert.deepEqual(open.diagnostics.map((d) => [d.line, d.severity]), [[1, 'warning']]);
  // a later value replaces an earlier one; "__proto__" is an ordinary key
  const dup = parseCorosyncConf('totem {\n version: 1\n version: 2\n __proto__: x\n}\n').value.root.sections[0].values;
  assert.equal(dup.version, '2');
  assert.equal(Object.getOwnPropertyDescriptor(dup, '__proto__')?.value, 'x');
});

test('a node listed twice: the later block wins, as in Proxmox\'s name-keyed node list', () => {
  const { value, diagnostics } = parseCorosyncConf('nodelist {\n node {\n name: a\n ring0_addr: 10.0.0.1\n }\n node {\n name: a\n ring0_addr: 10.0.0.9\n }\n}\n');
  assert.deepEqual(value.nodes.map((n) => [n.name, n.rings]), [['a', ['10.0.0.9']]]);
  assert.equal(diagnostics[0].line, 6);
});

test('CRLF line ends change nothing (Proxmox turns \\r\\n into blanks before tokenizing)', () => {
  const crlf = parseCorosyncConf(INLINE_COMMENTS.replace(/\n/g, '\r\n')).value;
  assert.deepEqual(crlf.nodes.map((n) => [n.name, n.rings]), parseCorosyncConf(INLINE_COMMENTS).value.nodes.map((n) => [n.name, n.rings]));
  assert.equal(crlf.clusterName, 'prod');
});
