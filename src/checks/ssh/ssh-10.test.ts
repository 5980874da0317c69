import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { ssh10 } from './ssh-10.js';
import { hardenedNode, sshNode } from './testing.js';

test('SSH-10 LoginGraceTime', () => {
  assertCases(ssh10, [
    { name: 'hardened 30', node: hardenedNode(), expect: 'PASS', message: 'LoginGraceTime 30 (sshd -T; set at /etc/ssh/sshd_config.d/10-pvesec.conf:10)' },
    { name: 'exactly 60', node: sshNode({ t: { logingracetime: '60' } }), expect: 'PASS' },
    { name: 'Debian default 120', node: sshNode(), expect: 'FAIL', message: 'LoginGraceTime 120 (sshd -T): longer than 60 s' },
    { name: '0 means unlimited', node: sshNode({ t: { logingracetime: '0' } }), expect: 'FAIL', message: 'no time limit' },
    { name: 'files only: 1m30s in a drop-in', node: sshNode({ t: false, dropins: { 'g.conf': 'LoginGraceTime 1m30s\n' } }), expect: 'FAIL', message: 'LoginGraceTime 90' },
    { name: 'files only: 45s', node: sshNode({ t: false, dropins: { 'g.conf': 'LoginGraceTime 45s\n' } }), expect: 'PASS', message: 'LoginGraceTime 45 (/etc/ssh/sshd_config.d/g.conf:1)' },
    { name: 'not collected', node: {}, expect: 'SKIP' },
  ]);
});
