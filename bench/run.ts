/**
 * Performance benchmark of the built CLI against real test hosts (npm run bench).
 *   npm run bench                 all benchmarks
 *   npm run bench -- one-node     only benchmarks whose name contains one of the arguments
 *   npm run bench -- --strict     exit 1 when a measurement misses its target
 * Brings up its own test hosts (b60..b69, client b89 = 10.77.0.60-69, .89; fw-apply: b71, b72), tears
 * them down at the end, writes nothing into the repository. Needs root and the test-host rootfs (scripts/setup.sh).
 * To add a benchmark, append a Benchmark to BENCHMARKS.
 */
import { readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  claimBlock, CLI, downAll, ensureCliBuilt, keys, knownHostsFile, run, runInClient, tempDir, testHostsAvailable, upClient, upHost,
  type Host, type RunResult,
} from '../test/harness/hosts.js';
import { benchBigInputs } from './big-inputs.js';
import { benchFirewall } from './firewall.js';
import { benchFwGate } from './fw-gate.js';
import { benchFwApply } from './fw-apply.js';
import { benchHarden } from './harden.js';
import { benchPerms, type BenchResult } from './perms.js';

interface BenchContext {
  client: Host;
  nodes: Host[];
  knownHosts: string;
  tmp: string;
}

interface Measurement {
  name: string;
  value: number;
  unit: 'ms' | 'MiB';
  /** Upper bound the measurement must stay under. */
  target?: number;
  detail?: string;
}

interface Benchmark {
  name: string;
  run(ctx: BenchContext): Promise<Measurement[]>;
}

const NODE_COUNT = 10;

/** Preloaded into the CLI process: writes its peak RSS (KiB) to $PVESEC_BENCH_RSS on exit. */
const RSS_PROBE = 'data:text/javascript,' + encodeURIComponent(
  "import { writeFileSync } from 'node:fs';" +
  "process.on('exit', () => { const f = process.env.PVESEC_BENCH_RSS;" +
  ' if (f) writeFileSync(f, String(process.resourceUsage().maxRSS)); });',
);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

interface AuditSample {
  result: RunResult;
  maxRssKiB: number;
}

/** One `pvesec audit` of the given nodes from the client namespace, end to end (process start to exit). */
async function audit(ctx: BenchContext, nodes: Host[]): Promise<AuditSample> {
  const rssFile = join(ctx.tmp, `rss-${process.hrtime.bigint()}`);
  const argv = [
    'env', `PVESEC_BENCH_RSS=${rssFile}`, process.execPath, '--import', RSS_PROBE, CLI, 'audit',
    ...nodes.map((n) => `ssh://root@${n.ip}`),
    '--identity', keys.root, '--known-hosts', ctx.knownHosts, '--timeout', '20', '--format', 'json', '--no-color',
  ];
  const result = await runInClient(ctx.client, argv, { timeoutMs: 120_000 });
  if (result.code !== 0 && result.code !== 1) {
    throw new Error(`audit of ${nodes.length} node(s) failed: exit ${result.code}: ${result.stderr.trim().slice(0, 500)}`);
  }
  const report = JSON.parse(result.stdout) as { targets: { status: string; error?: string }[] };
  const failed = report.targets.filter((t) => t.status !== 'ok');
  if (failed.length > 0) throw new Error(`targets failed: ${failed.map((t) => t.error).join('; ')}`);
  let maxRssKiB = 0;
  try {
    maxRssKiB = Number(readFileSync(rssFile, 'utf8'));
  } catch {
    /* process ended without running exit handlers */
  }
  return { result, maxRssKiB };
}

const BENCHMARKS: Benchmark[] = [
  {
    name: 'cli-start',
    async run() {
      const times: number[] = [];
      for (let i = 0; i < 10; i++) {
        const r = await run([process.execPath, CLI, '--version'], { timeoutMs: 10_000 });
        if (r.code !== 0) throw new Error(`pvesec --version: exit ${r.code}: ${r.stderr.trim()}`);
        times.push(r.durationMs);
      }
      return [{ name: 'pvesec --version (median of 10)', value: median(times), unit: 'ms', target: 300 }];
    },
  },
  {
    name: 'one-node',
    async run(ctx) {
      await audit(ctx, [ctx.nodes[0]]); // warm-up: page cache, sshd's first connection
      const samples: AuditSample[] = [];
      for (let i = 0; i < 5; i++) samples.push(await audit(ctx, [ctx.nodes[0]]));
      const times = samples.map((s) => s.result.durationMs);
      return [
        {
          name: 'audit 1 node over SSH (median of 5)', value: median(times), unit: 'ms', target: 1000,
          detail: `min ${Math.round(Math.min(...times))} max ${Math.round(Math.max(...times))}`,
        },
        { name: 'peak RSS, 1 node', value: Math.max(...samples.map((s) => s.maxRssKiB)) / 1024, unit: 'MiB' },
      ];
    },
  },
  {
    name: 'ten-nodes',
    async run(ctx) {
      await audit(ctx, ctx.nodes);
      const samples: AuditSample[] = [];
      for (let i = 0; i < 3; i++) samples.push(await audit(ctx, ctx.nodes));
      const times = samples.map((s) => s.result.durationMs);
      return [
        {
          name: `audit ${ctx.nodes.length} nodes in one run (median of 3)`, value: median(times), unit: 'ms', target: 3000,
          detail: `min ${Math.round(Math.min(...times))} max ${Math.round(Math.max(...times))}`,
        },
        { name: `peak RSS, ${ctx.nodes.length} nodes`, value: Math.max(...samples.map((s) => s.maxRssKiB)) / 1024, unit: 'MiB' },
      ];
    },
  },
  {
    name: 'harden',
    run: (ctx) => benchHarden(ctx.client, ctx.tmp),
  },
];

