import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { krn02 } from './krn-02.js';

const CMD = 'findmnt -l -n -o TARGET,SOURCE,FSTYPE,OPTIONS';
const BASE = `/sys sysfs sysfs rw,nosuid,nodev,noexec,relatime
/proc proc proc rw,relatime
/ /dev/mapper/pve-root ext4 rw,relatime,errors=remount-ro
/dev/shm tmpfs tmpfs rw,nosuid,nodev,inode64
/etc/pve /dev/fuse fuse rw,nosuid,nodev,relatime,user_id=0,group_id=0,default_permissions,allow_other
`;

test('KRN-02 /tmp mount options', () => {
  assertCases(krn02, [
    { name: 'hardened tmpfs', node: { commands: { [CMD]: BASE + '/tmp tmpfs tmpfs rw,nosuid,nodev,noexec,relatime,size=4194304k,inode64\n' } }, expect: 'PASS', message: '/tmp (tmpfs) is mounted noexec,nosuid,nodev' },
    { name: 'Debian 13 default tmp.mount', node: { commands: { [CMD]: BASE + '/tmp tmpfs tmpfs rw,nosuid,nodev,size=8150000k,nr_inodes=1048576,inode64\n' } }, expect: 'FAIL', message: 'mounted without noexec' },
    { name: 'separate ext4 partition', node: { commands: { [CMD]: BASE + '/tmp /dev/sda3 ext4 rw,relatime\n' } }, expect: 'FAIL', message: '/tmp (ext4) is mounted without noexec,nosuid,nodev' },
    { name: 'no /tmp mount (PVE 8 / Debian 12)', node: { commands: { [CMD]: BASE } }, expect: 'FAIL', message: '/tmp is not a separate mount' },
    { name: 'ZFS root', node: { commands: { [CMD]: '/ rpool/ROOT/pve-1 zfs rw,relatime,xattr,noacl,casesensitive\n/rpool rpool zfs rw,relatime,xattr,noacl,casesensitive\n' } }, expect: 'SKIP', message: 'root filesystem is ZFS (rpool/ROOT/pve-1)' },
    { name: 'not collected', node: {}, expect: 'SKIP', message: CMD },
  ]);
});
