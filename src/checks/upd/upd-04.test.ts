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
    { name: 'apt update never ran', node: { commands: { [CMD]: 'Listing...\n', 'apt-lists': '' } }, expect: 'SKIP', message: 'no package lists downloaded' },
    { name: 'package lists two months old', node: { commands: { [CMD]: 'Listing...\n', 'apt-lists': '1790247600.5 deb.debian.org_debian_dists_trixie_main_binary-amd64_Packages\n' } },
      expect: 'WARN', message: 'package lists are 62 days old' },
    { name: 'fresh package lists', node: { commands: { [CMD]: 'Listing...\n', 'apt-lists': '1795500000.1 deb.debian.org_debian_dists_trixie_main_binary-amd64_Packages\n1795521600 security.debian.org_debian-security_dists_trixie-security_main_binary-amd64_Packages.lz4\n' } },
      expect: 'PASS', message: 'no update pending' },
    { name: 'apt failed', node: { commands: { [CMD]: { output: 'E: Could not open lock file /var/lib/dpkg/lock-frontend', exitCode: 100 } } }, expect: 'SKIP', message: 'exit code 100' },
  ]);
});
