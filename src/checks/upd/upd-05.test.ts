import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { upd05 } from './upd-05.js';
import { dpkgStatus } from '../../../test/fixtures/system/helpers.js';

const kernels = dpkgStatus({
  'proxmox-kernel-6.14.11-4-pve-signed': '6.14.11-4', 'proxmox-kernel-6.17.2-1-pve-signed': '6.17.2-1',
  'proxmox-kernel-6.17': '6.17.2-1', 'linux-image-6.12.48+deb13-amd64': '6.12.48-1', 'proxmox-default-kernel': '2.0.0',
});

test('UPD-05 reboot pending / newest kernel running', () => {
  assertCases(upd05, [
    { name: 'newest running', node: { files: { '/var/lib/dpkg/status': kernels }, commands: { 'uname -r': '6.17.2-1-pve\n' } }, expect: 'PASS', message: 'running kernel 6.17.2-1-pve is the newest installed' },
    { name: 'older kernel running', node: { files: { '/var/lib/dpkg/status': kernels }, commands: { 'uname -r': '6.14.11-4-pve\n' } }, expect: 'FAIL', message: 'running kernel 6.14.11-4-pve is older than the installed 6.17.2-1-pve' },
    { name: 'reboot-required flag', node: { files: { '/var/run/reboot-required': '*** System restart required ***\n', '/var/lib/dpkg/status': kernels }, commands: { 'uname -r': '6.17.2-1-pve\n' } }, expect: 'FAIL', message: 'a reboot is pending' },
    { name: 'pve-kernel of PVE 7 vs 6.8 pve', node: { files: { '/var/lib/dpkg/status': dpkgStatus({ 'pve-kernel-5.15.158-2-pve': '5.15.158-2', 'proxmox-kernel-6.8.12-9-pve-signed': '6.8.12-9' }) }, commands: { 'uname -r': '5.15.158-2-pve' } }, expect: 'FAIL', message: 'older than the installed 6.8.12-9-pve' },
    { name: 'uname not collected', node: { files: { '/var/lib/dpkg/status': kernels } }, expect: 'SKIP', message: 'uname -r' },
    { name: 'reboot-required unreadable', node: { errors: { '/var/run/reboot-required': 'permission denied' } }, expect: 'SKIP', message: 'permission denied' },
    { name: 'custom kernel', node: { files: { '/var/lib/dpkg/status': kernels }, commands: { 'uname -r': '6.18.44-fc-v657' } }, expect: 'SKIP', message: 'does not come from a Debian or Proxmox kernel package' },
    { name: 'no kernel of the running flavour', node: { files: { '/var/lib/dpkg/status': kernels }, commands: { 'uname -r': '6.1.0-13-cloud-amd64' } }, expect: 'SKIP', message: 'flavour "cloud-amd64"' },
  ]);
});

test('UPD-05 Debian 13 kernel naming', () => {
  const deb = dpkgStatus({ 'linux-image-6.12.43+deb13-amd64': '6.12.43-1', 'linux-image-6.12.48+deb13-amd64': '6.12.48-1', 'linux-image-amd64': '6.12.48-1' });
  assertCases(upd05, [
    { name: 'newest', node: { files: { '/var/lib/dpkg/status': deb }, commands: { 'uname -r': '6.12.48+deb13-amd64\n' } }, expect: 'PASS' },
    { name: 'older', node: { files: { '/var/lib/dpkg/status': deb }, commands: { 'uname -r': '6.12.43+deb13-amd64\n' } }, expect: 'FAIL', message: 'older than the installed 6.12.48+deb13-amd64' },
  ]);
});
