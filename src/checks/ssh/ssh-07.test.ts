import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertCases } from '../testing.js';
import { classifyKex, ssh07 } from './ssh-07.js';
import { DEBIAN13_T, hardenedNode, sshNode, sshdT } from './testing.js';

test('SSH-07 KexAlgorithms', () => {
  assertCases(ssh07, [
    { name: 'hardened list', node: hardenedNode(), expect: 'PASS' },
    { name: 'Debian 12 default: NIST ECDH and group14', node: sshNode(), expect: 'WARN', message: 'weaker ecdh-sha2-nistp256, ecdh-sha2-nistp384, ecdh-sha2-nistp521, diffie-hellman-group14-sha256' },
    { name: 'Debian 13 default still offers NIST ECDH', node: { commands: { 'sshd -T': sshdT({}, DEBIAN13_T) } }, expect: 'WARN', message: 'ecdh-sha2-nistp256' },
    { name: 'sha1 kex', node: sshNode({ t: { kexalgorithms: 'curve25519-sha256,diffie-hellman-group14-sha1' } }), expect: 'FAIL', message: 'offers diffie-hellman-group14-sha1' },
    { name: 'files only, + modifier appends to the OpenSSH default', node: sshNode({ t: false, dropins: { 'k.conf': 'KexAlgorithms +diffie-hellman-group1-sha1\n' } }), expect: 'FAIL', message: 'KexAlgorithms offers diffie-hellman-group1-sha1; also weaker ecdh-sha2-nistp256' },
    { name: 'files only, unset: OpenSSH 9.2 default list', node: sshNode({ t: false }), expect: 'WARN', message: 'not set, OpenSSH default' },
    { name: 'not collected', node: {}, expect: 'SKIP' },
  ]);
  assert.equal(classifyKex('mlkem768x25519-sha256'), 'ok');
  assert.equal(classifyKex('diffie-hellman-group-exchange-sha1'), 'fail');
});
