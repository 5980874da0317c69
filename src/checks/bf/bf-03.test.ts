import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertCases } from '../testing.js';
import { bf03, catchesWebFailures, coversPort8006 } from './bf-03.js';
import { dpkgStatus, f2b, stockFail2ban } from '../../../test/fixtures/system/helpers.js';

const filter = { '/etc/fail2ban/filter.d/proxmox.conf': f2b('filter.d/proxmox.conf') };
const pkgs = { '/var/lib/dpkg/status': dpkgStatus({ fail2ban: '1.1.0-8' }) };
const jail = (body: string) => ({ ...stockFail2ban(), ...filter, ...pkgs, '/etc/fail2ban/jail.d/proxmox.local': `[proxmox]\n${body}` });

test('BF-03 a jail bans web-UI failures on 8006', () => {
  assertCases(bf03, [
    { name: 'proxmox jail as on the Proxmox wiki', node: { files: { ...stockFail2ban(), ...filter, ...pkgs, '/etc/fail2ban/jail.local': f2b('jail.local') } },
      expect: 'PASS', message: 'jail [proxmox] bans web-UI login failures on port https,http,8006' },
    { name: 'port 8006 missing', node: { files: jail('enabled = true\nfilter = proxmox\nport = https,http\nbackend = systemd\n') }, expect: 'FAIL', message: 'port "https,http" does not include 8006' },
    { name: 'journalmatch of another unit', node: { files: jail('enabled = true\nfilter = proxmox\nport = 8006\nbackend = systemd\njournalmatch = _SYSTEMD_UNIT=ssh.service\n') }, expect: 'FAIL', message: 'excludes pvedaemon' },
    { name: 'file backend on daemon.log without rsyslog', node: { files: jail('enabled = true\nfilter = proxmox\nport = 8006\nlogpath = /var/log/daemon.log\n') }, expect: 'FAIL', message: 'no syslog daemon writes' },
    { name: 'jail present but disabled', node: { files: jail('enabled = false\nfilter = proxmox\nport = 8006\nbackend = systemd\n') }, expect: 'FAIL', message: 'jail [proxmox] matches web-UI failures but is not enabled' },
    { name: 'stock Debian: only sshd', node: { files: { ...stockFail2ban(), ...pkgs } }, expect: 'FAIL', message: 'no fail2ban jail matches' },
    { name: 'filter file not collected', node: { files: { ...stockFail2ban(), ...pkgs, '/etc/fail2ban/jail.local': f2b('jail.local') } }, expect: 'FAIL', message: 'no fail2ban jail matches' },
    { name: 'nothing collected', node: {}, expect: 'SKIP' },
  ]);
});

test('failregex and port helpers', () => {
  assert.equal(catchesWebFailures(['^%(__prefix_line)s[aA]uthentication failure for .* from <HOST>']), false);
  assert.equal(catchesWebFailures(['pvedaemon\\[\\d+\\]: authentication failure; rhost=(?:::ffff:)?<HOST> user=\\S+ msg=.*']), true);
  assert.equal(coversPort8006('0:65535'), true);
  assert.equal(coversPort8006('ssh'), false);
  assert.equal(coversPort8006(undefined), true);
});

test('BF-03 fail2ban not installed', () => {
  assertCases(bf03, [{ name: 'no package', node: { files: { '/var/lib/dpkg/status': dpkgStatus({ 'openssh-server': '1:10.0p1-7' }) } }, expect: 'FAIL', message: 'fail2ban is not installed' }]);
});
