/**
 * The built CLI (scripts/build.mjs: an esbuild bundle of src/cli.ts): the package's bin runs as a script,
 * and a stack trace printed for PVESEC_DEBUG=1 names the TypeScript sources through the source maps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CLI, ensureCliBuilt } from './harness/hosts.js';

test('dist/cli.js is the bin: a node script', { timeout: 240_000 }, async () => {
  await ensureCliBuilt();
  assert.match(readFileSync(CLI, 'utf8').split('\n')[0], /^#!\/usr\/bin\/env node$/);
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { bin: Record<string, string>; version: string };
  assert.equal(pkg.bin.pvesec, 'dist/cli.js');
  const r = spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' });
  assert.equal(r.stdout, `${pkg.version}\n`);
  // executed as a program, the way `npx pvesec` runs it (it was built 0644 once: "Permission denied")
  const direct = spawnSync(CLI, ['--version'], { encoding: 'utf8' });
  assert.equal(direct.error, undefined, String(direct.error));
  assert.equal(direct.stdout, `${pkg.version}\n`);
});

// `history` of a target that is no SSH URL fails with a plain Error thrown deep in a lazily loaded chunk.
const failing = ['history', '/nonexistent-target'];

test('PVESEC_DEBUG=1: the stack of an unexpected error names src/*.ts lines', { timeout: 240_000 }, async () => {
  await ensureCliBuilt();
  const r = spawnSync(process.execPath, [CLI, ...failing], { encoding: 'utf8', env: { ...process.env, PVESEC_DEBUG: '1' } });
  assert.equal(r.status, 2);
  const frames = r.stderr.split('\n').filter((l) => /^\s+at /.test(l));
  assert.ok(frames.length > 0, r.stderr);
  assert.match(frames[0], /\/src\/harden\/remote\.ts:\d+:\d+\)$/, r.stderr);
});

test('without PVESEC_DEBUG: one line, no stack', { timeout: 240_000 }, async () => {
  await ensureCliBuilt();
  const env = { ...process.env };
  delete env.PVESEC_DEBUG;
  const r = spawnSync(process.execPath, [CLI, ...failing], { encoding: 'utf8', env });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^pvesec: error: \/nonexistent-target: /);
});
