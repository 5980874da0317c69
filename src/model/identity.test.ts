import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { memorySnapshot, type MemorySnapshotSpec } from '../collect/memory.js';
import { Snapshot } from '../collect/snapshot.js';
import { nodeIdentityOf } from './identity.js';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const clusterFiles = (nodes: string[]): Record<string, string> =>
  Object.fromEntries(nodes.map((n) => [`/etc/pve/nodes/${n}/pve-ssl.pem`, CERT.replace('MIIB', `MIIB${n}`)]));

/** A backup of /etc/pve, /etc/ssh, /etc/apt as a bundle target at `target`. */
function backup(nodes: string[], extra: MemorySnapshotSpec = {}, target = '/home/admin/backups/pve-config.tar.gz'): Snapshot {
  return memorySnapshot({ target, meta: { privilege: 'unknown' }, ...extra, files: { ...clusterFiles(nodes), '/etc/ssh/sshd_config': 'PermitRootLogin prohibit-password\n', ...extra.files } });
}

/** The /etc/pve/local entry as a tarball yields it: a symlink that resolves to a directory. */
function withLocalLink(s: Snapshot, target: string): Snapshot {
  s.addDir('/etc/pve/local', { mode: 0o777, uid: 0, gid: 33, type: 'symlink', linkTarget: target });
  return s;
}

/** An OpenSSH public key line (`ssh-ed25519 <base64> comment`), as in /etc/ssh/ssh_host_ed25519_key.pub. */
function hostKey(comment: string): string {
  const raw = Buffer.from(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const str = (b: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  return `ssh-ed25519 ${Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]).toString('base64')} ${comment}`;
}

test('the /etc/pve/local link names the node, before /etc/hostname', () => {
  const s = withLocalLink(backup(['pve1', 'pve2', 'pve3'], { files: { '/etc/hostname': 'old-name\n' } }), 'nodes/pve2');
  assert.deepEqual(nodeIdentityOf(s), { name: 'pve2', source: '/etc/pve/local -> nodes/pve2' });
  assert.equal(nodeIdentityOf(withLocalLink(backup(['pve1']), '/etc/pve/nodes/pve1/')).name, 'pve1');
  // a link that points anywhere else decides nothing
  assert.equal(nodeIdentityOf(withLocalLink(backup(['pve1', 'pve2'], { files: { '/etc/hostname': 'pve1\n' } }), '../../tmp')).source, '/etc/hostname');
});

test('/etc/hostname (comments skipped, cut at the first dot), then `hostname`, then the collector\'s host name', () => {
  assert.deepEqual(nodeIdentityOf(backup(['a', 'b'], { files: { '/etc/hostname': '# set by the installer\npve7.example.com\n' } })), { name: 'pve7', source: '/etc/hostname' });
  assert.deepEqual(nodeIdentityOf(backup(['a', 'b'], { commands: { hostname: 'pve8.lan\n' } })), { name: 'pve8', source: '`hostname`' });
  assert.equal(nodeIdentityOf(backup(['a', 'b'], { meta: { privilege: 'root', hostname: 'pve9' } })).name, 'pve9');
});

test('without any of them: the only node directory, else the one holding this node\'s SSH host key', () => {
  assert.deepEqual(nodeIdentityOf(backup(['pve'])), { name: 'pve', source: 'the only node under /etc/pve/nodes' });
  const keys = { pve1: hostKey('root@pve1'), pve2: hostKey('root@pve2'), pve3: hostKey('root@pve3') };
  const blob = (k: string) => k.split(' ').slice(0, 2).join(' ');
  // PVE 8: nodes/<node>/ssh_known_hosts; older: priv/known_hosts, names and addresses, all nodes
  const perNode = backup(['pve1', 'pve2', 'pve3'], {
    files: {
      '/etc/ssh/ssh_host_ed25519_key.pub': keys.pve2 + '\n',
      ...Object.fromEntries(Object.entries(keys).map(([n, k]) => [`/etc/pve/nodes/${n}/ssh_known_hosts`, `${n} ${blob(k)}\n`])),
    },
  });
  assert.equal(nodeIdentityOf(perNode).name, 'pve2');
  const legacy = backup(['pve1', 'pve2', 'pve3'], {
    files: {
      '/etc/ssh/ssh_host_ed25519_key.pub': keys.pve3 + '\n',
      '/etc/pve/priv/known_hosts': Object.entries(keys).map(([n, k], i) => `${n} ${blob(k)}\n10.10.10.1${i + 1} ${blob(k)}\n`).join(''),
    },
  });
  assert.equal(nodeIdentityOf(legacy).name, 'pve3');
});

test('a copy that followed the link (cp -rL, zip) names the node directory with the same files', () => {
  const s = backup(['pve1', 'pve2'], { files: { '/etc/pve/local/pve-ssl.pem': CERT.replace('MIIB', 'MIIBpve2') }, dirs: { '/etc/pve/local': {} } });
  assert.deepEqual(nodeIdentityOf(s), { name: 'pve2', source: '/etc/pve/local (a copy of nodes/pve2)' });
});

test('nothing decides: a neutral label (never a path of the auditing machine) and one line saying why', () => {
  const id = nodeIdentityOf(backup(['pve1', 'pve2']));
  assert.deepEqual(id, {
    name: 'pve-config.tar.gz',
    unknown: 'node name unknown: no /etc/pve/local link, /etc/hostname nor `hostname` output; /etc/pve/nodes holds 2 nodes (pve1, pve2) and no SSH host key to match them',
  });
  assert.equal(nodeIdentityOf(backup([], {}, 'C:\\backups\\pve2\\')).name, 'pve2');
  assert.equal(nodeIdentityOf(backup([], {}, '/srv/bundles/pve-etc/')).unknown, 'node name unknown: no /etc/pve/local link, /etc/hostname nor `hostname` output, and no node directory under /etc/pve/nodes');
  const ssh = new Snapshot({ kind: 'ssh', target: 'ssh://root@10.0.0.5' });
  assert.equal(nodeIdentityOf(ssh).name, '10.0.0.5');
});
