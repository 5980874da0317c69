#!/usr/bin/env node
// Builds dist/cli.js (the `pvesec` bin) as one ES module bundle plus a chunk per on-demand import, with
// esbuild: Node then resolves and compiles a handful of files instead of ~280 (module loading was ~40 %
// of a small audit's CPU). Packages under node_modules stay external, so the libraries required on first
// use (src/core/lazy-require.ts) stay lazy. Type checking is tsc's job (`npm run typecheck`).
//
// The new dist/ replaces the old one whole: a failed build leaves the previous one as it was.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(root, 'dist');
const staging = path.join(root, `dist.new-${process.pid}`);

try {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['src/cli.ts'],
    outdir: staging,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    chunkNames: 'chunks/[name]-[hash]',
    // Stack traces name src/*.ts lines with PVESEC_DEBUG=1 (src/cli.ts) or NODE_OPTIONS=--enable-source-maps.
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
  });
  for (const file of result.outputFiles) {
    mkdirSync(path.dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.contents);
  }
  // the bin is executed directly (`npx pvesec`, an installed `pvesec`): a fresh file is 0644
  chmodSync(path.join(staging, 'cli.js'), 0o755);
  // Swapped by two renames, the old tree removed last: a CLI started from the old dist/ keeps finding its
  // chunks for all but an instant.
  const old = `${dist}.old-${process.pid}`;
  let hadOld = true;
  try { renameSync(dist, old); } catch (e) { if (e?.code !== 'ENOENT') throw e; hadOld = false; }
  renameSync(staging, dist);
  if (hadOld) rmSync(old, { recursive: true, force: true });
} catch (e) {
  rmSync(staging, { recursive: true, force: true });
  // esbuild has already printed the errors with file:line
  process.stderr.write(`build failed${e?.errors ? '' : `: ${e?.message ?? e}`}\n`);
  process.exit(1);
}
