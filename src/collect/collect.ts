import { readlink } from 'node:fs/promises';
import { BundleError, readBundle } from './bundle.js';
import { CollectError, type CollectOptions, type CollectResult } from './index.js';
import { collectLocal } from './local.js';
import { completePveShared } from './pve-shared.js';
import { sanitizeSnapshot } from './sanitize.js';
import { collectionScript, pveSharedScript } from './script.js';
import type { Snapshot } from './snapshot.js';
import { expandTarget, parseTarget, TargetError, targetLabel, type Target } from './targets.js';

export const DEFAULT_CONCURRENCY = 8;

/**
 * Collects every target (SSH, local, bundles; a directory of bundles expands to one result per
 * bundle) with at most opts.concurrency at a time. Results come in target order; a failed target
 * carries a one-line error and never stops the others. Every snapshot is sanitized.
 * With two or more live (SSH, local) targets, only the first sends the cluster-wide /etc/pve files;
 * the others' snapshots are completed from a node of their cluster (src/collect/pve-shared.ts).
 */
export async function collectTargets(targets: string[], opts: CollectOptions = {}): Promise<CollectResult[]> {
  const jobs: { target: Target | undefined; input: string; error?: string }[] = [];
  for (const input of targets) {
    try {
      for (const t of await expandTarget(parseTarget(input))) jobs.push({ target: t, input: t.input });
    } catch (e) {
      jobs.push({ target: undefined, input, error: oneLine(e, input) });
    }
  }
  const live = jobs.filter((j) => j.target && j.target.kind !== 'bundle');
  const sendsPveShared = (t: Target): boolean => live.length < 2 || t === live[0].target;
  const results: CollectResult[] = new Array(jobs.length);
  const liveSnapshots = new Map<Snapshot, Target>();
  const limit = Math.max(1, Math.floor(opts.concurrency ?? DEFAULT_CONCURRENCY));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      const job = jobs[i];
      if (!job.target) {
        results[i] = { target: job.input, error: job.error };
        continue;
      }
      try {
        const snapshot = sanitizeSnapshot(await collectTarget(job.target, opts, sendsPveShared(job.target)));
        results[i] = { target: job.input, snapshot };
        if (job.target.kind !== 'bundle') liveSnapshots.set(snapshot, job.target);
      } catch (e) {
        results[i] = { target: job.input, error: oneLine(e, targetLabel(job.target)) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  await completePveShared([...liveSnapshots.keys()], (s) => collectPveShared(liveSnapshots.get(s)!, opts), limit);
  return results;
}

/** sharedPve false: without the cluster-wide /etc/pve files (another node of the collection sends them). */
export async function collectTarget(target: Target, opts: CollectOptions, sharedPve = true): Promise<Snapshot> {
  switch (target.kind) {
    case 'ssh':
      return (await sshCollector())(target, opts, collectionScript({ backupGlob: opts.backupGlob, sshdUsers: opts.sshdUsers, sharedPve }));
    case 'local':
      return collectLocal(opts, collectionScript({ backupGlob: opts.backupGlob, sshdUsers: opts.sshdUsers, sharedPve }));
    case 'bundle':
      if (target.linkInDirectory) throw new BundleError(await linkNotFollowed(target.path));
      return readBundle(target.path).catch((e: unknown) => {
        if (e instanceof BundleError && /no such file or directory$/.test(e.message) && /^[^/.][^/]*@[^/]+$/.test(target.path)) {
          throw new BundleError(`${e.message} (for SSH write ssh://${target.path})`);
        }
        throw e;
      });
  }
}

/** The one-line error of a symbolic link found in a directory of bundles. */
async function linkNotFollowed(p: string): Promise<string> {
  const to = await readlink(p).catch(() => '?');
  // names from a directory someone else made: no terminal control characters in the message
  return `${p}: a symbolic link (to ${to}) in a directory of bundles, not followed; give its target on the command line to read it`.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '?');
}

/** The SSH collector loads ssh2 (~30 ms): only when a target needs it, so offline audits start quicker. */
async function sshCollector(): Promise<typeof import('./ssh.js').collectSsh> {
  return (await import('./ssh.js')).collectSsh;
}

/** The second round trip: only the cluster-wide /etc/pve files of a live target; errors are one line naming the host. */
async function collectPveShared(target: Target, opts: CollectOptions): Promise<Snapshot> {
  try {
    if (target.kind === 'ssh') return sanitizeSnapshot(await (await sshCollector())(target, opts, pveSharedScript()));
    if (target.kind === 'local') return sanitizeSnapshot(await collectLocal(opts, pveSharedScript()));
    throw new Error('a bundle is read as it is');
  } catch (e) {
    throw new Error(oneLine(e, targetLabel(target)));
  }
}

/** Our errors already name the host or file; anything unexpected gets the label in front. */
function oneLine(e: unknown, label: string): string {
  const msg = String((e as Error)?.message ?? e).split('\n')[0];
  if (e instanceof CollectError || e instanceof BundleError || e instanceof TargetError) return msg;
  return `${label}: ${msg}`;
}
