import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { acc04 } from './acc-04.js';
import { accNode, GOOD_HOMES, pubkey } from './testing.js';

test('ACC-04 key strength', () => {
  assertCases(acc04, [
    { name: 'ed25519, ecdsa, sk', node: accNode(GOOD_HOMES), expect: 'PASS', message: '4 key(s) of root, alice, bob (ed25519, ecdsa, sk-ed25519) are strong' },
    { name: 'RSA 3072 is fine', node: accNode({ ...GOOD_HOMES, alice: { uid: 1000, keys: [pubkey('rsa_3072')] } }), expect: 'PASS' },
    { name: 'RSA 2048 warns', node: accNode({ ...GOOD_HOMES, alice: { uid: 1000, keys: [pubkey('rsa_2048')] } }), expect: 'WARN', message: 'alice: ssh-rsa 2048 bits "rsa-2048@ws" (/home/alice/.ssh/authorized_keys:1)' },
    { name: 'DSA in root fails', node: accNode({ ...GOOD_HOMES, root: { uid: 0, keys: [pubkey('ed25519'), pubkey('dsa_1024')] } }), expect: 'FAIL', message: 'root: ssh-dss 1024 bits "dsa-1024@ws" (/root/.ssh/authorized_keys:2)' },
    { name: 'RSA 1024 fails', node: accNode({ ...GOOD_HOMES, bob: { uid: 1001, keys: [pubkey('rsa_1024')] } }), expect: 'FAIL', message: 'bob: ssh-rsa 1024 bits' },
    {
      name: 'root keys via Proxmox /etc/pve/priv/authorized_keys',
      node: accNode({ alice: GOOD_HOMES.alice }, { files: { '/etc/pve/priv/authorized_keys': pubkey('rsa_2048') + '\n' } }),
      expect: 'WARN', message: 'root: ssh-rsa 2048 bits "rsa-2048@ws" (/etc/pve/priv/authorized_keys:1)',
    },
    { name: 'no key files collected', node: accNode({}), expect: 'SKIP', message: 'no authorized_keys of root, alice, bob collected' },
  ]);
});

test('ACC-04 never passes when some key files were unreadable', () => {
  assertCases(acc04, [
    { name: 'alice unreadable, others strong', node: accNode({ root: GOOD_HOMES.root, bob: GOOD_HOMES.bob }, { errors: { '/home/alice/.ssh/authorized_keys': 'permission denied' } }), expect: 'SKIP', message: 'the keys seen are strong, but /home/alice/.ssh/authorized_keys: permission denied' },
    { name: 'a weak key seen still fails', node: accNode({ root: { uid: 0, keys: [pubkey('dsa_1024')] } }, { errors: { '/home/alice/.ssh/authorized_keys': 'permission denied' } }), expect: 'FAIL' },
    { name: 'nothing readable', node: accNode({}, { errors: { '/root/.ssh/authorized_keys': 'permission denied' } }), expect: 'SKIP', message: '/root/.ssh/authorized_keys: permission denied' },
  ]);
});
