import { FILES } from '../collect/sources.js';
import type { Snapshot } from '../collect/snapshot.js';
import { parseCorosyncConf } from '../parse/corosync.js';

/** The Proxmox node name of a snapshot: /etc/hostname, else `hostname`, else the target. */
export function nodeNameOf(snapshot: Snapshot): string {
  const fromFile = snapshot.text(FILES.hostname)?.split('\n')[0]?.trim();
  const fromCmd = snapshot.command('hostname')?.output.split('\n')[0]?.trim();
  const name = fromFile || fromCmd || snapshot.meta.hostname || snapshot.origin.target;
  return name.split('.')[0];
}

/** Cluster name from corosync.conf, or undefined for a standalone node (or unreadable config). */
export function clusterNameOf(snapshot: Snapshot): string | undefined {
  const text = snapshot.text(FILES.corosyncConf);
  if (text === undefined) return undefined;
  try {
    return parseCorosyncConf(text).value.clusterName;
  } catch {
    return undefined;
  }
}
