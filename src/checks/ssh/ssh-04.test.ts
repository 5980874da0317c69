import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { ssh04 } from './ssh-04.js';
import { sshNode } from './testing.js';

test('SSH-04 PubkeyAuthentication', () => {
  assertCases(ssh04, [
    { name: 'default yes', node: sshNode(), expect: 'PASS', message: 'PubkeyAuthentication yes' },
    { name: 'disabled', node: sshNode({ t: { pubkeyauthentication: 'no' } }), expect: 'FAIL', message: 'PubkeyAuthentication no' },
    { name: 'files only, drop-in disables with odd case', node: sshNode({ t: false, dropins: { 'x.conf': 'pubkeyauthentication No\n' } }), expect: 'FAIL', message: 'PubkeyAuthentication no (/etc/ssh/sshd_config.d/x.conf:1)' },
    { name: 'not collected', node: {}, expect: 'SKIP' },
  ]);
});
