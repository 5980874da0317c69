import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { bf01 } from './bf-01.js';
import { dpkgStatus } from '../../../test/fixtures/system/helpers.js';

const installed = dpkgStatus({ fail2ban: '1.1.0-8', 'openssh-server': '1:10.0p1-7' });

test('BF-01 fail2ban installed, enabled and running', () => {
  assertCases(bf01, [
    { name: 'running', node: { files: { '/var/lib/dpkg/status': installed }, commands: { 'systemctl-states': 'fail2ban active enabled\n' } }, expect: 'PASS', message: 'fail2ban 1.1.0-8 is installed, enabled and running' },
    { name: 'not installed', node: { files: { '/var/lib/dpkg/status': dpkgStatus({ 'openssh-server': '1:10.0p1-7' }) }, commands: { 'systemctl-states': 'fail2ban inactive not-found\n' } }, expect: 'FAIL', message: 'fail2ban is not installed' },
    { name: 'failed to start (no auth.log)', node: { files: { '/var/lib/dpkg/status': installed }, commands: { 'systemctl-states': 'fail2ban failed enabled\n' } }, expect: 'FAIL', message: 'not running (failed)' },
    { name: 'disabled', node: { files: { '/var/lib/dpkg/status': installed }, commands: { 'systemctl-states': 'fail2ban active disabled\n' } }, expect: 'FAIL', message: 'not enabled at boot (disabled)' },
    { name: 'dpkg status missing', node: { commands: { 'systemctl-states': 'fail2ban active enabled\n' } }, expect: 'SKIP', message: '/var/lib/dpkg/status' },
    { name: 'unit states missing', node: { files: { '/var/lib/dpkg/status': installed }, errors: { 'systemctl-states': 'not installed' } }, expect: 'SKIP', message: 'systemctl-states: not installed' },
  ]);
});
