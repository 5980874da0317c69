import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { acc05 } from './acc-05.js';
import { accNode, GOOD_HOMES, pubkey } from './testing.js';

test('ACC-05 root emergency key', () => {
  assertCases(acc05, [
    { name: 'root has a key', node: accNode(GOOD_HOMES), expect: 'NOTICE', message: 'root keeps a key-based emergency path: 1 authorized key(s): ssh-ed25519 "ed25519@ws"' },
    { name: 'root .ssh without authorized_keys', node: accNode({ root: { uid: 0 } }), expect: 'NOTICE', message: 'root has no authorized key' },
    { name: 'Proxmox symlink target', node: accNode({}, { files: { '/etc/pve/priv/authorized_keys': pubkey('ecdsa_384') + '\n' + pubkey('ed25519') + '\n' } }), expect: 'NOTICE', message: '2 authorized key(s)' },
    { name: 'not collected', node: accNode({}), expect: 'SKIP', message: '/root/.ssh/authorized_keys is not in the bundle' },
  ]);
});
