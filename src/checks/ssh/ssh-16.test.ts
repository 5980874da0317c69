import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { ssh16 } from './ssh-16.js';
import { hardenedNode, sshNode } from './testing.js';

test('SSH-16 ClientAliveInterval', () => {
  assertCases(ssh16, [
    { name: 'hardened 300', node: hardenedNode(), expect: 'PASS', message: 'ClientAliveInterval 300' },
    { name: 'default 0', node: sshNode(), expect: 'FAIL', message: 'keepalive probes are off' },
    { name: 'too long', node: sshNode({ t: { clientaliveinterval: '3600' } }), expect: 'FAIL', message: 'more than 900 s' },
    { name: 'files only: 5m', node: sshNode({ t: false, dropins: { 'a.conf': 'ClientAliveInterval 5m\n' } }), expect: 'PASS', message: 'ClientAliveInterval 300 (/etc/ssh/sshd_config.d/a.conf:1)' },
    { name: 'not collected', node: {}, expect: 'SKIP' },
  ]);
});
