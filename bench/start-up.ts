/**
 * Start-up cost of the built CLI (issues 8 and 9): a few offline commands run N times each, in turns
 * when several builds are compared, with wall time, CPU time (user + system) and peak RSS of each run
 * from /usr/bin/time, and for the commands with a target the time from the exec to the first system call
 * that touches the target ("to target": start-up until the first useful work), from strace (run
 * separately, as tracing slows the process). No test hosts; nothing is written into the repository.
 *
 *   node --import tsx bench/start-up.ts [--runs N] [CLI.js ...]   (default: dist/cli.js)
 *   STARTUP_ONLY=audit node --import tsx bench/start-up.ts ...    (only the commands whose name contains it)
 *
 * Compare two builds by giving both (e.g. a copy of main's dist/ beside its package.json and node_modules).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLE = path.join(ROOT, 'examples/fresh-install');

const ONLY = process.env.STARTUP_ONLY;
const SCENARIOS_ALL: { name: string; args: string[] }[] = [
  { name: '--version', args: ['--version'] },
  { name: '--help', args: ['--help'] },
  { name: 'controls', args: ['controls', '--format', 'json'] },
  { name: 'audit fresh-install', args: ['audit', BUNDLE, '--format', 'json'] },
  { name: "audit --control 'SSH-*'", args: ['audit', BUNDLE, '--format', 'json', '--control', 'SSH-*'] },
  { name: 'plan fresh-install', args: ['plan', BUNDLE, '--format', 'json'] },
  // the controls of the harden benchmark's plan (bench/README.md)
  { name: 'plan --control (harden bench)', args: ['plan', BUNDLE, '--format', 'json', '--control', 'ACC-*,SSH-*,BF-*,UPD-*,BAK-*'] },
];
const SCENARIOS = SCENARIOS_ALL.filter((s) => !ONLY || s.name.includes(ONLY));

interface Sample { wall: number; cpu: number; rss: number }

/** Milliseconds from the exec to the first file system call naming the bundle (the first useful work). */
function toTarget(cli: string, args: string[], cwd: string): number | undefined {
  if (!args.includes(BUNDLE)) return undefined;
  const trace = path.join(cwd, 'strace');
  const r = spawnSync('strace', ['-f', '--seccomp-bpf', '-ttt', '-e', 'trace=execve,openat,statx,newfstatat,stat,lstat,access', '-o', trace, process.execPath, cli, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) return undefined; // no strace
  const lines = readFileSync(trace, 'utf8').split('\n');
  const time = (l: string | undefined) => (l ? Number(l.split(' ').find((w) => /^\d+\.\d+$/.test(w))) : NaN);
  const start = time(lines.find((l) => l.includes('execve(')));
  const first = time(lines.find((l) => !l.includes('execve(') && l.includes(`"${BUNDLE}`)));
  return Number.isFinite(start) && Number.isFinite(first) ? (first - start) * 1000 : undefined;
}

function runOnce(cli: string, args: string[], cwd: string): Sample {
  const timing = path.join(cwd, 'time');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timing, process.execPath, cli, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cli} ${args.join(' ')}: exit ${r.status}: ${r.stderr.trim().split('\n').pop()}`);
  const [wall, user, sys, rss] = readFileSync(timing, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { wall: wall * 1000, cpu: (user + sys) * 1000, rss: rss / 1024 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function main(argv: string[]): void {
  let runs = 10;
  const clis: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Number(argv[++i]);
    else clis.push(path.resolve(argv[i]));
  }
  if (clis.length === 0) clis.push(path.join(ROOT, 'dist/cli.js'));
  const cwd = mkdtempSync(path.join(tmpdir(), 'pvesec-start-up-')); // no pvesec.yaml here
  try {
    const load = loadavg()[0];
    console.log(`${runs} runs each, in turns; load average ${load.toFixed(1)} at the start`);
    console.log('| command | CLI | wall median (min-max) | CPU median (min-max) | peak RSS | to target, median (min-max) |');
    console.log('|---|---|---|---|---|---|');
    for (const s of SCENARIOS) {
      const samples = clis.map(() => [] as Sample[]);
      for (const cli of clis) runOnce(cli, s.args, cwd); // warm the page cache
      for (let i = 0; i < runs; i++) clis.forEach((cli, k) => samples[k].push(runOnce(cli, s.args, cwd)));
      const reach = clis.map(() => [] as number[]);
      for (let i = 0; i < runs; i++) {
        clis.forEach((cli, k) => {
          const ms = toTarget(cli, s.args, cwd);
          if (ms !== undefined) reach[k].push(ms);
        });
      }
      clis.forEach((cli, k) => {
        const w = samples[k].map((x) => x.wall);
        const c = samples[k].map((x) => x.cpu);
        const range = (xs: number[]) => `${Math.round(median(xs))} ms (${Math.round(Math.min(...xs))}-${Math.round(Math.max(...xs))})`;
        const rss = Math.round(median(samples[k].map((x) => x.rss)));
        console.log(`| ${s.name} | ${path.relative(process.cwd(), cli)} | ${range(w)} | ${range(c)} | ${rss} MiB | ${reach[k].length ? range(reach[k]) : '-'} |`);
      });
    }
    console.log(`load average ${loadavg()[0].toFixed(1)} at the end`);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

main(process.argv.slice(2));
