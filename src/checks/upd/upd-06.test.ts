import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { upd06 } from './upd-06.js';

const DEBIAN = `Types: deb
URIs: http://deb.debian.org/debian/
Suites: trixie trixie-updates
Components: main contrib non-free-firmware
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://security.debian.org/debian-security/
Suites: trixie-security
Components: main contrib non-free-firmware
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;
const ENTERPRISE = (enabled: string) => `Types: deb\nURIs: https://enterprise.proxmox.com/debian/pve\nSuites: trixie\nComponents: pve-enterprise\nSigned-By: /usr/share/keyrings/proxmox-archive-keyring.gpg\n${enabled}`;
const NOSUB = 'Types: deb\nURIs: http://download.proxmox.com/debian/pve\nSuites: trixie\nComponents: pve-no-subscription\nSigned-By: /usr/share/keyrings/proxmox-archive-keyring.gpg\n';
const D = '/etc/apt/sources.list.d';

test('UPD-06 package sources', () => {
  assertCases(upd06, [
    { name: 'PVE 9 enterprise', node: { files: { [`${D}/debian.sources`]: DEBIAN, [`${D}/pve-enterprise.sources`]: ENTERPRISE('') } }, expect: 'PASS', message: 'one Proxmox VE repository (pve-enterprise)' },
    { name: 'enterprise disabled, no-subscription added', node: { files: { [`${D}/debian.sources`]: DEBIAN, [`${D}/pve-enterprise.sources`]: ENTERPRISE('Enabled: no\n'), [`${D}/proxmox.sources`]: NOSUB } }, expect: 'PASS', message: 'pve-no-subscription' },
    { name: 'both enabled', node: { files: { [`${D}/debian.sources`]: DEBIAN, [`${D}/pve-enterprise.sources`]: ENTERPRISE(''), [`${D}/proxmox.sources`]: NOSUB } }, expect: 'WARN', message: '2 Proxmox VE repositories are enabled' },
    { name: 'legacy one-line lists without security', node: { files: { '/etc/apt/sources.list': 'deb http://ftp.debian.org/debian bookworm main contrib\ndeb http://ftp.debian.org/debian bookworm-updates main contrib\n# security updates\n#deb http://security.debian.org bookworm-security main contrib\n', [`${D}/pve-install-repo.list`]: 'deb http://download.proxmox.com/debian/pve bookworm pve-no-subscription\n' } },
      expect: 'FAIL', message: 'the Debian security repository is not enabled' },
    { name: 'no Proxmox repository', node: { files: { [`${D}/debian.sources`]: DEBIAN } }, expect: 'FAIL', message: 'no Proxmox VE repository is enabled' },
    { name: 'test repository', node: { files: { [`${D}/debian.sources`]: DEBIAN, [`${D}/test.sources`]: NOSUB.replace('pve-no-subscription', 'pve-test') } }, expect: 'WARN', message: 'test repository' },
    { name: 'nothing collected', node: {}, expect: 'SKIP', message: '/etc/apt/sources.list.d' },
  ]);
});

test('UPD-06 never shows repository credentials', async () => {
  const { runCheck } = await import('../testing.js');
  const f = runCheck(upd06, { node: { files: { [`${D}/debian.sources`]: DEBIAN.replace('http://security.debian.org', 'https://mirror:s3cr3t@security.debian.org'), [`${D}/proxmox.sources`]: NOSUB } } });
  const text = JSON.stringify(f);
  if (text.includes('s3cr3t')) throw new Error(`credentials leaked: ${text}`);
  if (!text.includes('https://***@security.debian.org')) throw new Error(`expected masked URL: ${text}`);
});
