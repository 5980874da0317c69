import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDpkgStatus } from './dpkg-status.js';

const STATUS = `Package: openssh-server
Status: install ok installed
Priority: optional
Section: net
Installed-Size: 1990
Maintainer: Debian OpenSSH Maintainers <debian-ssh@lists.debian.org>
Architecture: amd64
Multi-Arch: foreign
Source: openssh
Version: 1:10.0p1-7
Depends: libpam-modules, libpam-runtime, lsb-base
Conffiles:
 /etc/default/ssh 500e3cf069fe9a7b9936108eb9d9c035
 /etc/ssh/moduli 52b9a0e3a5d3e4a7c1a2b3c4d5e6f708
Description: secure shell (SSH) server, for secure access from remote machines
 This is the portable version of OpenSSH.

Package: fail2ban
Status: deinstall ok config-files
Priority: optional
Architecture: all
Version: 1.1.0-8
Description: ban hosts that cause multiple authentication errors

Package: proxmox-kernel-6.14.11-4-pve-signed
Status: install ok installed
Architecture: amd64
Source: proxmox-kernel-6.14
Version: 6.14.11-4
Description: Proxmox Kernel Image (signed)
`;

test('reads installed and removed packages from dpkg status', () => {
  const { value, diagnostics } = parseDpkgStatus(STATUS);
  assert.equal(value.get('openssh-server')?.version, '1:10.0p1-7');
  assert.equal(value.get('openssh-server')?.installed, true);
  assert.equal(value.get('fail2ban')?.installed, false, 'config-files only is not installed');
  assert.equal(value.get('proxmox-kernel-6.14.11-4-pve-signed')?.source, 'proxmox-kernel-6.14');
  assert.equal(value.get('fail2ban')?.line, 18);
  assert.deepEqual(diagnostics, []);
});

test('malformed lines become located diagnostics, not exceptions', () => {
  const { value, diagnostics } = parseDpkgStatus('Package: a\nStatus: install ok installed\nthis is not a field\n\n continuation\n');
  assert.equal(value.get('a')?.installed, true);
  assert.deepEqual(diagnostics.map((d) => d.line), [3, 5]);
});
