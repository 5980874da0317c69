/**
 * Permission engine benchmark on the generated configuration (scripts/gen-user-cfg.ts: 5,000 users,
 * 500 groups, 2,000 tokens, 200 pools, 50,000 ACL entries). In-process, no test hosts needed.
 *   node --import tsx bench/perms.ts
 * Queries are random (identity, path) pairs drawn from every identity and every matrix path; the
 * answers are the privilege sets themselves (no per-answer cache: only paths and ids are interned).
 * Times are CPU time of this process (process.cpuUsage), so a busy machine does not distort them;
 * wall-clock figures are in the names. Queries: best of 3 rounds of 1,000,000.
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

const QUERIES = 1_000_000;

/** CPU milliseconds and wall milliseconds of fn. */
function timed<T>(fn: () => T): { value: T; cpuMs: number; wallMs: number } {
  const c = process.cpuUsage();
  const t = performance.now();
  const value = fn();
  const wallMs = performance.now() - t;
  const used = process.cpuUsage(c);
  return { value, cpuMs: (used.user + used.system) / 1000, wallMs };
}

export async function benchPerms(): Promise<BenchResult[]> {
  const gen = generateUserCfg({ seed: 1 });
  const load = timed(() => new PermissionEngine(accessInputFromUserCfg(parseUserCfg(gen.text).value)));
  const engine = load.value;

  const m = timed(() => engine.matrix());
  const cells = m.value.cellCount();

  const ids = engine.identities();
  const paths = engine.matrixPaths();
  let seed = 42;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const qIds = Array.from({ length: QUERIES }, () => ids[Math.floor(rand() * ids.length)]);
  const qPaths = Array.from({ length: QUERIES }, () => paths[Math.floor(rand() * paths.length)]);
  let sink = 0;
  const round = () => {
    for (let i = 0; i < QUERIES; i++) sink += engine.privileges(qIds[i], qPaths[i]).length;
  };
  round(); // warm-up (JIT, path interning)
  const rounds = [timed(round), timed(round), timed(round)];
  const best = rounds.reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a));
  const qps = QUERIES / (best.cpuMs / 1000);
  if (sink < 0) console.log(sink);

  const rssMiB = process.memoryUsage().rss / 1048576;
  const detail = `${ids.length} identities x ${paths.length} paths, ${cells} cells with privileges; parse+compile ${Math.round(load.cpuMs)} ms CPU`;
  return [
    { name: `perms: full matrix, CPU time (${detail}; wall ${Math.round(m.wallMs)} ms)`, value: Math.round(m.cpuMs), unit: 'ms', target: '< 1000 ms', ok: m.cpuMs < 1000 },
    { name: `perms: single queries on random (id, path) after load, per CPU second (wall: ${Math.round(QUERIES / (best.wallMs / 1000))}/s)`, value: Math.round(qps), unit: 'queries/s', target: '> 1000000/s', ok: qps > 1_000_000 },
    { name: 'perms: resident memory after load, matrix and queries', value: Math.round(rssMiB), unit: 'MiB', target: '< 500 MiB', ok: rssMiB < 500 },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchPerms()) console.log(`${r.ok ? 'ok  ' : 'MISS'} ${r.name}: ${r.value} ${r.unit} (target ${r.target})`);
}
