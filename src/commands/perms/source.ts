import fs from 'node:fs/promises';
import type { CollectOptions } from '../../collect/index.js';
import type { Snapshot } from '../../collect/snapshot.js';
import { FILES } from '../../collect/sources.js';
import { parsePveversion } from '../../parse/pveversion.js';
import { parseUserCfg, type UserConfig } from '../../parse/user-cfg.js';
import { ParseError, type Diagnostic } from '../../parse/diagnostics.js';
import { PermissionEngine } from '../../engines/permissions/engine.js';
import { accessInputFromUserCfg } from '../../engines/permissions/from-user-cfg.js';
import { DEFAULT_RELEASE, parseReleaseFlag, releaseOfMajor, type PveRelease } from '../../engines/permissions/versions.js';
import { userCfgWarnings } from '../../model/facts/permissions.js';
import { UsageError } from '../options.js';
import { fsErrorText } from '../../core/fs-errors.js';

export type Collector = (targets: string[], opts: CollectOptions) => Promise<{ target: string; snapshot?: Snapshot; error?: string }[]>;

/** A loaded user.cfg with its engine, ready for the perms commands. */
export interface AccessSource {
  /** What was loaded, for messages: the file, or "TARGET (node pve1)". */
  label: string;
  /** The file name used in warnings. */
  file: string;
  cfg: UserConfig;
  diagnostics: Diagnostic[];
  engine: PermissionEngine;
  release: PveRelease;
  /** Why this release: "--pve-version", "pve-manager 8.4.1", or the default. */
  releaseSource: string;
}

/** --pve-version 8|9 (8.4, 9.1 ... accepted). */
export function releaseFlag(value: string | undefined): PveRelease | undefined {
  if (value === undefined) return undefined;
  const r = parseReleaseFlag(value);
  if (!r) throw new UsageError(`--pve-version: "${value}" is not a Proxmox VE release this tool knows (8 or 9)`);
  return r;
}

function build(label: string, file: string, text: string | Buffer, release: PveRelease, releaseSource: string): AccessSource {
  let parsed;
  try {
    parsed = parseUserCfg(text, file, release);
  } catch (e) {
    if (e instanceof ParseError) throw new UsageError(`${label}: ${e.message}`);
    throw e;
  }
  return { label, file, cfg: parsed.value, diagnostics: parsed.diagnostics, engine: new PermissionEngine(accessInputFromUserCfg(parsed.value)), release, releaseSource };
}

/** A user.cfg file given directly: the release is the flag's, else PVE 9. */
export async function loadUserCfgFile(file: string, flag: PveRelease | undefined): Promise<AccessSource> {
  let text: Buffer;
  try {
    text = await fs.readFile(file);
  } catch (e) {
    throw new UsageError(`${file}: cannot read: ${fsErrorText(e)}`);
  }
  return build(file, file, text, flag ?? DEFAULT_RELEASE, flag ? '--pve-version' : 'PVE 9 assumed (give --pve-version 8 for a PVE 8 cluster)');
}

/** /etc/pve/user.cfg of a collected node, with the release of its `pveversion -v` unless the flag says otherwise. */
export function fromSnapshot(target: string, snapshot: Snapshot, flag: PveRelease | undefined): AccessSource {
  const text = snapshot.text(FILES.userCfg);
  if (text === undefined) throw new UsageError(`${target}: ${snapshot.whyMissing(FILES.userCfg)}`);
  let release = flag;
  let source = '--pve-version';
  if (!release) {
    const out = snapshot.command('pveversion -v')?.output;
    const v = out === undefined ? undefined : parsePveversion(out).value;
    release = releaseOfMajor(v?.major) ?? DEFAULT_RELEASE;
    source = v?.major !== undefined ? `pve-manager ${v.manager ?? v.major} (pveversion -v)` : 'PVE 9 assumed (pveversion -v not collected)';
  }
  return build(target, FILES.userCfg, text, release, source);
}

/** A bundle or live target: the first node of it that holds /etc/pve/user.cfg (the file is cluster-wide). */
export async function loadTarget(target: string, flag: PveRelease | undefined, collect: Collector, opts: CollectOptions): Promise<AccessSource> {
  const results = await collect([target], opts);
  const ok = results.filter((r) => r.snapshot);
  if (ok.length === 0) throw new UsageError(results.map((r) => r.error ?? `${r.target}: collection failed`).join('; '));
  const withCfg = ok.find((r) => r.snapshot!.text(FILES.userCfg) !== undefined) ?? ok[0];
  return fromSnapshot(withCfg.target, withCfg.snapshot!, flag);
}

/** A user.cfg file, or else a target (bundle directory, .tar.gz, ssh://, local). */
export async function loadFileOrTarget(arg: string, flag: PveRelease | undefined, collect: () => Promise<Collector>, opts: CollectOptions): Promise<AccessSource> {
  const isArchive = /\.(tar|tar\.gz|tgz)$/.test(arg);
  const stat = await fs.stat(arg).catch(() => undefined);
  if (stat?.isFile() && !isArchive) return loadUserCfgFile(arg, flag);
  return loadTarget(arg, flag, await collect(), opts);
}

/** The parser's warnings and built-in role changes, one line each: "file:line: message". */
export function warningLines(src: AccessSource): string[] {
  return userCfgWarnings(src.cfg, src.diagnostics).map((w) => `${src.file}:${w.line}: ${w.message}`);
}
