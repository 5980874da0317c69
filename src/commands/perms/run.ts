import readline from 'node:readline';
import type { CommandIO } from '../io.js';
import { collectOptions, defaultCollector } from '../audit.js';
import { UsageError } from '../options.js';
import { diffEngines } from '../../engines/permissions/diff.js';
import { reasonOf } from '../../engines/permissions/describe.js';
import { releasePrivileges } from '../../engines/permissions/versions.js';
import { normalizeAclPath } from '../../parse/user-cfg.js';
import { loadFileOrTarget, loadTarget, loadUserCfgFile, releaseFlag, warningLines, type AccessSource, type Collector } from './source.js';
import { ChunkedWriter, describeOne, diffLines, groupByPrivileges, groupLines, writeMatrix, type MatrixFormat } from './render.js';
import { clean } from '../../report/text.js';

/** Options every perms command shares (commander hands them over as strings). */
export interface SourceOptions {
  userCfg?: string;
  target?: string;
  pveVersion?: string;
  identity?: string;
  knownHosts?: string;
  acceptNew?: boolean;
  concurrency?: string;
  timeout?: string;
  format?: string;
}

export interface PermsDeps {
  io: CommandIO;
  collect?: Collector;
  stdin?: NodeJS.ReadableStream;
}

function format<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  const hit = allowed.find((a) => a === value.trim().toLowerCase());
  if (!hit) throw new UsageError(`--format: "${value}" is not one of ${allowed.join(', ')}`);
  return hit;
}

const collectorOf = (deps: PermsDeps) => async () => deps.collect ?? (await defaultCollector());

/** --user-cfg FILE or --target TARGET (bundle directory, .tar.gz, ssh://..., local); warnings go to stderr. */
async function load(opts: SourceOptions, deps: PermsDeps): Promise<AccessSource> {
  const flag = releaseFlag(opts.pveVersion);
  if ((opts.userCfg === undefined) === (opts.target === undefined)) {
    throw new UsageError('perms: give either --user-cfg FILE or --target TARGET (a bundle, ssh://[user@]host or local)');
  }
  const src = opts.userCfg !== undefined
    ? await loadUserCfgFile(opts.userCfg, flag)
    : await loadTarget(opts.target!, flag, await collectorOf(deps)(), collectOptions(opts));
  warn(src, deps.io);
  return src;
}

function warn(src: AccessSource, io: CommandIO): void {
  for (const w of warningLines(src)) io.err(`pvesec: warning: ${clean(w)}`);
}

/** A path typed by a person: normalised as Proxmox normalises ACL paths (/vms//100/ is /vms/100). */
function aclPath(path: string): string {
  const p = normalizeAclPath(path);
  if (p === undefined) throw new UsageError(`"${path}" is not a Proxmox path (e.g. /, /vms/100, /pool/prod, /storage/local)`);
  return p;
}

function checkId(id: string): void {
  if (!/^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+(![A-Za-z][A-Za-z0-9.\-_]*)?$/.test(id)) throw new UsageError(`"${id}" is not a user (alice@pve) or token (alice@pve!ci) id`);
}

