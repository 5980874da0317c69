import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { ssh13 } from './ssh-13.js';
import { hardenedNode, sshNode } from './testing.js';

test('SSH-13 AllowAgentForwarding', () => {
  assertCases(ssh13, [
    { name: 'hardened', node: hardenedNode(), expect: 'PASS', message: 'AllowAgentForwarding no' },
    { name: 'default yes', node: sshNode(), expect: 'FAIL', message: 'AllowAgentForwarding yes (sshd -T)' },
    { name: 'files only default', node: sshNode({ t: false }), expect: 'FAIL', message: 'AllowAgentForwarding yes (not set, OpenSSH default)' },
    { name: 'not collected', node: {}, expect: 'SKIP' },
  ]);
});
