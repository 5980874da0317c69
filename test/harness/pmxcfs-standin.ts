/**
 * A test stand-in for Proxmox's pve-cluster.service on a systemd test host: at boot it bind-mounts a backing
 * directory onto /etc/pve, as pve-cluster mounts pmxcfs (FUSE) there. Before it runs, /etc/pve is the empty
 * mountpoint directory a real node has, so anything written there too early is hidden once it is mounted.
 * Not Proxmox: no FUSE, no cluster sync, mode and owner behave as on any directory.
 */
import { execIn, mustExecIn, type Host } from './hosts.js';

export const PMXCFS_BACKING = '/var/lib/pve-standin/pmxcfs';
export const PVE_CLUSTER_STANDIN_PATH = '/etc/systemd/system/pve-cluster.service';

export const PVE_CLUSTER_STANDIN_UNIT = `[Unit]
Description=pvesec test stand-in for pve-cluster: bind-mounts ${PMXCFS_BACKING} onto /etc/pve (as pmxcfs mounts it)
After=local-fs.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/mount --bind ${PMXCFS_BACKING} /etc/pve
ExecStop=/bin/umount /etc/pve

[Install]
WantedBy=multi-user.target
`;

/**
 * Replaces the image's pve-cluster alias (of fake-pveproxy) with the stand-in unit; moves what /etc/pve holds into the
 * backing directory, leaves the mountpoint empty, enables and starts the stand-in.
 */
export async function installPveClusterStandin(host: Host): Promise<void> {
  await mustExecIn(host, ['sh', '-ec', `mkdir -p /etc/pve ${PMXCFS_BACKING}
if ! mountpoint -q /etc/pve; then
  cp -a /etc/pve/. ${PMXCFS_BACKING}/
  find /etc/pve -mindepth 1 -delete
fi
# the systemd test image aliases pve-cluster.service to fake-pveproxy (a symlink here): the stand-in replaces the alias
rm -f ${PVE_CLUSTER_STANDIN_PATH}
cat > ${PVE_CLUSTER_STANDIN_PATH}
systemctl daemon-reload
systemctl enable --now --quiet pve-cluster.service
mountpoint -q /etc/pve`], { input: PVE_CLUSTER_STANDIN_UNIT });
}

/** What the mountpoint directory itself holds under the mount (seen in a private mount namespace without it). */
export async function underMountpoint(host: Host): Promise<string[]> {
  const r = await execIn(host, ['unshare', '-m', 'sh', '-ec', 'umount /etc/pve; find /etc/pve -mindepth 1']);
  if (r.code !== 0) throw new Error(`cannot look under /etc/pve on ${host.name}: ${r.stderr.trim()}`);
  return r.stdout.split('\n').filter(Boolean);
}
