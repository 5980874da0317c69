/**
 * Fuzzes every `parse*` function exported by src/parse/ (whatever exists when the test runs) with
 * deterministic inputs: random bytes and text, truncations and mutations of real files (examples and
 * parser fixtures), deep nesting, very long lines and one input above the 32 MiB limit.
 * A parser must return {value, diagnostics} or throw a ParseError naming the file; anything else
 * (TypeError, RangeError, a hang) fails with the parser name, input index and seed.
 *
 * FUZZ_ITERATIONS=n changes the number of inputs per parser (default 2000);
 * FUZZ_ONLY=parseX restricts the run to matching parsers.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ROOT } from './seeds.js';
import { hashString } from './inputs.js';
import type { FuzzReport, FuzzTask } from './worker.js';

/** Same derivation as the worker's (kept here to avoid loading the worker module in the main thread). */
function inputSeed(name: string, i: number): number {
  return (hashString(name) ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
}

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 2000);
const ONLY = process.env.FUZZ_ONLY;
/** No progress for this long on one input = a suspected hang (or a pathological slowdown: the same bug for a CLI). */
const STALL_MS = 5_000 * loadFactor();
/**
 * A suspected hang is confirmed by running that input alone with this limit; also the limit of the
 * > 32 MiB input, which a parser with a larger size limit may legitimately read (auth log: 64 MiB).
 */
const CONFIRM_STALL_MS = 20_000 * loadFactor();

/**
 * How much slower than an idle machine this one runs now (1-4): under CI the fuzzing shares two cores with
 * the end-to-end files, and a parser that is merely starved of CPU must not be reported as hung.
 */
function loadFactor(): number {
  const perCpu = os.loadavg()[0] / Math.max(1, os.availableParallelism());
  return Math.min(4, Math.max(1, Math.round(perCpu * 10) / 10));
}

const TSX_API = import.meta.resolve('tsx/esm/api');
const PARSE_DIR = path.join(ROOT, 'src/parse');
const modules = readdirSync(PARSE_DIR)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'diagnostics.ts')
  .sort()
  .map((f) => path.join(PARSE_DIR, f));

const targets: { module: string; name: string }[] = [];
const seen = new Set<unknown>(); // a function re-exported by another module is fuzzed once
const broken: { module: string; error: string }[] = [];
for (const m of modules) {
  let exports: Record<string, unknown>;
  try {
    exports = (await import(m)) as Record<string, unknown>;
  } catch (e) {
    broken.push({ module: m, error: (e as Error).message.split('\n')[0] });
    continue;
  }
  for (const [name, v] of Object.entries(exports)) {
    if (typeof v !== 'function' || !/^parse[A-Z0-9]/.test(name) || seen.has(v)) continue;
    seen.add(v);
    if (!ONLY || name === ONLY) targets.push({ module: m, name });
  }
}

/** Worker threads running the parsers, so that a hang can be detected and stopped. */
class Pool {
  private queue: { task: FuzzTask; resolve: (r: FuzzReport) => void }[] = [];
  private workers: Worker[] = [];

  constructor(private size: number) {}

  run(task: FuzzTask): Promise<FuzzReport> {
    return new Promise((resolve) => {
      this.queue.push({ task, resolve });
      this.pump();
    });
  }

  private pump(): void {
    while (this.workers.length < this.size && this.queue.length) {
      const job = this.queue.shift()!;
      this.start(job.task).then((r) => {
        job.resolve(r);
        this.pump();
      });
    }
  }

