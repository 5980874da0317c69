import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCheck } from '../testing.js';
import { checks as SSH_CHECKS } from './index.js';
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
      expect: 'FAIL', message: "OpenSSH 9.2 and OpenSSH 10.0 would refuse the files: /etc/ssh/sshd_config:124: Directive 'LoginGraceTime' is not allowed within a Match block; sshd will not start",
    },
    { name: 'files only and clean: cannot compare', node: sshNode({ t: false, test: false }), expect: 'SKIP', message: 'cannot be compared' },
    { name: 'only sshd -T', node: sshNode({ main: false }), expect: 'SKIP', message: 'cannot compare: /etc/ssh/sshd_config is not in the bundle' },
    { name: 'nothing', node: {}, expect: 'SKIP' },
  ]);
});

// Trees real sshd refuses (issue 13; the model agrees with real OpenSSH on them, differential.test.ts).
const REFUSED: [name: string, dropin: string, message: string][] = [
  [
    'KbdInteractiveAuthentication no + AuthenticationMethods publickey,keyboard-interactive',
    'AuthenticationMethods publickey,keyboard-interactive\n',
    'would refuse the files: Disabled method "keyboard-interactive" in AuthenticationMethods list "publickey,keyboard-interactive" (AuthenticationMethods cannot be satisfied by enabled authentication methods)',
  ],
  ['MaxAuthTries -1', 'MaxAuthTries -1\n', '/etc/ssh/sshd_config.d/50-x.conf:1: MaxAuthTries integer value too small.'],
  ['an unsupported KEX', 'KexAlgorithms curve25519-sha256,bogus-kex\n', "/etc/ssh/sshd_config.d/50-x.conf:1: Unsupported KEX algorithm \"bogus-kex\" (Bad SSH2 KexAlgorithms 'curve25519-sha256,bogus-kex'.)"],
  ['a misspelt keyword', 'PermitRootLogn no\n', '/etc/ssh/sshd_config.d/50-x.conf:1: Bad configuration option: PermitRootLogn'],
  ['Port 70000', 'Port 70000\n', 'Badly formatted port number.'],
  ['X11Forwarding true', 'X11Forwarding true\n', 'unsupported option "true".'],
  ['a UTF-8 BOM', '\ufeffPermitRootLogin no\n', 'Bad configuration option: \\357\\273\\277PermitRootLogin'],
  ['Match Address with host bits', 'Match Address 10.0.0.5/8\n  PermitRootLogin no\n', "Invalid Match address argument '10.0.0.5/8' at line 1"],
  ['Match all User root', 'Match all User root\n', "/etc/ssh/sshd_config.d/50-x.conf:1: 'all' cannot be combined with other Match attributes (Bad Match condition)"],
];

test('SSH-15 FAILs (critical) on files sshd would refuse, from the files alone; no other SSH control PASSes on them', () => {
  for (const [name, dropin, message] of REFUSED) {
    const node = sshNode({ t: false, test: false, dropins: { '50-x.conf': dropin } });
    const [finding] = runCheck(ssh15, { node });
    assert.equal(finding.status, 'FAIL', name);
    assert.equal(finding.severity, 'critical', name);
    assert.ok(finding.message.includes(message), `${name}: ${finding.message}`);
    for (const check of SSH_CHECKS.filter((c) => c.meta.id !== 'SSH-15')) {
      for (const f of runCheck(check, { node })) {
        assert.notEqual(f.status, 'PASS', `${check.meta.id} on ${name}: ${f.message}`);
        if (f.status === 'SKIP') assert.match(f.message, /not loadable/, `${check.meta.id} on ${name}`);
      }
    }
  }
});

test('SSH-15: the same files with a valid spelling load (no false refusal)', () => {
  const node = sshNode({ t: false, test: false, dropins: { '50-x.conf': 'LoginGraceTime 0m30\nMatch all\nCiphers +aes128-cbc\nMatch User=alice\n  DenyUsers alice\n' } });
  const [finding] = runCheck(ssh15, { node });
  assert.equal(finding.status, 'SKIP');
  assert.match(finding.message, /would load the files \(sshd model\)/);
});

test('SSH-15: canonical forms sshd -T prints are not drift (issue 13: all -> yes, QUIET -> SILENT, 0m30 -> 30)', () => {
  assertCases(ssh15, [
    {
      name: 'canonical values',
      node: sshNode({ main: DEBIAN12_CONFIG + 'AllowTcpForwarding all\nLogLevel QUIET\nLoginGraceTime 0m30\nCiphers -*cbc,*ctr\n', t: { allowtcpforwarding: 'yes', loglevel: 'SILENT', logingracetime: '30', ciphers: 'chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com' } }),
      expect: 'PASS',
    },
    {
      name: 'a real difference still is',
      node: sshNode({ main: DEBIAN12_CONFIG + 'AllowTcpForwarding all\nLogLevel QUIET\n', t: { allowtcpforwarding: 'no', loglevel: 'SILENT' } }),
      expect: 'FAIL', message: 'the files define allowtcpforwarding yes but sshd -T reports allowtcpforwarding no',
    },
  ]);
});
