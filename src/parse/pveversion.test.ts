import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePveversion } from './pveversion.js';

test('pveversion -v of a PVE 9 node', () => {
  const { value, diagnostics } = parsePveversion(`proxmox-ve: 9.0.0 (running kernel: 6.14.8-2-pve)
pve-manager: 9.0.3 (running version: 9.0.3/025864202ebb6109)
proxmox-kernel-helper: 9.0.3
proxmox-kernel-6.14.8-2-pve-signed: 6.14.8-2
ceph-fuse: 19.2.3-pve1
corosync: 3.1.9-pve2
libpve-access-control: 9.0.3
zfsutils-linux: 2.3.3-pve1
openvswitch-switch: not correctly installed
`);
  assert.deepEqual(diagnostics, []);
  assert.equal(value.manager, '9.0.3');
  assert.equal(value.major, 9);
  assert.equal(value.runningKernel, '6.14.8-2-pve');
  assert.deepEqual(value.packages.get('libpve-access-control'), { version: '9.0.3', line: 7 });
  assert.equal(value.packages.get('openvswitch-switch')?.version, 'not correctly installed');
  assert.equal(parsePveversion('pve-manager: 8.4.1 (running version: 8.4.1/2a5fa54a8503f96d)\n').value.major, 8);
});
