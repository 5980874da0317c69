import { COMMANDS } from '../../collect/sources.js';
import { mountsFact } from '../../model/facts/system.js';
import { mountAt } from '../../parse/mounts.js';
import { fail, pass, skip, type Check } from '../types.js';

const REQUIRED = ['noexec', 'nosuid', 'nodev'];
const CMD = COMMANDS.mounts.name;

export const krn02: Check = {
  meta: {
    id: 'KRN-02',
    section: 'KRN',
    title: '/tmp is mounted noexec,nosuid,nodev',
    severity: 'low',
    scope: 'node',
    rationale: 'A world-writable /tmp that allows execution, setuid binaries or device files is the usual staging place after a foothold.',
    fix: 'systemctl edit tmp.mount (or add to /etc/fstab): tmpfs /tmp tmpfs rw,nosuid,nodev,noexec,size=2G,mode=1777 0 0; then `systemctl daemon-reload && mount -o remount /tmp` (or reboot).',
    reads: [CMD],
    references: [{ title: 'Debian 13 release notes: /tmp as tmpfs', url: 'https://www.debian.org/releases/trixie/release-notes/issues.html#tmp-is-now-stored-in-a-tmpfs' }],
  },
  evaluate(ctx) {
    const mounts = ctx.get(mountsFact);
    const root = mountAt(mounts, '/');
    if (root?.fstype === 'zfs') return skip(`the root filesystem is ZFS (${root.source}): /tmp mount options are not assessed`, [{ source: CMD, line: root.line, text: `/ ${root.source} zfs` }]);
    const tmp = mountAt(mounts, '/tmp');
    if (!tmp) {
      if (!root) return skip(`${CMD} lists no / mount: output incomplete`);
      return fail(`/tmp is not a separate mount (it is a directory on / ${root.source}), so noexec,nosuid,nodev cannot apply`, [{ source: CMD, line: root.line, text: `/ ${root.source} ${root.fstype} ${root.options.join(',')}` }]);
    }
    const evidence = [{ source: CMD, line: tmp.line, text: `/tmp ${tmp.source} ${tmp.fstype} ${tmp.options.join(',')}` }];
    const missing = REQUIRED.filter((o) => !tmp.options.includes(o));
    if (missing.length) return fail(`/tmp (${tmp.fstype}) is mounted without ${missing.join(',')}`, evidence);
    return pass(`/tmp (${tmp.fstype}) is mounted noexec,nosuid,nodev`, evidence);
  },
};
