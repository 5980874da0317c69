import path from 'node:path';
import { ManualOnly, type PlannedOp, type Remedy } from '../../harden/plan-types.js';
import { Unavailable, type FactContext } from '../../model/fact.js';
import { mountsFact } from '../../model/facts/system.js';
import { mountAt } from '../../parse/mounts.js';

export const BACKUP_SCRIPT = '/usr/local/sbin/pvesec-config-backup';
export const BACKUP_SERVICE = 'pvesec-config-backup.service';
export const BACKUP_TIMER = 'pvesec-config-backup.timer';
const UNIT_DIR = '/etc/systemd/system';
/** Archives kept (the newest ones); at one a day, two weeks. */
export const BACKUP_KEEP = 14;

/** What goes into the archive: the cluster filesystem and everything a node is rebuilt from (missing ones are skipped). */
export const BACKUP_PATHS = [
  '/etc/pve', '/etc/ssh', '/etc/apt', '/etc/network', '/etc/corosync', '/etc/hosts', '/etc/hostname', '/etc/resolv.conf',
  '/etc/fstab', '/etc/default', '/etc/modprobe.d', '/etc/sysctl.d', '/etc/systemd/system', '/etc/fail2ban', '/etc/audit',
  '/etc/sudoers', '/etc/sudoers.d', '/etc/passwd', '/etc/group', '/etc/shadow', '/etc/gshadow', '/etc/subuid', '/etc/subgid',
  '/etc/vzdump.conf', '/etc/lvm/lvm.conf', '/etc/zfs', '/etc/iscsi', '/etc/multipath.conf', '/etc/cron.d', '/etc/crontab', '/root/.ssh',
];

