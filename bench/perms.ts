/**
 * Permission engine benchmark on the generated configuration (scripts/gen-user-cfg.ts: 5,000 users,
 * 500 groups, 2,000 tokens, 200 pools, 50,000 ACL entries). In-process, no test hosts needed.
 *   node --import tsx bench/perms.ts
 * Queries are random (identity, path) pairs drawn from every identity and every matrix path; the
 * answers are the privilege sets themselves (no per-answer cache: only paths and ids are interned).
 */
import { generateUserCfg } from '../scripts/gen-user-cfg.js';
import { parseUserCfg } from '../src/parse/user-cfg.js';
import { PermissionEngine } from '../src/engines/permissions/engine.js';
import { accessInputFromUserCfg } from '../src/engines/permissions/from-user-cfg.js';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target: string;
  ok: boolean;
}

const QUERIES = 2_000_000;

export async function benchPerms(): Promise<BenchResult[]> {
  const gen = generateUserCfg({ seed: 1 });
  const t0 = performance.now();
  const parsed = parseUserCfg(gen.text);
  const engine = new PermissionEngine(accessInputFromUserCfg(parsed.value));
  const loadMs = performance.now() - t0;

  const t1 = performance.now();
  const matrix = engine.matrix();
  const cells = matrix.cellCount();
  const matrixMs = performance.now() - t1;

  const ids = engine.identities();
  const paths = engine.matrixPaths();
  let seed = 42;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const qIds = Array.from({ length: QUERIES }, () => ids[Math.floor(rand() * ids.length)]);
  const qPaths = Array.from({ length: QUERIES }, () => paths[Math.floor(rand() * paths.length)]);
  let sink = 0;
  for (let i = 0; i < 200_000; i++) sink += engine.privileges(qIds[i], qPaths[i]).length; // warm-up (JIT)
  const t2 = performance.now();
  for (let i = 0; i < QUERIES; i++) sink += engine.privileges(qIds[i], qPaths[i]).length;
  const queryMs = performance.now() - t2;
  const qps = QUERIES / (queryMs / 1000);
  if (sink < 0) console.log(sink);

  const rssMiB = process.memoryUsage().rss / 1048576;
  const detail = `${ids.length} identities x ${paths.length} paths, ${cells} cells with privileges, load ${Math.round(loadMs)} ms`;
  return [
    { name: `perms: full matrix (${detail})`, value: Math.round(matrixMs), unit: 'ms', target: '< 1000 ms', ok: matrixMs < 1000 },
    { name: 'perms: single queries on random (id, path) after load', value: Math.round(qps), unit: 'queries/s', target: '> 1000000/s', ok: qps > 1_000_000 },
    { name: 'perms: resident memory after load, matrix and queries', value: Math.round(rssMiB), unit: 'MiB', target: '< 500 MiB', ok: rssMiB < 500 },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchPerms()) console.log(`${r.ok ? 'ok  ' : 'MISS'} ${r.name}: ${r.value} ${r.unit} (target ${r.target})`);
}
