/**
 * An audit of a bundle without pvesec.yaml loads neither zod, yaml nor ssh2 (~0.3 s of CPU together,
 * issue 8: the fixed cost of every audit): they are required on first use (src/core/lazy-require.ts).
 * The CLI runs (from src/ through tsx, and built: dist/cli.js, the esbuild bundle of scripts/build.mjs)
 * with a preloaded probe that records every module it loads, as ESM (a resolve hook) or CommonJS
 * (require.cache at exit).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG, configSchema } from '../src/config/schema.js';
import { PLAN_SCHEMA } from '../src/harden/plan-types.js';
import { CLI, ensureCliBuilt } from './harness/hosts.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HEAVY = /\/node_modules\/(zod|yaml|ssh2)\//;
const FILE = /^file:\/\//;

type Cli = 'src' | 'dist';

function cliArgv(cli: Cli): string[] {
  return cli === 'src' ? ['--import', import.meta.resolve('tsx'), path.join(ROOT, 'src/cli.ts')] : [CLI];
}

/**
 * The modules (file URLs and CommonJS paths) a run of the CLI loaded, deduplicated. `schema`: the JSON
 * report it must print (the audit's unless told; null: its output is not JSON, e.g. `--help`).
 */
function modulesLoaded(cli: Cli, args: string[], cwd: string, schema: string | null = 'pvesec.audit/v1'): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'pvesec-startup-'));
  try {
    const log = path.join(dir, 'loaded');
    writeFileSync(log, '');
    const hooks = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (${FILE}.test(r.url)) appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}`;
    const probe = path.join(dir, 'probe.mjs');
    writeFileSync(probe, `import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  for (const k of Object.keys(cache)) appendFileSync(${JSON.stringify(log)}, k + '\\n');
});
`);
    const r = spawnSync(process.execPath, ['--import', probe, ...cliArgv(cli), ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
    assert.ok(r.status === 0 || r.status === 1, `pvesec ${args[0]} ran (exit ${r.status}): ${r.stderr}`);
    if (schema !== null) assert.equal(JSON.parse(r.stdout).schema, schema, `pvesec ${args[0]} printed its JSON`);
    else assert.ok(r.stdout.length > 0, `pvesec ${args[0]} printed something`);
    return [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean).map((u) => (FILE.test(u) ? fileURLToPath(u) : u)))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function heavyPackages(modules: string[]): string[] {
  return [...new Set(modules.flatMap((m) => HEAVY.exec(m)?.[1] ?? []))].sort();
}

function inEmptyDir<T>(fn: (cwd: string) => T): T {
  const cwd = mkdtempSync(path.join(tmpdir(), 'pvesec-startup-cwd-'));
  try {
    return fn(cwd);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

const AUDIT_FRESH = ['audit', path.join(ROOT, 'examples/fresh-install'), '--format', 'json'];
const PLAN_FRESH = ['plan', path.join(ROOT, 'examples/fresh-install'), '--format', 'json'];
const AUDIT_WITH_CONFIG = ['audit', path.join(ROOT, 'examples/hardened-cluster'), '--config', path.join(ROOT, 'examples/hardened-cluster/pvesec.yaml'), '--format', 'json'];

for (const cli of ['src', 'dist'] as const) {
  test(`${cli}: an audit of a bundle without pvesec.yaml loads neither zod, yaml nor ssh2`, { timeout: 240_000 }, async () => {
    if (cli === 'dist') await ensureCliBuilt();
    assert.deepEqual(heavyPackages(inEmptyDir((cwd) => modulesLoaded(cli, AUDIT_FRESH, cwd))), []);
  });

  // a plan only renders its JSON (the plan file's zod schema is for apply, which reads one); --help lists
  // the fw commands (whose env.json schema is for `fw batch`)
  test(`${cli}: a plan of a bundle without pvesec.yaml, and --help, load neither zod, yaml nor ssh2`, { timeout: 240_000 }, async () => {
    if (cli === 'dist') await ensureCliBuilt();
    assert.deepEqual(heavyPackages(inEmptyDir((cwd) => modulesLoaded(cli, PLAN_FRESH, cwd, PLAN_SCHEMA))), []);
    assert.deepEqual(heavyPackages(inEmptyDir((cwd) => modulesLoaded(cli, ['--help'], cwd, null))), []);
  });

  test(`${cli}: the probe sees them when a pvesec.yaml is read (so the test above can fail)`, { timeout: 240_000 }, async () => {
    if (cli === 'dist') await ensureCliBuilt();
    assert.deepEqual(heavyPackages(modulesLoaded(cli, AUDIT_WITH_CONFIG, ROOT)), ['yaml', 'zod']);
  });
}

test('dist: the built CLI is a bundle: an audit loads at most half as many files as it has source modules', { timeout: 240_000 }, async () => {
  await ensureCliBuilt();
  const dist = path.dirname(CLI) + path.sep;
  const own = (cli: Cli) => inEmptyDir((cwd) => modulesLoaded(cli, AUDIT_FRESH, cwd)).filter((m) => m.startsWith(cli === 'dist' ? dist : path.join(ROOT, 'src') + path.sep));
  const fromDist = own('dist');
  const fromSrc = own('src');
  // from src/ the audit loads ~220 modules; bundled, ~70 files (the entry, the commands' and sections' chunks, shared chunks)
  assert.ok(fromSrc.length > 150, `the probe counts source modules: ${fromSrc.length}`);
  assert.ok(fromDist.length > 0 && fromDist.length <= fromSrc.length / 2, `${fromDist.length} files of dist/ loaded, ${fromSrc.length} source modules`);
  assert.ok(fromDist.every((f) => !f.endsWith('.ts')), 'no TypeScript at run time');
});

test("src: an audit with --control 'SSH-*' loads the SSH checks and not the other sections' (a full audit loads them all)", { timeout: 240_000 }, () => {
  const sectionsLoaded = (args: string[]) => inEmptyDir((cwd) => modulesLoaded('src', args, cwd))
    .flatMap((m) => /\/src\/checks\/([a-z]+)\/[^/]+\.ts$/.exec(m)?.[1] ?? [])
    .filter((s, i, all) => all.indexOf(s) === i).sort();
  assert.deepEqual(sectionsLoaded([...AUDIT_FRESH, '--control', 'SSH-*']), ['ssh']);
  assert.deepEqual(sectionsLoaded(AUDIT_FRESH), ['acc', 'aud', 'bak', 'bf', 'fw', 'krn', 'pve', 'ssh', 'tls', 'upd']);
});

test('DEFAULT_CONFIG is what the schema gives an empty pvesec.yaml', () => {
  assert.deepEqual(DEFAULT_CONFIG, configSchema().parse({}));
});
