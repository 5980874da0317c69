#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with Node's own test runner (TypeScript through tsx).
// Usage: npm test [-- substring...]   (only files whose path contains one of the substrings)
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
// The end-to-end files (test hosts, timers, reboots) take minutes each and mostly wait: they start first,
// biggest first (size stands in for the number of scenarios), so the suite does not end on a lone long file
// while the quick unit files run beside them.
const isEndToEnd = (f) => f.startsWith('test/e2e/') || f.startsWith('test/harness/');
const files = ['src', 'test'].flatMap((d) => walk(d)).sort()
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .map((f) => ({ f, e2e: isEndToEnd(f), size: statSync(f).size }))
  .sort((a, b) => Number(b.e2e) - Number(a.e2e) || (a.e2e ? b.size - a.size : 0) || (a.f < b.f ? -1 : a.f > b.f ? 1 : 0))
  .map((x) => x.f);
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const reporter = process.env.CI ? ['--test-reporter=spec'] : [];
// Test files run side by side: the end-to-end files spend most of their time waiting on test hosts (timers,
// reboots, SSH), and each claims its own block of hosts. PVESEC_TEST_CONCURRENCY=1 runs them one at a time.
const concurrency = Number(process.env.PVESEC_TEST_CONCURRENCY) || 4;
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...reporter, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
