import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { upd02 } from './upd-02.js';
import { dpkgStatus } from '../../../test/fixtures/system/helpers.js';

const pkgs = { '/var/lib/dpkg/status': dpkgStatus({ 'unattended-upgrades': '2.12' }) };
const origins = (...o: string[]) => ({ '/etc/apt/apt.conf.d/50unattended-upgrades': `Unattended-Upgrade::Origins-Pattern {\n${o.map((x) => `        "${x}";`).join('\n')}\n};\n` });
const SEC = 'origin=Debian,codename=${distro_codename}-security,label=Debian-Security';

test('UPD-02 origins', () => {
  assertCases(upd02, [
    { name: 'security and Proxmox', node: { files: { ...pkgs, ...origins('origin=Debian,codename=${distro_codename},label=Debian', SEC, 'origin=Proxmox') } }, expect: 'PASS', message: 'Debian security archive' },
    { name: 'Debian defaults only', node: { files: { ...pkgs, ...origins('origin=Debian,codename=${distro_codename},label=Debian', SEC) } }, expect: 'WARN', message: 'not the Proxmox repository' },
    { name: 'legacy Allowed-Origins', node: { files: { ...pkgs, '/etc/apt/apt.conf.d/50unattended-upgrades': 'Unattended-Upgrade::Allowed-Origins {\n  "${distro_id}:${distro_codename}-security";\n  "Proxmox:${distro_codename}";\n};\n' } }, expect: 'PASS' },
    { name: 'security commented out', node: { files: { ...pkgs, '/etc/apt/apt.conf.d/50unattended-upgrades': `Unattended-Upgrade::Origins-Pattern {\n//  "${SEC}";\n  "origin=Proxmox";\n};\n` } }, expect: 'FAIL', message: 'no Debian security origin among 1 configured origins' },
    { name: 'cleared', node: { files: { ...pkgs, ...origins(SEC), '/etc/apt/apt.conf.d/99local': '#clear Unattended-Upgrade::Origins-Pattern;\n' } }, expect: 'FAIL', message: 'no origins configured' },
    { name: 'not installed', node: { files: { '/var/lib/dpkg/status': dpkgStatus({ apt: '3.0.3' }) } }, expect: 'SKIP', message: 'see UPD-01' },
    { name: 'nothing collected', node: {}, expect: 'SKIP' },
  ]);
});
