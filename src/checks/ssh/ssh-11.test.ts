import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { ssh11 } from './ssh-11.js';
import { DEBIAN12_CONFIG, hardenedNode, sshNode } from './testing.js';

test('SSH-11 MaxAuthTries', () => {
  assertCases(ssh11, [
    { name: 'hardened 3', node: hardenedNode(), expect: 'PASS', message: 'MaxAuthTries 3' },
    { name: 'default 6', node: sshNode(), expect: 'FAIL', message: 'MaxAuthTries 6 (sshd -T)' },
    { name: 'Match raises it for a network', node: hardenedNode({}, '', { main: DEBIAN12_CONFIG + 'Match Address 10.0.0.0/8\n  MaxAuthTries 10\n' }), expect: 'FAIL', message: 'MaxAuthTries 10 in "Match Address 10.0.0.0/8"' },
    { name: 'not collected', node: {}, expect: 'SKIP' },
  ]);
});