/**
 * Benchmarks that bring up test hosts of their own (outside the bench block b60-b70, b89), so that
 * selecting them alone does not start the ten audit hosts: fw-apply (b71 node, b72 bastion).
 */
const OWN_HOST_BENCHMARKS: { name: string; run(tmp: string): Promise<Measurement[]> }[] = [
  { name: 'fw-apply', run: (tmp) => benchFwApply(tmp) },
];

/** In-process engine benchmarks: no test hosts needed. */
const ENGINE_BENCHMARKS: { name: string; run(): Promise<BenchResult[]> }[] = [
  { name: 'firewall', run: benchFirewall },
  { name: 'fw-gate', run: () => benchFwGate() },
  { name: 'perms', run: benchPerms },
  { name: 'big-inputs', run: () => benchBigInputs() },
];

async function runEngineBenchmarks(filters: string[]): Promise<{ rows: BenchResult[]; errors: number }> {
  const rows: BenchResult[] = [];
  let errors = 0;
  for (const b of ENGINE_BENCHMARKS.filter((b) => filters.length === 0 || filters.some((f) => b.name.includes(f)))) {
    console.error(`bench: ${b.name} ...`);
    try {
      rows.push(...(await b.run()));
    } catch (e) {
      errors++;
      console.error(`bench: ${b.name} failed: ${(e as Error).message}`);
    }
  }
  for (const r of rows) console.log(`${r.ok ? 'ok  ' : 'OVER'}  ${r.name}: ${r.value} ${r.unit} (target ${r.target})`);
  return { rows, errors };
}

function printTable(rows: Measurement[]): void {
  const fmt = (m: Measurement) => (m.unit === 'ms' ? `${Math.round(m.value)} ms` : `${m.value.toFixed(1)} MiB`);
  const cols = rows.map((m) => [
    m.name,
    fmt(m),
    m.target === undefined ? '-' : `<= ${m.target} ${m.unit}`,
    m.target === undefined ? '' : m.value <= m.target ? 'ok' : 'OVER',
    m.detail ?? '',
  ]);
  const head = ['measurement', 'value', 'target', '', 'detail'];
  const widths = head.map((h, i) => Math.max(h.length, ...cols.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cols) console.log(line(c));
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const strict = args.includes('--strict');
  const filters = args.filter((a) => !a.startsWith('--'));
  const selected = BENCHMARKS.filter((b) => filters.length === 0 || filters.some((f) => b.name.includes(f)));
  const ownHosts = OWN_HOST_BENCHMARKS.filter((b) => filters.length === 0 || filters.some((f) => b.name.includes(f)));
  const engines = await runEngineBenchmarks(filters);
  const engineMissed = engines.rows.filter((r) => !r.ok).length;
  if (selected.length === 0 && ownHosts.length === 0) {
    if (engines.rows.length || engines.errors) return engines.errors || (strict && engineMissed) ? 1 : 0;
    console.error(`no benchmark matches ${filters.join(' ')}; known: ${[...ENGINE_BENCHMARKS, ...BENCHMARKS, ...OWN_HOST_BENCHMARKS].map((b) => b.name).join(' ')}`);
    return 2;
  }
  const unavailable = testHostsAvailable();
  if (unavailable) {
    console.error(`bench: ${unavailable}`);
    return 2;
  }
  await ensureCliBuilt();
  const tmp = tempDir('pvesec-bench-');
  const cleanup = async () => {
    await downAll().catch((e) => console.error(`bench: teardown: ${(e as Error).message}`));
    rmSync(tmp, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => void cleanup().finally(() => process.exit(130)));
  }
  const rows: Measurement[] = [];
  let errors = 0;
  try {
    if (selected.length > 0) {
      await claimBlock('bench');
      const t0 = performance.now();
      const nodes = await Promise.all(Array.from({ length: NODE_COUNT }, (_, i) => upHost(`b${60 + i}`, 60 + i)));
      const client = await upClient('b89', 89);
      const ctx: BenchContext = { client, nodes, knownHosts: await knownHostsFile(nodes, tmp), tmp };
      console.error(`bench: ${nodes.length} test hosts up in ${Math.round(performance.now() - t0)} ms`);
      for (const b of selected) {
        console.error(`bench: ${b.name} ...`);
        try {
          rows.push(...(await b.run(ctx)));
        } catch (e) {
          errors++;
          console.error(`bench: ${b.name} failed: ${(e as Error).message}`);
        }
      }
    }
    for (const b of ownHosts) {
      console.error(`bench: ${b.name} ...`);
      try {
        rows.push(...(await b.run(tmp)));
      } catch (e) {
        errors++;
        console.error(`bench: ${b.name} failed: ${(e as Error).message}`);
      }
    }
  } finally {
    await cleanup();
  }
  printTable(rows);
  // Timings are only comparable on an otherwise idle machine: say how busy it was.
  const load = loadavg()[0];
  const cpus = availableParallelism();
  console.log(`load average ${load.toFixed(1)} on ${cpus} CPUs, node ${process.version}` +
    (load > cpus ? ' — machine busy: timings overstated' : ''));
  const over = rows.filter((m) => m.target !== undefined && m.value > m.target);
  if (errors + engines.errors > 0) return 1;
  return strict && over.length + engineMissed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`bench: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
