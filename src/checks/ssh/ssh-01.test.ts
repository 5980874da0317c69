import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { ssh01 } from './ssh-01.js';
import { DEBIAN12_CONFIG, hardenedNode, inCluster, sshNode } from './testing.js';

/** Adds the collection's `sshd -T -C` output (real sshd's dump per connection spec) to a node. */
function withConnections<T extends { commands?: Record<string, unknown> }>(node: T, dumps: Record<string, string>): T {
  const output = Object.entries(dumps).map(([spec, dump]) => `### ${spec}\n${dump}### exit 0\n`).join('');
  return { ...node, commands: { ...(node.commands ?? {}), 'sshd -T -C': output } };
}

const PEER_MATCH = 'Match Address 10.0.0.11,10.0.0.12,10.0.0.13\n  PermitRootLogin prohibit-password\n';

test('SSH-01 root password login', () => {
  assertCases(ssh01, [
    { name: 'Debian default (without-password) from sshd -T', node: sshNode(), expect: 'PASS', message: 'PermitRootLogin without-password (sshd -T)' },
    { name: 'Proxmox installer: PermitRootLogin yes', node: sshNode({ t: { permitrootlogin: 'yes' } }), expect: 'FAIL', message: 'PermitRootLogin yes (sshd -T) allows root password logins' },
    { name: 'forced-commands-only', node: sshNode({ t: { permitrootlogin: 'forced-commands-only' } }), expect: 'PASS' },
    {
      name: 'a Match block re-enables passwords for a network',
      node: sshNode({ t: { permitrootlogin: 'no' }, main: DEBIAN12_CONFIG + 'PermitRootLogin no\nMatch Address 192.168.0.0/16\n  PermitRootLogin yes\n' }),
      expect: 'FAIL', message: 'in "Match Address 192.168.0.0/16"',
    },
    {
      name: 'files only (backup tarball): yes in sshd_config',
      node: sshNode({ t: false, test: false, main: DEBIAN12_CONFIG.replace('#PermitRootLogin prohibit-password', 'PermitRootLogin yes') }),
      expect: 'FAIL', message: /\/etc\/ssh\/sshd_config:3\d.*decided on the files/,
    },
    { name: 'files only, not set: OpenSSH default prohibit-password', node: sshNode({ t: false, test: false }), expect: 'PASS', message: 'not set, OpenSSH default' },
    { name: 'cluster node with prohibit-password', node: inCluster(hardenedNode()), expect: 'PASS', message: 'from 2 peer(s) stays possible' },
    { name: 'cluster node with no: peers lose root SSH', node: inCluster(sshNode({ t: { permitrootlogin: 'no' } })), expect: 'WARN', message: 'pve2 (10.0.0.12), pve3 (10.0.0.13)' },
    {
      name: 'cluster node: no globally, Match Address <peers> prohibit-password',
      node: inCluster(sshNode({ t: { permitrootlogin: 'no' }, main: DEBIAN12_CONFIG + 'PermitRootLogin no\n' + PEER_MATCH })),
      expect: 'PASS', message: 'PermitRootLogin no (sshd -T; set at /etc/ssh/sshd_config:123); root key login from 2 peer(s)',
    },
    {
      name: 'root_login: peers-only in pvesec.yaml, root keys accepted from anywhere',
      node: inCluster(hardenedNode()), config: { root_login: 'peers-only' },
      expect: 'WARN', message: 'pvesec.yaml root_login: peers-only, but root may log in with a key from any address',
    },
    {
      name: 'root_login: peers-only, no globally and the peers matched',
      node: inCluster(sshNode({ t: { permitrootlogin: 'no' }, main: DEBIAN12_CONFIG + 'PermitRootLogin no\n' + PEER_MATCH })), config: { root_login: 'peers-only' },
      expect: 'PASS', message: 'root key login from 2 peer(s)',
    },
    { name: 'root_login: no on a standalone node that refuses root', node: sshNode({ t: { permitrootlogin: 'no' } }), config: { root_login: 'no' }, expect: 'PASS' },
    { name: 'root_login: no, root keys accepted', node: sshNode(), config: { root_login: 'no' }, expect: 'WARN', message: 'root_login: no, but root may log in' },
    {
      name: 'cluster node: Match covers only one peer',
      node: inCluster(sshNode({ t: { permitrootlogin: 'no' }, main: DEBIAN12_CONFIG + 'PermitRootLogin no\nMatch Address 10.0.0.12\n  PermitRootLogin prohibit-password\n' })),
      expect: 'WARN', message: 'peers pve3 (10.0.0.13)',
    },
    {
      // the files say both peers may log in; the node's real sshd -T -C (collected) says pve3 may not: real sshd wins
      name: 'cluster node: the collected sshd -T -C of a peer overrides the model',
      node: withConnections(inCluster(sshNode({ t: { permitrootlogin: 'no' }, main: DEBIAN12_CONFIG + 'PermitRootLogin no\n' + PEER_MATCH })), {
        'user=root,host=10.0.0.12,addr=10.0.0.12': 'permitrootlogin without-password\npasswordauthentication no\nport 22\n',
        'user=root,host=10.0.0.13,addr=10.0.0.13': 'permitrootlogin no\npasswordauthentication no\nport 22\n',
      }),
      expect: 'WARN', message: 'peers pve3 (10.0.0.13)',
    },
    { name: 'nothing collected', node: { files: {}, errors: { 'sshd -T': 'permission denied' } }, expect: 'SKIP', message: 'sshd -T: permission denied' },
  ]);
});
