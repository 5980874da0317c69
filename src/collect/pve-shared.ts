import { nodeNameOf } from '../model/identity.js';
import { parseCorosyncConf } from '../parse/corosync.js';
import type { Snapshot } from './snapshot.js';
import { FILES, isPveShared, PVE_SHARED_FILES } from './sources.js';

/**
 * When several live nodes are collected at once, only one of them sends the cluster-wide /etc/pve
 * files (pmxcfs makes them identical on every node of a cluster); the others are collected with
 * sharedPve false. This completes those snapshots afterwards, per cluster, so everything downstream
 * (checks, written bundles) sees whole snapshots.
 */

/** Collects only the cluster-wide /etc/pve files from the node of this snapshot (a second round trip). */
export type FetchPveShared = (member: Snapshot) => Promise<Snapshot>;

/** Collected without the cluster-wide /etc/pve files, and not completed yet. */
export function lacksPveShared(s: Snapshot): boolean {
  return s.meta.pveShared === false && s.meta.pveSharedFrom === undefined;
}

/**
 * Snapshots that share one /etc/pve: same corosync cluster name and node list. A standalone node,
 * or one whose corosync.conf could not be read, is a group of its own.
 */
export function pveSharedGroups(snapshots: Snapshot[]): Snapshot[][] {
  const groups = new Map<string, Snapshot[]>();
  const alone: Snapshot[][] = [];
  for (const s of snapshots) {
    const key = clusterKey(s);
    if (key === undefined) alone.push([s]);
    else groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values(), ...alone];
}

function clusterKey(s: Snapshot): string | undefined {
  const text = s.text(FILES.corosyncConf);
  if (text === undefined) return undefined;
  try {
    const conf = parseCorosyncConf(text).value;
    if (!conf.clusterName) return undefined;
    // the node list too: two clusters may carry the same name
    return JSON.stringify([conf.clusterName, conf.nodes.map((n) => n.name).sort()]);
  } catch {
    return undefined;
  }
}

/** Copies the cluster-wide /etc/pve files, directories and their errors of `from` into `into`. */
export function copyPveShared(from: Snapshot, into: Snapshot, fromNode: string): void {
  const own = nodeNameOf(into);
  for (const [p, f] of from.files) if (isPveShared(p, own) && !into.files.has(p)) into.addFile(f);
  for (const [p, stat] of from.dirs) if (isPveShared(p, own) && !into.dirs.has(p)) into.dirs.set(p, stat);
  for (const [p, why] of from.errors) if (isPveShared(p, own) && !into.errors.has(p)) into.errors.set(p, why);
  into.meta.pveSharedFrom = fromNode;
}

/** The cluster-wide files stay absent: each gets an error entry, so the checks reading them SKIP with it. */
export function markPveSharedMissing(into: Snapshot, reason: string): void {
  for (const p of PVE_SHARED_FILES) if (!into.files.has(p) && !into.errors.has(p)) into.errors.set(p, reason);
}

const PRIVILEGE_RANK = { root: 0, sudo: 1, user: 2, unknown: 3 } as const;
const rank = (s: Snapshot): number => PRIVILEGE_RANK[s.meta.privilege];

/**
 * Completes every snapshot that lacks the cluster-wide /etc/pve files: from the best-privileged
 * member of its cluster that has them, unless that one saw less than the snapshot's own login could
 * (a plain user cannot read /etc/pve/priv); else from ONE second round trip per group (fetch, at most
 * `limit` at a time), through its best-privileged member. When that trip fails, they get the
 * less-privileged copy if there is one, else the error is recorded for the cluster-wide paths.
 * Never throws.
 */
export async function completePveShared(snapshots: Snapshot[], fetch: FetchPveShared, limit = 8): Promise<void> {
  const trips: { lacking: Snapshot[]; fallback?: Snapshot }[] = [];
  for (const s of snapshots) {
    // no /etc/pve at all (not a Proxmox node): the full script would have found nothing more either
    if (lacksPveShared(s) && !s.sawDir('/etc/pve') && !s.errors.has('/etc/pve')) delete s.meta.pveShared;
  }
  for (const group of pveSharedGroups(snapshots)) {
    const lacking = group.filter(lacksPveShared).sort((a, b) => rank(a) - rank(b));
    if (lacking.length === 0) continue;
    const donor = group.filter((s) => s.meta.pveShared !== false).sort((a, b) => rank(a) - rank(b))[0];
    const unserved = lacking.filter((s) => !donor || rank(donor) > rank(s));
    for (const s of lacking) if (donor && !unserved.includes(s)) copyPveShared(donor, s, nodeNameOf(donor));
    if (unserved.length) trips.push({ lacking: unserved, fallback: donor });
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < trips.length) {
      const { lacking, fallback } = trips[next++];
      const via = lacking[0];
      try {
        const shared = await fetch(via);
        for (const s of lacking) copyPveShared(shared, s, nodeNameOf(via));
      } catch (e) {
        const why = String((e as Error)?.message ?? e).split('\n')[0];
        for (const s of lacking) {
          if (fallback) copyPveShared(fallback, s, nodeNameOf(fallback));
          else markPveSharedMissing(s, `cluster-wide /etc/pve not collected (${why})`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), trips.length) }, worker));
}
