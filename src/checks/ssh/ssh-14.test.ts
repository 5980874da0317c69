import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { ssh14 } from './ssh-14.js';
import { accountFiles, DEBIAN12_CONFIG, hardenedNode, sshNode } from './testing.js';

const acc = <T extends { files?: Record<string, unknown> }>(s: T) => ({ ...s, files: { ...s.files, ...accountFiles() } });

test('SSH-14 AllowTcpForwarding', () => {
  assertCases(ssh14, [
    { name: 'hardened no', node: acc(hardenedNode()), expect: 'PASS', message: 'AllowTcpForwarding no (sshd -T; set at /etc/ssh/sshd_config.d/10-pvesec.conf:9)' },
    { name: 'default yes', node: acc(sshNode()), expect: 'FAIL', message: 'for alice, bob, every other non-root user' },
    {
      name: 'no for everyone but root via Match',
      node: acc(sshNode({ main: DEBIAN12_CONFIG + 'Match User !root,*\n  AllowTcpForwarding no\n' })),
      expect: 'PASS', message: 'no for non-root users via Match blocks (globally yes)',
    },
    {
      name: 'root from peers keeps it',
      node: acc(hardenedNode({}, '', { main: DEBIAN12_CONFIG + 'Match User root Address 10.0.0.11,10.0.0.12\n  AllowTcpForwarding yes\n' })),
      expect: 'PASS', message: 'root keeps it via "Match User root Address 10.0.0.11,10.0.0.12"',
    },
    {
      name: 'Match re-enables it for a group',
      node: acc(hardenedNode({}, '', { main: DEBIAN12_CONFIG + 'Match Group tunnel\n  AllowTcpForwarding yes\n' })),
      expect: 'FAIL', message: 're-enables forwarding for non-root users',
    },
    { name: 'DisableForwarding', node: sshNode({ t: { disableforwarding: 'yes' } }), expect: 'PASS', message: 'DisableForwarding yes' },
    { name: 'not collected', node: {}, expect: 'SKIP' },
  ]);
});
