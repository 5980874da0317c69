/**
 * Big-input benchmark (issue 8 §3): `pvesec audit BUNDLE --format json` with the built CLI on a copy
 * of examples/hardened-cluster/pve1 in which one file holds 2 MiB of one shape (test/fuzz/big-inputs.ts),
 * plus the largest real-world files of a 10,000-guest cluster: user.cfg from scripts/gen-user-cfg.ts
 * (5,000 users, 500 groups, 2,000 tokens, 200 pools, 50,000 ACL entries) and a cluster.fw with 5,000
 * rules, 500 aliases and an ipset of 5,000 entries. No test hosts needed.
 *   node --import tsx bench/big-inputs.ts [shape-substring...]   (PVESEC_BIG_BYTES=N: another fill size)
 * The value is the audit process's CPU time (user + system, from its own resourceUsage()): a busy
 * machine does not distort it. Wall-clock time is in the name. Target: < 2 s per bundle.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateUserCfg } from '../scripts/gen-user-cfg.js';
import { CLI, ensureCliBuilt } from '../test/harness/hosts.js';
import { BIG_SHAPES, writeBigBundle, type BigShape } from '../test/fuzz/big-inputs.js';
import type { BenchResult } from './perms.js';

/** PVESEC_BIG_BYTES=1048576 fills each shape to 1 MiB instead: with the 2 MiB run, it shows whether a path is linear. */
const BYTES = Number(process.env.PVESEC_BIG_BYTES) || 2 * 1024 * 1024;
const TARGET_MS = 2000;

/** Preloaded into the CLI: writes its CPU milliseconds and peak RSS (KiB) to $PVESEC_BENCH_USAGE on exit. */
const USAGE_PROBE = 'data:text/javascript,' + encodeURIComponent(
  "import { writeFileSync } from 'node:fs';" +
  "process.on('exit', () => { const f = process.env.PVESEC_BENCH_USAGE; const u = process.resourceUsage();" +
  ' if (f) writeFileSync(f, JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, rssKiB: u.maxRSS })); });',
);

/** The real-world sizes: whole files, not a size-filled shape. */
const REAL_WORLD: BigShape[] = [
  { name: '10k-guest cluster user.cfg (gen-user-cfg)', target: '/etc/pve/user.cfg', make: () => generateUserCfg({ seed: 1 }).text },
  {
    name: 'cluster.fw with 5,000 rules',
    target: '/etc/pve/firewall/cluster.fw',
    make: () => {
      const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      const aliases = Array.from({ length: 500 }, (_, i) => `host${i} ${ip(i)} # alias ${i}\n`).join('');
      const ipset = Array.from({ length: 5000 }, (_, i) => `${ip(100_000 + i)} # vm ${i}\n`).join('');
      const rules = Array.from({ length: 5000 }, (_, i) =>
        `IN ${i % 3 ? 'ACCEPT' : 'DROP'} -source ${i % 2 ? `host${i % 500}` : '+guests'} -p ${i % 4 ? 'tcp' : 'udp'} -dport ${1024 + i} -log nolog # rule ${i}\n`).join('');
      return `[OPTIONS]\nenable: 1\npolicy_in: DROP\n\n[ALIASES]\n${aliases}\n[IPSET management]\n10.20.30.0/24\n\n[IPSET guests]\n${ipset}\n[RULES]\n${rules}`;
    },
  },
];

function auditOnce(dir: string, tmp: string): { wallMs: number; cpuMs: number; rssMiB: number; outBytes: number } {
  const usage = join(tmp, 'usage.json');
  rmSync(usage, { force: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', USAGE_PROBE, CLI, 'audit', dir, '--format', 'json'], {
    env: { ...process.env, PVESEC_BENCH_USAGE: usage }, maxBuffer: 1 << 30, timeout: 600_000,
  });
  const wallMs = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) throw new Error(`audit ${dir}: exit ${r.status ?? r.signal}: ${String(r.stderr).trim().slice(0, 300)}`);
  const u = JSON.parse(readFileSync(usage, 'utf8')) as { cpuMs: number; rssKiB: number };
  return { wallMs, cpuMs: u.cpuMs, rssMiB: u.rssKiB / 1024, outBytes: r.stdout.length };
}

export async function benchBigInputs(filters: string[] = []): Promise<BenchResult[]> {
  await ensureCliBuilt();
  const tmp = mkdtempSync(join(tmpdir(), 'pvesec-bench-big-'));
  const rows: BenchResult[] = [];
  try {
    const cases = [
      ...BIG_SHAPES.map((s) => ({ shape: s, label: `${(BYTES / 1048576).toFixed(BYTES % 1048576 ? 2 : 0)} MiB ${s.name}` })),
      ...REAL_WORLD.map((s) => ({ shape: s, label: s.name })),
    ].filter((c) => filters.length === 0 || filters.some((f) => c.label.includes(f)));
    for (const { shape, label } of cases) {
      const dir = writeBigBundle(join(tmp, 'bundle'), shape, BYTES);
      const size = readFileSync(join(dir, shape.target.startsWith('commands/') ? shape.target : shape.target.slice(1))).length;
      const m = auditOnce(dir, tmp);
      rows.push({
        name: `big-inputs: ${label} (${(size / 1048576).toFixed(2)} MiB; wall ${Math.round(m.wallMs)} ms, peak RSS ${Math.round(m.rssMiB)} MiB, JSON ${(m.outBytes / 1048576).toFixed(1)} MiB), audit CPU time`,
        value: Math.round(m.cpuMs), unit: 'ms', target: `< ${TARGET_MS} ms`, ok: m.cpuMs < TARGET_MS,
      });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchBigInputs(process.argv.slice(2))) console.log(`${r.ok ? 'ok  ' : 'MISS'} ${r.name}: ${r.value} ${r.unit} (target ${r.target})`);
}
