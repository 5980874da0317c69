/**
 * An audit of a bundle without pvesec.yaml loads neither zod, yaml nor ssh2 (~0.3 s of CPU together,
 * issue 8: the fixed cost of every audit): they are required on first use (src/core/lazy-require.ts).
 * The CLI runs through tsx with a preloaded probe that records every module of those packages it loads,
 * as ESM (a resolve hook) or CommonJS (require.cache at exit).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG, configSchema } from '../src/config/schema.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HEAVY = /\/node_modules\/(zod|yaml|ssh2)\//;

function heavyModulesLoaded(args: string[], cwd: string): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'pvesec-startup-'));
  try {
    const log = path.join(dir, 'loaded');
    writeFileSync(log, '');
    const hooks = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (${HEAVY}.test(r.url)) appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}`;
    const probe = path.join(dir, 'probe.mjs');
    writeFileSync(probe, `import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  for (const k of Object.keys(cache)) if (${HEAVY}.test(k)) appendFileSync(${JSON.stringify(log)}, k + '\\n');
});
`);
    const r = spawnSync(process.execPath, ['--import', probe, '--import', import.meta.resolve('tsx'), path.join(ROOT, 'src/cli.ts'), ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
    assert.ok(r.status === 0 || r.status === 1, `the audit ran (exit ${r.status}): ${r.stderr}`);
    assert.equal(JSON.parse(r.stdout).schema, 'pvesec.audit/v1', 'the audit printed its report');
    return [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean).map((u) => HEAVY.exec(u)![1]))].sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an audit of a bundle without pvesec.yaml loads neither zod, yaml nor ssh2', () => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'pvesec-startup-cwd-'));
  try {
    assert.deepEqual(heavyModulesLoaded(['audit', path.join(ROOT, 'examples/fresh-install'), '--format', 'json'], cwd), []);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test('the probe sees them when a pvesec.yaml is read (so the test above can fail)', () => {
  assert.deepEqual(heavyModulesLoaded(['audit', path.join(ROOT, 'examples/hardened-cluster'), '--config', path.join(ROOT, 'examples/hardened-cluster/pvesec.yaml'), '--format', 'json'], ROOT), ['yaml', 'zod']);
});

test('DEFAULT_CONFIG is what the schema gives an empty pvesec.yaml', () => {
  assert.deepEqual(DEFAULT_CONFIG, configSchema().parse({}));
});
