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

test('SSH-09 from the files: MACs -* leaves sshd on its default list (it re-assembles an empty list; recorded on real 9.2 and 10.0)', () => {
  assertCases(ssh09, [
    { name: 'MACs -*', node: sshNode({ t: false, test: false, dropins: { '50-macs.conf': 'MACs -*\n' } }), expect: 'FAIL', message: 'offers umac-64-etm@openssh.com' },
    { name: 'MACs -*sha1*,umac-64*', node: sshNode({ t: false, test: false, dropins: { '50-macs.conf': 'MACs -*sha1*,umac-64*\n' } }), expect: 'WARN', message: 'weaker umac-128@openssh.com, hmac-sha2-256, hmac-sha2-512' },
  ]);
});