/** `perms of ID [--path P]`: returns the exit code. */
export async function runOf(id: string, opts: SourceOptions & { path?: string }, deps: PermsDeps): Promise<number> {
  const fmt = format(opts.format, ['text', 'json'] as const, 'text');
  checkId(id);
  if (opts.path !== undefined) opts.path = aclPath(opts.path);
  const src = await load(opts, deps);
  const { engine } = src;
  const known = engine.identities().includes(id);
  const note = known ? '' : ` (${id} is not named in ${src.label}: nothing applies unless it is root@pam)`;
  if (opts.path !== undefined) {
    const one = describeOne(engine, id, opts.path);
    if (fmt === 'json') {
      await deps.io.out(JSON.stringify({ id, path: opts.path, privileges: one.privileges, roles: one.roles, reason: one.reason, walk: one.walk }) + '\n');
    } else {
      await deps.io.out([
        `${id} on ${opts.path}${note}`,
        `  privileges: ${one.privileges.join(', ') || '(none)'}`,
        `  roles: ${one.roles.join(', ') || '(none)'}`,
        `  why: ${one.reason}`,
        ...one.walk.map((l) => `    ${l}`),
      ].map(clean).join('\n') + '\n');
    }
    return 0;
  }
  const m = engine.matrix([id]);
  const cells = [...m.cells(m.rows[0])].map((c) => ({ path: c.path, privileges: c.privileges, roles: c.roles, reason: reasonOf(engine.explain(id, c.path)) }));
  const groups = groupByPrivileges(cells, engine.input.roles, src.release);
  if (fmt === 'json') {
    const grouping = groups.map((g) => ({ paths: g.paths, privileges: g.privileges, role: g.role ?? null, allPrivileges: g.allPrivileges }));
    await deps.io.out(JSON.stringify({ id, release: src.release, paths: cells, groups: grouping }) + '\n');
    return 0;
  }
  const lines = [`${id}: privileges on ${cells.length} of ${m.pathList().length} evaluated paths (${src.label}, ${src.release}: ${src.releaseSource})${note}`];
  lines.push(...groupLines(groups));
  await deps.io.out(lines.map(clean).join('\n') + '\n');
  return 0;
}

/** `perms who PRIV PATH` */
export async function runWho(priv: string, path: string, opts: SourceOptions, deps: PermsDeps): Promise<number> {
  const fmt = format(opts.format, ['text', 'json'] as const, 'text');
  path = aclPath(path);
  const src = await load(opts, deps);
  const known = releasePrivileges(src.release);
  if (!known.includes(priv)) {
    const close = known.filter((p) => p.toLowerCase() === priv.toLowerCase() || p.toLowerCase().startsWith(priv.toLowerCase().split('.')[0] + '.'));
    throw new UsageError(`"${priv}" is not a privilege of ${src.release === 'pve8' ? 'PVE 8' : 'PVE 9'}${close.length ? ` (did you mean ${close.slice(0, 5).join(', ')}?)` : ''}`);
  }
  const holders = src.engine.identities().filter((id) => src.engine.privileges(id, path).includes(priv))
    .map((id) => ({ id, defined: src.engine.isDefinedUser(id) || src.engine.input.tokens.has(id), reason: reasonOf(src.engine.explain(id, path)) }));
  if (fmt === 'json') {
    await deps.io.out(JSON.stringify({ privilege: priv, path, holders }) + '\n');
    return 0;
  }
  const lines = [`${holders.length} identit${holders.length === 1 ? 'y holds' : 'ies hold'} ${priv} on ${path} (${src.label}):`];
  for (const h of holders) lines.push(`  ${h.id}${h.defined ? '' : ' (not a defined user: the grant waits for whoever is created with this name)'}: ${h.reason}`);
  await deps.io.out(lines.map(clean).join('\n') + '\n');
  return 0;
}

/** `perms matrix [--format json|csv|table]` */
export async function runMatrix(opts: SourceOptions, deps: PermsDeps): Promise<number> {
  const fmt = format<MatrixFormat>(opts.format, ['table', 'json', 'csv'], 'table');
  const src = await load(opts, deps);
  await writeMatrix(src.engine.matrix(), fmt, new ChunkedWriter(deps.io.out), { source: src.label, release: src.release, warnings: warningLines(src) });
  return 0;
}

/**
 * `perms query`: JSON lines {"id","path"} on stdin, answers {"id","path","privs","roles"} in the same
 * order (roles: ACL roles plus pool roles). A malformed line is reported on stderr with its line
 * number and skipped; the exit code is then 1.
 */
