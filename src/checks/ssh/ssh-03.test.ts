import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { ssh03 } from './ssh-03.js';
import { DEBIAN12_CONFIG, hardenedNode, sshNode } from './testing.js';

test('SSH-03 keyboard-interactive', () => {
  assertCases(ssh03, [
    { name: 'Debian sets it to no', node: sshNode(), expect: 'PASS', message: 'KbdInteractiveAuthentication no (sshd -T; set at /etc/ssh/sshd_config:62)' },
    { name: 'enabled with AuthenticationMethods any', node: sshNode({ t: { kbdinteractiveauthentication: 'yes' } }), expect: 'FAIL', message: 'AuthenticationMethods any' },
    { name: 'TOTP after key', node: sshNode({ t: { kbdinteractiveauthentication: 'yes', authenticationmethods: 'publickey,keyboard-interactive' } }), expect: 'PASS', message: 'only after a key' },
    { name: 'one alternative without key', node: sshNode({ t: { kbdinteractiveauthentication: 'yes', authenticationmethods: 'publickey,keyboard-interactive keyboard-interactive' } }), expect: 'FAIL' },
    {
      name: 'files only: old ChallengeResponseAuthentication alias in a drop-in',
      node: sshNode({ t: false, test: false, main: DEBIAN12_CONFIG.replace('KbdInteractiveAuthentication no', '#'), dropins: { 'legacy.conf': 'ChallengeResponseAuthentication yes\n' } }),
      expect: 'FAIL', message: '/etc/ssh/sshd_config.d/legacy.conf:1',
    },
    { name: 'files only, nothing set: OpenSSH default yes', node: sshNode({ t: false, main: 'Port 22\n' }), expect: 'FAIL', message: 'not set, OpenSSH default' },
    { name: 'Match enables it for a user', node: hardenedNode({}, '', { main: DEBIAN12_CONFIG + 'Match User legacy\n  KbdInteractiveAuthentication yes\n' }), expect: 'FAIL', message: 'Match User legacy' },
    { name: 'not collected', node: {}, expect: 'SKIP' },
  ]);
});