/** The archive location from config_backup_glob: DIR/PREFIX*SUFFIX with one `*` and a gzip suffix. */
export function backupLocation(glob: string): { dir: string; prefix: string; suffix: string } {
  const dir = path.posix.dirname(glob);
  const base = path.posix.basename(glob);
  const parts = base.split('*');
  if (!glob.startsWith('/') || !/^[A-Za-z0-9_./-]+$/.test(dir) || dir === '/' || parts.length !== 2 || /[?[\]\s'"\\$`]/.test(base)) {
    throw new ManualOnly(`config_backup_glob ${glob} is not DIR/PREFIX*SUFFIX with one '*' in the file name: pvesec cannot name archives it matches`);
  }
  const [prefix, suffix] = parts;
  if (!/\.(tar\.gz|tgz)$/.test(suffix)) throw new ManualOnly(`config_backup_glob ${glob} does not end in .tar.gz or .tgz (BAK-01 lists archives with tar -tzf)`);
  return { dir, prefix, suffix };
}

export function backupScript(glob: string, keep = BACKUP_KEEP): string {
  const { dir, prefix, suffix } = backupLocation(glob);
  return `#!/bin/sh
# Written by pvesec (BAK-01): archive the node configuration into ${dir}/${prefix}<time>${suffix},
# keep the newest ${keep}. Run daily by ${BACKUP_TIMER}. Copy the archives off the node as well.
set -eu
umask 077
dir='${dir}'
prefix='${prefix}'
suffix='${suffix}'
keep=${keep}
mkdir -p "$dir"
set --
for p in ${BACKUP_PATHS.join(' ')}; do
  if [ -e "$p" ]; then set -- "$@" "\${p#/}"; fi
done
stamp=$(date +%Y%m%d-%H%M%S)
tmp="$dir/.pvesec-backup.$$"
trap 'rm -f "$tmp"' EXIT
# GNU tar exits 1 when a file changed while it was read (a busy /etc/pve): the archive is still written
rc=0
tar -C / -czf "$tmp" -- "$@" || rc=$?
[ "$rc" -le 1 ] || exit "$rc"
mv -f "$tmp" "$dir/$prefix$stamp$suffix"
trap - EXIT
n=0
for f in $(ls -1t -- "$dir/$prefix"*"$suffix"); do
  n=$((n + 1))
  [ "$n" -le "$keep" ] || rm -f -- "$f"
done
`;
}

export const BACKUP_SERVICE_TEXT = `# Written by pvesec (BAK-01)
[Unit]
Description=pvesec: archive the node configuration
After=pve-cluster.service

[Service]
Type=oneshot
ExecStart=${BACKUP_SCRIPT}
Nice=10
IOSchedulingClass=idle
`;

export const BACKUP_TIMER_TEXT = `# Written by pvesec (BAK-01)
[Unit]
Description=pvesec: daily configuration backup

[Timer]
OnCalendar=daily
RandomizedDelaySec=1h
Persistent=true

[Install]
WantedBy=timers.target
`;

const CONTROLS = ['BAK-01'];

/** sh that succeeds when a non-empty archive matching the glob exists and lists with tar -tzf (what BAK-01 reads). */
export function archiveCheck(glob: string): string {
  const { dir, prefix, suffix } = backupLocation(glob);
  return `for f in '${dir}/${prefix}'*'${suffix}'; do [ -s "$f" ] && tar -tzf "$f" >/dev/null && exit 0; done; echo 'no archive matching ${glob}' >&2; exit 1`;
}

/**
 * BAK-01 passes only on an archive holding etc/pve: a node whose /etc/pve is not the mounted Proxmox
 * cluster filesystem (pmxcfs: fuse from /dev/fuse) would get a backup job whose first archive fails
 * BAK-01, and apply would roll it back at the re-audit. Decline up front instead, saying why.
 */
export function requirePmxcfs(ctx: FactContext): void {
  let mounts;
  try {
    mounts = ctx.get(mountsFact);
  } catch (e) {
    if (e instanceof Unavailable) throw new ManualOnly(`pvesec cannot tell whether /etc/pve is mounted here (${e.reason}): an archive without etc/pve would not pass BAK-01`);
    throw e;
  }
  const pve = mountAt(mounts, '/etc/pve');
  if (!pve) throw new ManualOnly('/etc/pve is not mounted on this node (no Proxmox cluster filesystem): an archive of it would lack etc/pve, which BAK-01 requires');
  if (pve.fstype !== 'fuse' || pve.source !== '/dev/fuse') {
    throw new ManualOnly(`/etc/pve is mounted from ${pve.source} (${pve.fstype}), not the Proxmox cluster filesystem (pmxcfs, fuse /dev/fuse): pvesec does not schedule a backup of it`);
  }
}

/** BAK-01: a backup script, its service and a daily timer; the first archive is written during apply. */
export const bakRemedy: Remedy = {
  controls: CONTROLS,
  plan({ ctx, config }): PlannedOp[] {
    const script = backupScript(config.config_backup_glob);
    requirePmxcfs(ctx);
    const base = { controls: CONTROLS, cutsAccess: false, phase: 'activate' as const };
    const file = (p: string, content: string, mode: number, summary: string): PlannedOp => ({ ...base, kind: 'write-file', id: `write:${p}`, path: p, content, mode, owner: 'root', group: 'root', summary });
    return [
      file(BACKUP_SCRIPT, script, 0o755, `configuration backup script (archives matching ${config.config_backup_glob}, newest ${BACKUP_KEEP} kept)`),
      file(`${UNIT_DIR}/${BACKUP_SERVICE}`, BACKUP_SERVICE_TEXT, 0o644, 'configuration backup service'),
      file(`${UNIT_DIR}/${BACKUP_TIMER}`, BACKUP_TIMER_TEXT, 0o644, 'daily configuration backup timer (Persistent=true)'),
      { ...base, kind: 'validate', id: `validate:sh-n:${BACKUP_SCRIPT}`, argv: ['sh', '-n', BACKUP_SCRIPT], why: 'the backup script must parse', summary: `sh -n ${BACKUP_SCRIPT}` },
      { ...base, kind: 'run', id: 'run:daemon-reload', argv: ['systemctl', 'daemon-reload'], summary: 'systemctl daemon-reload (new units)' },
      { ...base, kind: 'service', id: `service:enable-now:${BACKUP_TIMER}`, unit: BACKUP_TIMER, action: 'enable-now', summary: `enable ${BACKUP_TIMER}` },
      { ...base, kind: 'run', id: `run:start:${BACKUP_SERVICE}`, argv: ['systemctl', 'start', BACKUP_SERVICE], summary: 'write the first configuration archive now' },
      { ...base, kind: 'validate', id: 'validate:config-backup-written', argv: ['sh', '-c', archiveCheck(config.config_backup_glob)],
        why: `the first archive must exist (BAK-01 looks for ${config.config_backup_glob})`, summary: `read back: an archive matching ${config.config_backup_glob}` },
    ];
  },
};
