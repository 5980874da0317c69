import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { ssh12 } from './ssh-12.js';
import { hardenedNode, sshNode } from './testing.js';

test('SSH-12 X11Forwarding', () => {
  assertCases(ssh12, [
    { name: 'hardened', node: hardenedNode(), expect: 'PASS', message: 'X11Forwarding no' },
    { name: 'Debian sshd_config sets yes', node: sshNode(), expect: 'FAIL', message: 'X11Forwarding yes (sshd -T; set at /etc/ssh/sshd_config:90)' },
    { name: 'DisableForwarding yes covers it', node: sshNode({ t: { disableforwarding: 'yes' } }), expect: 'PASS', message: 'DisableForwarding yes' },
    { name: 'files only: Debian sshd_config line', node: sshNode({ t: false }), expect: 'FAIL', message: 'X11Forwarding yes (/etc/ssh/sshd_config:90)' },
    { name: 'not collected', node: {}, expect: 'SKIP' },
  ]);
});