export async function runQuery(opts: SourceOptions, deps: PermsDeps): Promise<number> {
  const src = await load(opts, deps);
  const w = new ChunkedWriter(deps.io.out);
  const rl = readline.createInterface({ input: deps.stdin ?? process.stdin, crlfDelay: Infinity });
  let n = 0;
  let rejected = 0;
  for await (const raw of rl) {
    n++;
    const line = raw.trim();
    if (line === '') continue;
    let q: unknown;
    try {
      q = JSON.parse(line);
    } catch (e) {
      deps.io.err(`pvesec: perms query: line ${n}: not JSON (${(e as Error).message.split('\n')[0]})`);
      rejected++;
      continue;
    }
    const o = q as { id?: unknown; path?: unknown };
    if (typeof q !== 'object' || q === null || Array.isArray(q) || typeof o.id !== 'string' || typeof o.path !== 'string') {
      deps.io.err(`pvesec: perms query: line ${n}: expected {"id": "user@realm[!token]", "path": "/..."} with string values`);
      rejected++;
      continue;
    }
    const privs = src.engine.privileges(o.id, o.path);
    const roles = src.engine.effectiveRoleNames(o.id, o.path);
    await w.line(`{"id":${JSON.stringify(o.id)},"path":${JSON.stringify(o.path)},"privs":${JSON.stringify(privs)},"roles":${JSON.stringify(roles)}}`);
  }
  await w.flush();
  return rejected > 0 ? 1 : 0;
}

/**
 * `perms diff BEFORE AFTER`: exit 0 when nothing changes, 1 when grants differ. BEFORE may also be given as
 * --target (the current state of a bundle or live node) and AFTER as --user-cfg (the proposed file):
 * `perms diff --target ssh://root@pve1 --user-cfg user.cfg.new`.
 */
export async function runDiff(a: string | undefined, b: string | undefined, opts: SourceOptions, deps: PermsDeps): Promise<number> {
  const fmt = format(opts.format, ['text', 'json'] as const, 'text');
  const flag = releaseFlag(opts.pveVersion);
  const given = [opts.target, a, b, opts.userCfg].filter((x) => x !== undefined).length;
  if (given !== 2) {
    throw new UsageError(`perms diff: give two user.cfg files or targets (BEFORE AFTER), or --target CURRENT with --user-cfg PROPOSED (got ${given})`);
  }
  const collectOpts = collectOptions(opts);
  const load = (arg: string, as: 'file' | 'target' | 'either') => as === 'file' ? loadUserCfgFile(arg, flag)
    : as === 'target' ? collectorOf(deps)().then((c) => loadTarget(arg, flag, c, collectOpts))
    : loadFileOrTarget(arg, flag, collectorOf(deps), collectOpts);
  const before = opts.target !== undefined ? await load(opts.target, 'target') : await load(a!, 'either');
  const afterArg = opts.target !== undefined ? a : b;
  const after = opts.userCfg !== undefined ? await load(opts.userCfg, 'file') : await load(afterArg!, 'either');
  warn(before, deps.io);
  warn(after, deps.io);
  if (before.release !== after.release) deps.io.err(clean(`pvesec: warning: ${a} is ${before.release} and ${b} is ${after.release}: built-in roles differ between them`));
  const diffs = diffEngines(before.engine, after.engine);
  if (fmt === 'json') {
    await deps.io.out(JSON.stringify({ before: before.label, after: after.label, changes: diffs }) + '\n');
  } else if (diffs.length === 0) {
    await deps.io.out(clean(`no change in effective permissions between ${before.label} and ${after.label}`) + '\n');
  } else {
    const ids = new Set(diffs.map((d) => d.id)).size;
    await deps.io.out([`${diffs.length} change(s) for ${ids} identit${ids === 1 ? 'y' : 'ies'} from ${before.label} to ${after.label}:`, ...diffLines(diffs)].map(clean).join('\n') + '\n');
  }
  return diffs.length === 0 ? 0 : 1;
}
