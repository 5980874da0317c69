import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { ssh15 } from './ssh-15.js';
import { DEBIAN12_CONFIG, DEBIAN13_CONFIG, DEBIAN13_T, hardenedNode, sshNode } from './testing.js';

test('SSH-15 files valid, equal to sshd -T, overrides reported', () => {
  assertCases(ssh15, [
    { name: 'Debian 12 default files and its real sshd -T', node: sshNode(), expect: 'PASS', message: 'sshd -t passes; the 1 file(s) define the configuration sshd -T reports' },
    { name: 'Debian 13 default files and sshd -T', node: { files: { '/etc/ssh/sshd_config': DEBIAN13_CONFIG }, commands: { 'sshd -T': DEBIAN13_T, 'sshd -t': '' } }, expect: 'PASS' },
    {
      name: 'hardening drop-in overrides Debian\'s X11Forwarding yes: PASS plus a notice',
      node: hardenedNode(),
      expect: ['PASS', 'NOTICE'],
      message: 'X11Forwarding yes at /etc/ssh/sshd_config:90 has no effect: /etc/ssh/sshd_config.d/10-pvesec.conf:7 sets no first',
    },
    {
      name: 'cloud-init drop-in silently overrides PasswordAuthentication no',
      node: sshNode({ main: DEBIAN12_CONFIG + 'PasswordAuthentication no\n', dropins: { '50-cloud-init.conf': 'PasswordAuthentication yes\n' } }),
      expect: ['PASS', 'NOTICE'], message: 'PasswordAuthentication no at /etc/ssh/sshd_config:123 has no effect: /etc/ssh/sshd_config.d/50-cloud-init.conf:1 sets yes first',
    },
    {
      name: 'sshd -t fails: a restart would fail',
      node: sshNode({ main: DEBIAN12_CONFIG + 'Bogus yes\n', t: false, test: { output: '/etc/ssh/sshd_config: line 123: Bad configuration option: Bogus\n/etc/ssh/sshd_config: terminating, 1 bad configuration options\n', exitCode: 255 } }),
      expect: 'FAIL', message: 'sshd -t fails (exit 255): /etc/ssh/sshd_config:123: Bad configuration option: Bogus',
    },
    {
      name: 'files differ from sshd -T (a drop-in sshd reads was not collected)',
      node: sshNode({ main: DEBIAN12_CONFIG + 'PasswordAuthentication no\nMaxAuthTries 3\n' , t: { passwordauthentication: 'yes', maxauthtries: '3' } }),
      expect: 'FAIL', message: 'the files define passwordauthentication no but sshd -T reports passwordauthentication yes',
    },
    {
      name: 'files only: a directive not allowed in Match',
      node: sshNode({ t: false, test: false, main: DEBIAN12_CONFIG + 'Match Address 10.0.0.0/8\n  LoginGraceTime 20\n' }),
      expect: 'FAIL', message: "sshd would reject the files: /etc/ssh/sshd_config:124: Directive 'LoginGraceTime' is not allowed within a Match block",
    },
    { name: 'files only and clean: cannot compare', node: sshNode({ t: false, test: false }), expect: 'SKIP', message: 'cannot be compared' },
    { name: 'only sshd -T', node: sshNode({ main: false }), expect: 'SKIP', message: 'cannot compare: /etc/ssh/sshd_config is not in the bundle' },
    { name: 'nothing', node: {}, expect: 'SKIP' },
  ]);
});
