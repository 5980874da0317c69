import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { ssh05 } from './ssh-05.js';
import { DEBIAN12_CONFIG, sshNode } from './testing.js';

test('SSH-05 PermitEmptyPasswords', () => {
  assertCases(ssh05, [
    { name: 'default no', node: sshNode(), expect: 'PASS', message: 'PermitEmptyPasswords no (sshd -T)' },
    { name: 'yes', node: sshNode({ t: { permitemptypasswords: 'yes' } }), expect: 'FAIL', message: 'PermitEmptyPasswords yes' },
    { name: 'files only: uncommented yes', node: sshNode({ t: false, main: DEBIAN12_CONFIG.replace('#PermitEmptyPasswords no', 'PermitEmptyPasswords yes') }), expect: 'FAIL', message: '/etc/ssh/sshd_config:58' },
    { name: 'not collected', node: {}, expect: 'SKIP' },
  ]);
});
