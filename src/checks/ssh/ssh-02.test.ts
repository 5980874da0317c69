import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { ssh02 } from './ssh-02.js';
import { DEBIAN12_CONFIG, hardenedNode, sshNode } from './testing.js';

test('SSH-02 PasswordAuthentication', () => {
  assertCases(ssh02, [
    { name: 'hardened', node: hardenedNode(), expect: 'PASS', message: 'PasswordAuthentication no (sshd -T; set at /etc/ssh/sshd_config.d/10-pvesec.conf:3)' },
    { name: 'Debian default yes', node: sshNode(), expect: 'FAIL', message: 'PasswordAuthentication yes (sshd -T)' },
    {
      name: 'Match block enables passwords for the LAN',
      node: hardenedNode({}, '', { main: DEBIAN12_CONFIG + 'Match Address 192.168.1.0/24\n  PasswordAuthentication yes\n' }),
      expect: 'FAIL', message: 'PasswordAuthentication yes in "Match Address 192.168.1.0/24" (/etc/ssh/sshd_config:124); globally no',
    },
    {
      name: 'files only: cloud-init drop-in read first wins over sshd_config',
      node: sshNode({ t: false, test: false, main: DEBIAN12_CONFIG + 'PasswordAuthentication no\n', dropins: { '50-cloud-init.conf': 'PasswordAuthentication yes\n' } }),
      expect: 'FAIL', message: 'PasswordAuthentication yes (/etc/ssh/sshd_config.d/50-cloud-init.conf:1) (decided on the files',
    },
    { name: 'files only, commented: OpenSSH default yes', node: sshNode({ t: false }), expect: 'FAIL', message: 'not set, OpenSSH default' },
    { name: 'sshd -T failed, files decide', node: sshNode({ t: false, main: DEBIAN12_CONFIG + 'PasswordAuthentication no\n', extra: { commands: { 'sshd -T': { output: '/etc/ssh/sshd_config: line 3: Bad configuration option: Foo\n', exitCode: 255 } } } }), expect: 'PASS', message: 'sshd -T exited with 255' },
    { name: 'neither collected', node: { errors: { '/etc/ssh/sshd_config': 'permission denied' } }, expect: 'SKIP', message: '/etc/ssh/sshd_config: permission denied' },
  ]);
});
