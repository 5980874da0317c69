import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { upd02 } from './upd-02.js';
import { dpkgStatus } from '../../../test/fixtures/system/helpers.js';
import { plainBackup } from '../../../test/support/plain-backup.js';

const pkgs = { '/var/lib/dpkg/status': dpkgStatus({ 'unattended-upgrades': '2.12' }) };
const origins = (...o: string[]) => ({ '/etc/apt/apt.conf.d/50unattended-upgrades': `Unattended-Upgrade::Origins-Pattern {\n${o.map((x) => `        "${x}";`).join('\n')}\n};\n` });
const SEC = 'origin=Debian,codename=${distro_codename}-security,label=Debian-Security';

/** /etc/apt of an example node, as `tar -czf pve-config.tar.gz /etc/pve /etc/ssh /etc/apt` keeps it (no dpkg status). */
const aptConfD = (example: string) => plainBackup(example, 'pve1', ['/etc/apt']).files as Record<string, string>;
const hardened = aptConfD('hardened-cluster/pve1');
// Debian 12's stock 50unattended-upgrades: the hardened example's file without the Proxmox origin its team added
const stockDebian = {
  ...hardened,
  '/etc/apt/apt.conf.d/50unattended-upgrades': hardened['/etc/apt/apt.conf.d/50unattended-upgrades']
    .split('\n').filter((l) => !/Proxmox/.test(l)).join('\n'),
};

test('UPD-02 origins', () => {
  assertCases(upd02, [
    { name: 'security and Proxmox', node: { files: { ...pkgs, ...origins('origin=Debian,codename=${distro_codename},label=Debian', SEC, 'origin=Proxmox') } }, expect: 'PASS', message: 'Debian security archive' },
    { name: 'Debian defaults only', node: { files: { ...pkgs, ...origins('origin=Debian,codename=${distro_codename},label=Debian', SEC) } }, expect: 'WARN', message: 'not the Proxmox repository' },
    { name: 'legacy Allowed-Origins', node: { files: { ...pkgs, '/etc/apt/apt.conf.d/50unattended-upgrades': 'Unattended-Upgrade::Allowed-Origins {\n  "${distro_id}:${distro_codename}-security";\n  "Proxmox:${distro_codename}";\n};\n' } }, expect: 'PASS' },
    { name: 'security commented out', node: { files: { ...pkgs, '/etc/apt/apt.conf.d/50unattended-upgrades': `Unattended-Upgrade::Origins-Pattern {\n//  "${SEC}";\n  "origin=Proxmox";\n};\n` } }, expect: 'FAIL', message: 'no Debian security origin among 1 configured origins' },
    { name: 'cleared', node: { files: { ...pkgs, ...origins(SEC), '/etc/apt/apt.conf.d/99local': '#clear Unattended-Upgrade::Origins-Pattern;\n' } }, expect: 'FAIL', message: 'no origins configured' },
    { name: 'not installed', node: { files: { '/var/lib/dpkg/status': dpkgStatus({ apt: '3.0.3' }) } }, expect: 'SKIP', message: 'see UPD-01' },
    { name: 'nothing collected', node: {}, expect: 'SKIP' },
    // a plain /etc backup: decided from the configuration, saying the package state is unknown
    { name: 'backup of /etc/apt: security and Proxmox', node: { files: hardened }, expect: 'PASS', message: /Proxmox.*package state not collected: \/var\/lib\/dpkg\/status is not in the bundle/ },
    { name: 'backup of /etc/apt: stock Debian origins', node: { files: stockDebian }, expect: 'WARN', message: /not the Proxmox repository.*package state not collected/ },
    { name: 'backup of /etc/apt: origins cleared', node: { files: { ...hardened, '/etc/apt/apt.conf.d/99local': '#clear Unattended-Upgrade::Origins-Pattern;\n' } }, expect: 'FAIL', message: /no origins configured.*package state not collected/ },
    { name: 'backup of /etc/apt without unattended-upgrades (fresh install)', node: { files: aptConfD('fresh-install') }, expect: 'SKIP', message: 'no unattended-upgrades configuration' },
    { name: 'backup of /etc/apt: unattended-upgrades not installed per dpkg', node: { files: { ...hardened, '/var/lib/dpkg/status': dpkgStatus({ apt: '2.6.1' }) } }, expect: 'SKIP', message: 'see UPD-01' },
  ]);
});
