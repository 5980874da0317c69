import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { upd01 } from './upd-01.js';
import { dpkgStatus } from '../../../test/fixtures/system/helpers.js';

const pkgs = { '/var/lib/dpkg/status': dpkgStatus({ 'unattended-upgrades': '2.12', apt: '3.0.3' }) };
const auto = (a: string, b: string) => ({ '/etc/apt/apt.conf.d/20auto-upgrades': `APT::Periodic::Update-Package-Lists "${a}";\nAPT::Periodic::Unattended-Upgrade "${b}";\n` });
const timer = (enabled: string) => ({ 'systemctl-states': `apt-daily-upgrade.timer active ${enabled}\n` });

test('UPD-01 unattended-upgrades installed and periodic', () => {
  assertCases(upd01, [
    { name: 'Debian 20auto-upgrades', node: { files: { ...pkgs, ...auto('1', '1') }, commands: timer('enabled') }, expect: 'PASS', message: 'runs daily' },
    { name: 'disabled by a later file', node: { files: { ...pkgs, ...auto('1', '1'), '/etc/apt/apt.conf.d/99local': 'APT::Periodic::Unattended-Upgrade "0";\n' } }, expect: 'FAIL', message: 'APT::Periodic::Unattended-Upgrade is "0"' },
    { name: 'a .dpkg-old file is not read', node: { files: { ...pkgs, ...auto('1', '1'), '/etc/apt/apt.conf.d/99local.dpkg-old': 'APT::Periodic::Unattended-Upgrade "0";\n' } }, expect: 'PASS' },
    { name: 'weekly', node: { files: { ...pkgs, ...auto('1', '7') } }, expect: 'WARN', message: 'every 7 days' },
    { name: 'package installed, periodic not configured', node: { files: { ...pkgs, '/etc/apt/apt.conf.d/70debconf': '// Pre-configure all packages with debconf before they are installed.\nDPkg::Pre-Install-Pkgs {"/usr/sbin/dpkg-preconfigure --apt || true";};\n' } }, expect: 'FAIL', message: 'APT::Periodic::Update-Package-Lists is not set' },
    { name: 'timer masked', node: { files: { ...pkgs, ...auto('1', '1') }, commands: timer('masked') }, expect: 'FAIL', message: 'apt-daily-upgrade.timer is masked' },
    { name: 'not installed', node: { files: { '/var/lib/dpkg/status': dpkgStatus({ apt: '3.0.3' }), ...auto('1', '1') } }, expect: 'FAIL', message: 'unattended-upgrades is not installed' },
    { name: 'apt.conf.d not collected', node: { files: pkgs }, expect: 'SKIP', message: '/etc/apt/apt.conf.d' },
    { name: 'apt.conf.d syntax error', node: { files: { ...pkgs, '/etc/apt/apt.conf.d/20auto-upgrades': 'APT::Periodic::Update-Package-Lists "1"\n' } }, expect: 'SKIP', message: 'cannot parse /etc/apt/apt.conf.d/20auto-upgrades' },
  ]);
});
