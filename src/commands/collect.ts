import { fsErrorText } from '../core/fs-errors.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import { nodeNameOf } from '../model/identity.js';
import { collectOptions, defaultCollector, type AuditDeps } from './audit.js';
import type { CommandIO } from './io.js';
import { UsageError } from './options.js';
import type { Snapshot } from '../collect/snapshot.js';
import { clean } from '../report/text.js';

export interface CollectCommandOptions {
  out?: string;
  outDir?: string;
  identity?: string;
  knownHosts?: string;
  acceptNew?: boolean;
  concurrency?: string;
  timeout?: string;
}

export type BundleWriter = (snapshot: Snapshot, file: string) => Promise<void>;

/** `pvesec collect TARGET... --out FILE.tar.gz | --out-dir DIR`: one bundle per node. Returns the exit code. */
export async function runCollect(
  targets: string[],
  opts: CollectCommandOptions,
  io: CommandIO,
  deps: AuditDeps & { writeBundle?: BundleWriter } = {},
): Promise<number> {
  if ((opts.out === undefined) === (opts.outDir === undefined)) {
    throw new UsageError('collect: give either --out FILE.tar.gz (one target) or --out-dir DIR (one bundle per node)');
  }
  if (opts.out !== undefined && targets.length > 1) throw new UsageError(`collect: ${targets.length} targets need --out-dir DIR, --out takes one`);
  if (opts.out !== undefined && !/\.(tar\.gz|tgz)$/.test(opts.out)) throw new UsageError(`collect: --out ${opts.out}: a bundle is a .tar.gz file`);
  const collectOpts = collectOptions(opts);

  const collect = deps.collect ?? (await defaultCollector());
  const writeBundle = deps.writeBundle ?? (await import('../collect/bundle.js')).writeBundle;
  const results = await collect(targets, collectOpts);
  let exitCode = 0;
  for (const r of results) if (!r.snapshot) { io.err(`pvesec: ${clean(r.error ?? `${r.target}: collection failed`)}`); exitCode = 2; }
  const snapshots = results.flatMap((r) => (r.snapshot ? [{ target: r.target, snapshot: r.snapshot }] : []));

  if (opts.out !== undefined && snapshots.length > 1) {
    io.err(`pvesec: ${targets[0]} holds ${snapshots.length} nodes; use --out-dir DIR to write one bundle per node`);
    return 2;
  }
  if (opts.outDir !== undefined) await fs.mkdir(opts.outDir, { recursive: true });
  const used = new Set<string>();
  for (const { target, snapshot } of snapshots) {
    const file = opts.out ?? path.join(opts.outDir!, uniqueName(nodeNameOf(snapshot), used));
    try {
      await writeBundle(snapshot, file);
    } catch (e) {
      io.err(clean(`pvesec: ${target}: ${(e as Error).name === 'BundleError' ? (e as Error).message : `cannot write ${file}: ${fsErrorText(e)}`}`));
      exitCode = 2;
      continue;
    }
    const missing = snapshot.errors.size ? `, ${snapshot.errors.size} item(s) not collected` : '';
    await io.out(clean(`wrote ${file}: node ${nodeNameOf(snapshot)} (${target}), privilege ${snapshot.meta.privilege}, ${snapshot.files.size} files, ${snapshot.commands.size} commands${missing}`) + '\n');
  }
  return exitCode;
}

/** pve1.tar.gz, or pve1-2.tar.gz when two targets report the same node name. */
function uniqueName(node: string, used: Set<string>): string {
  const base = node.replace(/[^A-Za-z0-9._-]+/g, '_') || 'node';
  let name = `${base}.tar.gz`;
  for (let i = 2; used.has(name); i++) name = `${base}-${i}.tar.gz`;
  used.add(name);
  return name;
}
