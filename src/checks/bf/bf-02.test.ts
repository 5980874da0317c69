import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { bf02 } from './bf-02.js';
import { dpkgStatus, f2b, stockFail2ban } from '../../../test/fixtures/system/helpers.js';

const withRsyslog = dpkgStatus({ fail2ban: '1.0.2-2', rsyslog: '8.2302.0-1' });
const noRsyslog = dpkgStatus({ fail2ban: '1.1.0-8' });
const local = (text: string) => ({ '/etc/fail2ban/jail.local': text });

test('BF-02 sshd jail strictness and log source', () => {
  assertCases(bf02, [
    { name: 'PVE 9 jail.local: systemd backend, 3 / 10m / 1h', node: { files: { ...stockFail2ban(), ...local(f2b('jail.local')), '/var/lib/dpkg/status': noRsyslog } },
      expect: 'PASS', message: 'jail [sshd]: maxretry 3, findtime 600s, bantime 3600s, backend systemd (journal)' },
    { name: 'Debian 12 defaults: bantime 10m is too short', node: { files: { ...stockFail2ban(), '/var/lib/dpkg/status': withRsyslog } },
      expect: 'FAIL', message: 'bantime 600s < 3600s' },
    { name: 'auth.log backend on a node without rsyslog', node: { files: { ...stockFail2ban(), ...local('[DEFAULT]\nbantime = 1h\n'), '/var/lib/dpkg/status': noRsyslog } },
      expect: 'FAIL', message: 'reads /var/log/auth.log, which no syslog daemon writes' },
    { name: 'auth.log backend with rsyslog installed', node: { files: { ...stockFail2ban(), ...local('[DEFAULT]\nbantime = 1d\n'), '/var/lib/dpkg/status': withRsyslog } },
      expect: 'PASS', message: 'written by rsyslog' },
    { name: 'auth.log backend, dpkg status not collected', node: { files: { ...stockFail2ban(), ...local('[sshd]\nbantime = -1\n') } },
      expect: 'WARN', message: 'dpkg status not collected' },
    { name: 'permanent ban, too many retries, short findtime', node: { files: { ...stockFail2ban(), ...local('[sshd]\nbackend = systemd\nbantime = -1\nmaxretry = 10\nfindtime = 60\n') } },
      expect: 'FAIL', message: 'maxretry 10 > 5; findtime 60s < 600s' },
    { name: 'jail.conf alone: sshd not enabled', node: { files: { '/etc/fail2ban/jail.conf': f2b('jail.conf') } }, expect: 'FAIL', message: 'the sshd jail is not enabled' },
    { name: 'sshd disabled in jail.local', node: { files: { ...stockFail2ban(), ...local('[sshd]\nenabled = false\n') } }, expect: 'FAIL', message: 'not enabled' },
    { name: 'no fail2ban configuration collected', node: { files: { '/var/lib/dpkg/status': noRsyslog } }, expect: 'SKIP', message: '/etc/fail2ban/jail.conf' },
  ]);
});

test('BF-02 fail2ban not installed', () => {
  assertCases(bf02, [{ name: 'no package', node: { files: { '/var/lib/dpkg/status': dpkgStatus({ 'openssh-server': '1:10.0p1-7' }) } }, expect: 'FAIL', message: 'fail2ban is not installed' }]);
});
