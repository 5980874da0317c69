import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { aud01 } from './aud-01.js';
import { dpkgStatus } from '../../../test/fixtures/system/helpers.js';

const with_ = { '/var/lib/dpkg/status': dpkgStatus({ auditd: '1:4.0.2-2+b2', libauparse0t64: '1:4.0.2-2+b2' }) };
const without = { '/var/lib/dpkg/status': dpkgStatus({ 'openssh-server': '1:10.0p1-7' }) };

test('AUD-01 auditd installed and running', () => {
  assertCases(aud01, [
    { name: 'running', node: { files: with_, commands: { 'systemctl-states': 'ssh active enabled\nauditd active enabled\n' } }, expect: 'PASS', message: 'auditd is installed and running (enabled at boot)' },
    { name: 'stopped', node: { files: with_, commands: { 'systemctl-states': 'auditd inactive disabled\n' } }, expect: 'FAIL', message: 'not running (inactive, disabled)' },
    { name: 'not installed', node: { files: without, commands: { 'systemctl-states': 'auditd inactive not-found\n' } }, expect: 'FAIL', message: 'auditd is not installed' },
    { name: 'states not collected', node: { files: with_ }, expect: 'SKIP', message: 'systemctl-states' },
    { name: 'dpkg not collected', node: { errors: { '/var/lib/dpkg/status': 'permission denied' } }, expect: 'SKIP', message: 'permission denied' },
  ]);
});
