import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { upd04 } from './upd-04.js';

const CMD = 'apt list --upgradable';

test('UPD-04 pending security updates', () => {
  assertCases(upd04, [
    { name: 'nothing pending', node: { commands: { [CMD]: 'Listing...\n' } }, expect: 'PASS', message: 'no update pending' },
    { name: 'only Proxmox updates', node: { commands: { [CMD]: 'Listing...\npve-manager/stable 9.1.2 all [upgradable from: 9.1.1]\n' } }, expect: 'PASS', message: '1 other update available' },
    { name: 'openssh security update', node: { commands: { [CMD]: 'Listing...\nopenssh-server/stable-security 1:10.0p1-7+deb13u1 amd64 [upgradable from: 1:10.0p1-7]\npve-manager/stable 9.1.2 all [upgradable from: 9.1.1]\n' } },
      expect: 'FAIL', message: '1 security update pending: openssh-server 1:10.0p1-7 -> 1:10.0p1-7+deb13u1' },
    { name: 'not collected', node: { errors: { [CMD]: 'not installed' } }, expect: 'SKIP', message: 'apt list --upgradable: not installed' },
    { name: 'apt failed', node: { commands: { [CMD]: { output: 'E: Could not open lock file /var/lib/dpkg/lock-frontend', exitCode: 100 } } }, expect: 'SKIP', message: 'exit code 100' },
  ]);
});