  /**
   * Runs one task in a fresh worker. When an input makes no progress for STALL_MS, it is run again
   * alone with a longer limit (a loaded machine must not produce a false hang); a confirmed hang is
   * reported and ends the fuzzing of that parser, otherwise the rest of the inputs resume.
   */
  private async start(task: FuzzTask, confirming = false): Promise<FuzzReport> {
    const progress = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(progress, 0, task.start);
    const url = new URL('./worker.ts', import.meta.url).href;
    // Workers do not inherit the tsx loader of the test process: register it before loading the worker.
    const w = new Worker(`import(${JSON.stringify(TSX_API)}).then(({ register }) => { register(); return import(${JSON.stringify(url)}); })`, {
      eval: true,
      workerData: { progress },
    });
    this.workers.push(w);
    const t0 = Date.now();
    const limit = (i: number) => (i === -1 || confirming ? CONFIRM_STALL_MS : STALL_MS);
    try {
      return await new Promise<FuzzReport>((resolve) => {
        let last = Atomics.load(progress, 0);
        let lastChange = Date.now();
        const timer = setInterval(() => {
          const now = Atomics.load(progress, 0);
          if (now !== last) {
            last = now;
            lastChange = Date.now();
            return;
          }
          if (Date.now() - lastChange < limit(now)) return;
          clearInterval(timer);
          void w.terminate();
          const hang = {
            index: now, seed: now >= 0 ? inputSeed(task.name, now) : 0,
            error: `hang: no result after ${limit(now) / 1000}s${confirming || now === -1 ? '' : ` (and ${CONFIRM_STALL_MS / 1000}s when run alone)`}; later inputs not run`,
            input: `reproduce: node --import tsx test/fuzz/repro.ts ${task.name} ${now}`,
          };
          if (confirming || now === -1) {
            resolve({ name: task.name, kind: 'file-parser', calls: now + 1, ms: Date.now() - t0, failures: [hang] });
            return;
          }
          void this.start({ ...task, start: now, iterations: now + 1 }, true).then(async (solo) => {
            if (solo.failures.some((f) => f.error.startsWith('hang'))) {
              resolve({ name: task.name, kind: 'file-parser', calls: now + 1, ms: Date.now() - t0, failures: [hang] });
              return;
            }
            const rest = now + 1 < task.iterations ? await this.start({ ...task, start: now + 1 }) : { ...solo, failures: [] };
            resolve({ ...rest, calls: rest.calls + now + 1, ms: Date.now() - t0, failures: [...solo.failures, ...rest.failures] });
          });
        }, 250);
        w.once('message', (m: { report: FuzzReport }) => {
          clearInterval(timer);
          resolve(m.report);
        });
        w.once('error', (e) => {
          clearInterval(timer);
          resolve({ name: task.name, kind: 'file-parser', calls: 0, ms: Date.now() - t0, failures: [{ index: Atomics.load(progress, 0), seed: 0, error: `worker died: ${e.message}`, input: '' }] });
        });
        w.postMessage(task);
      });
    } finally {
      this.workers = this.workers.filter((x) => x !== w);
      void w.terminate();
    }
  }
}

const pool = new Pool(Math.max(1, Math.min(2, os.availableParallelism())));
// Everything is submitted up front so the workers stay busy while the tests await in order.
const reports = new Map(targets.map((t) => [t.name + '@' + t.module, pool.run({ ...t, iterations: ITERATIONS, start: -1 })]));

describe('parser fuzzing', () => {
  test('finds the parsers in src/parse', () => {
    assert.ok(targets.length > 0, 'no parse* export found in src/parse');
  });

  for (const b of broken) {
    test(`${path.basename(b.module)} can be loaded`, () => assert.fail(`${b.module}: ${b.error}`));
  }

  for (const t of targets) {
    const label = `${t.name} (${path.basename(t.module)})`;
    test(`${label} survives ${ITERATIONS} fuzz inputs`, async () => {
      const r = await reports.get(t.name + '@' + t.module)!;
      const lines = r.failures.map((f) =>
        `  input #${f.index}${f.index === -1 ? ' (huge input, > 32 MiB)' : ''} seed=${f.seed}: ${f.error}\n    input: ${f.input}`);
      assert.equal(r.failures.length, 0,
        `${label}: ${r.failures.length} failing input(s) of ${r.calls} (reproduce: FUZZ_ONLY=${t.name} npm test -- test/fuzz)\n${lines.join('\n')}`);
      assert.ok(r.calls >= Math.min(ITERATIONS, 1), `${label}: only ${r.calls} inputs ran`);
    });
  }

  after(() => undefined);
});
