import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { ssh09 } from './ssh-09.js';
import { hardenedNode, sshNode } from './testing.js';

test('SSH-09 MACs', () => {
  assertCases(ssh09, [
    { name: 'hardened', node: hardenedNode(), expect: 'PASS' },
    { name: 'Debian default offers umac-64 and sha1', node: sshNode(), expect: 'FAIL', message: 'offers umac-64-etm@openssh.com, hmac-sha1-etm@openssh.com, umac-64@openssh.com, hmac-sha1; also weaker umac-128@openssh.com, hmac-sha2-256, hmac-sha2-512' },
    { name: 'non-etm sha2 only', node: sshNode({ t: { macs: 'hmac-sha2-256-etm@openssh.com,hmac-sha2-512' } }), expect: 'WARN', message: 'weaker hmac-sha2-512' },
    { name: 'not collected', node: {}, expect: 'SKIP' },
  ]);
});
