import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountAt, parseFindmnt } from './mounts.js';

// PVE 9 on ext4/LVM; Debian 13 mounts /tmp as tmpfs (tmp.mount)
const OUT = `/ /dev/mapper/pve-root ext4 rw,relatime,errors=remount-ro
/sys sysfs sysfs rw,nosuid,nodev,noexec,relatime
/proc proc proc rw,relatime
/dev udev devtmpfs rw,nosuid,relatime,size=8123456k,nr_inodes=2030864,mode=755,inode64
/run tmpfs tmpfs rw,nosuid,nodev,noexec,relatime,size=1630000k,mode=755,inode64
/tmp tmpfs tmpfs rw,nosuid,nodev,size=8150000k,nr_inodes=1048576,inode64
/etc/pve /dev/fuse fuse rw,nosuid,nodev,relatime,user_id=0,group_id=0,default_permissions,allow_other
/mnt/iso\\x20images /dev/sdb1 ext4 rw,relatime
/tmp tmpfs tmpfs rw,nosuid,nodev,noexec,relatime,inode64
`;

test('findmnt -l output: columns, \\x20 escapes, stacked mounts', () => {
  const { value, diagnostics } = parseFindmnt(OUT);
  assert.equal(value.length, 9);
  assert.equal(value[0].fstype, 'ext4');
  assert.equal(value[7].target, '/mnt/iso images');
  const tmp = mountAt(value, '/tmp')!;
  assert.equal(tmp.line, 9);
  assert.ok(tmp.options.includes('noexec'));
  assert.equal(mountAt(value, '/var'), undefined);
  assert.deepEqual(diagnostics, []);
});

test('ZFS root and malformed lines', () => {
  const { value, diagnostics } = parseFindmnt('/ rpool/ROOT/pve-1 zfs rw,relatime,xattr,noacl,casesensitive\nnot a mount line here at all\n');
  assert.equal(mountAt(value, '/')?.fstype, 'zfs');
  assert.deepEqual(diagnostics.map((d) => d.line), [2]);
});
