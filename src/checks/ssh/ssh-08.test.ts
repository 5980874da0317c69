import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { ssh08 } from './ssh-08.js';
import { hardenedNode, sshNode } from './testing.js';

test('SSH-08 Ciphers', () => {
  assertCases(ssh08, [
    { name: 'Debian 12 default', node: sshNode(), expect: 'PASS', message: 'chacha20-poly1305@openssh.com' },
    { name: 'hardened', node: hardenedNode(), expect: 'PASS' },
    { name: 'CBC and 3DES added', node: sshNode({ t: { ciphers: 'aes128-ctr,aes256-cbc,3des-cbc' } }), expect: 'FAIL', message: 'offers aes256-cbc, 3des-cbc' },
    { name: 'unknown cipher', node: sshNode({ t: { ciphers: 'aes128-ctr,aes128-ocb@example.com' } }), expect: 'WARN' },
    { name: 'files only: drop-in list', node: sshNode({ t: false, dropins: { 'c.conf': 'Ciphers aes256-gcm@openssh.com,arcfour\n' } }), expect: 'FAIL', message: '(/etc/ssh/sshd_config.d/c.conf:1)' },
    { name: 'not collected', node: {}, expect: 'SKIP' },
  ]);
});
