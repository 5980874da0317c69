// Regenerates the sample outputs in README.md and docs/*.md from the real program.
//
//   npm run docs:samples            build, then rewrite every marked block
//   node --import tsx scripts/docs-samples.ts --check    list the blocks that differ (exit 1), change nothing
//
// A sample is a fenced block between two markers; the marker names the command, run from the repository
// root with `pvesec` standing for the CLI (any sh pipeline: head, sed, grep...):
//
//   <!-- sample: pvesec audit examples/fresh-install | head -n 30 -->
//   ```
//   ...generated...
//   ```
//   <!-- /sample -->
//
// `sample: $ pvesec ...` also prints the command line (`$ pvesec ...`) before its output. The fence's info
// string (```json) is kept. Only stdout is shown.
//
// Determinism: the CLI runs with the clock fixed at SAMPLE_NOW (a preloaded module replaces Date), so the
// report header's time and every age (certificates, backups, waiver expiry) are the same on every run;
// colours are off (NO_COLOR, stdout a pipe); nothing a sample runs reads the host (bundles only, never
// `local` or ssh://), and the working directory is the repository root, so paths in the output are the ones
// written in the command.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SAMPLE_NOW = '2026-12-07T12:00:00.000Z';
export const REGENERATE = 'npm run docs:samples';

/** The markdown files that may hold samples. */
export function sampleFiles(root = ROOT): string[] {
  const docs = fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => path.join('docs', f));
  return ['README.md', ...docs];
}

export interface Sample {
  /** 1-based line of the opening marker. */
  line: number;
  command: string;
  /** Print `$ command` before the output. */
  echo: boolean;
  /** The fence's info string (json, text...) or ''. */
  lang: string;
  /** Offsets of the text between the markers (what is replaced). */
  start: number;
  end: number;
  current: string;
}

const OPEN = /<!-- sample: (\$ )?(.+?) -->\n/g;
const CLOSE = '<!-- /sample -->';

/** Every marked block of a markdown text; an unclosed marker is an error naming its line. */
export function findSamples(text: string, file: string): Sample[] {
  const out: Sample[] = [];
  for (const m of text.matchAll(OPEN)) {
    const start = m.index + m[0].length;
    const end = text.indexOf(CLOSE, start);
    const line = text.slice(0, m.index).split('\n').length;
    const nextOpen = text.indexOf('<!-- sample: ', start);
    if (end < 0 || (nextOpen >= 0 && nextOpen < end)) throw new Error(`${file}:${line}: sample marker without its ${CLOSE}`);
    const current = text.slice(start, end);
    const lang = /^```(\S*)\n/.exec(current)?.[1] ?? '';
    out.push({ line, command: m[2], echo: m[1] !== undefined, lang, start, end, current });
  }
  return out;
}

// Loaded before the CLI: `new Date()` and Date.now() answer SAMPLE_NOW; dates built from a value are unchanged.
const clockModule = (now: string) => `data:text/javascript,${encodeURIComponent(`
const FIXED = Date.parse(${JSON.stringify(now)});
const Real = Date;
class FixedDate extends Real {
  constructor(...a) { if (a.length === 0) super(FIXED); else super(...a); }
  static now() { return FIXED; }
}
globalThis.Date = FixedDate;
`)}`;

/** How `pvesec` is run: the built CLI (default) or the TypeScript sources through tsx (always current). */
export type CliMode = 'dist' | 'src';

/** 'dist' when dist/cli.js is newer than every source file (a build of the current code, and quick), else 'src'. */
export function currentCliMode(root = ROOT): CliMode {
  const built = path.join(root, 'dist/cli.js');
  if (!fs.existsSync(built)) return 'src';
  const builtAt = fs.statSync(built).mtimeMs;
  const newer = (dir: string): boolean => fs.readdirSync(dir, { withFileTypes: true }).some((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? newer(p) : e.name.endsWith('.ts') && fs.statSync(p).mtimeMs > builtAt;
  });
  return newer(path.join(root, 'src')) ? 'src' : 'dist';
}

/** Node arguments that run the CLI (before the pvesec arguments). */
export function cliArgs(mode: CliMode = currentCliMode(), root = ROOT): string[] {
  return mode === 'dist' ? [path.join(root, 'dist/cli.js')] : ['--import', 'tsx', path.join(root, 'src/cli.ts')];
}

/** The fenced block a command produces now. */
export function renderSample(s: Pick<Sample, 'command' | 'echo' | 'lang'>, mode: CliMode = 'dist', root = ROOT): string {
  const cli = cliArgs(mode, root);
  if (mode === 'dist' && !fs.existsSync(cli[0])) throw new Error('dist/cli.js is missing: npm run build first');
  const quoted = ['--import', clockModule(SAMPLE_NOW), ...cli].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const script = `pvesec() { '${process.execPath}' ${quoted} "$@"; }\n${s.command}\n`;
  const r = spawnSync('sh', ['-c', script], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', PVESEC_DEBUG: '', TZ: 'UTC', LC_ALL: 'C' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  let output = r.stdout;
  if (output === '') throw new Error(`"${s.command}" printed nothing (stderr: ${r.stderr.trim().split('\n')[0] ?? ''})`);
  if (!output.endsWith('\n')) output += '\n';
  return '```' + s.lang + '\n' + (s.echo ? `$ ${s.command}\n` : '') + output + '```\n';
}

export interface Drift {
  file: string;
  line: number;
  command: string;
  expected: string;
  actual: string;
}

/** Regenerates one file's samples; returns the new text and the blocks that changed. */
export function regenerate(text: string, file: string, mode: CliMode = 'dist', root = ROOT): { text: string; drift: Drift[] } {
  const samples = findSamples(text, file);
  const drift: Drift[] = [];
  let out = '';
  let at = 0;
  for (const s of samples) {
    const fresh = renderSample(s, mode, root);
    if (fresh !== s.current) drift.push({ file, line: s.line, command: s.command, expected: fresh, actual: s.current });
    out += text.slice(at, s.start) + fresh;
    at = s.end;
  }
  return { text: out + text.slice(at), drift };
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  let total = 0;
  const drifted: Drift[] = [];
  for (const file of sampleFiles()) {
    const abs = path.join(ROOT, file);
    const text = fs.readFileSync(abs, 'utf8');
    const { text: updated, drift } = regenerate(text, file);
    total += findSamples(text, file).length;
    drifted.push(...drift);
    if (!check && updated !== text) fs.writeFileSync(abs, updated);
  }
  for (const d of drifted) console.log(`${check ? 'differs' : 'updated'}: ${d.file}:${d.line}: ${d.command}`);
  console.log(`${total} sample(s), ${drifted.length} ${check ? 'differ' : 'regenerated'}`);
  if (check && drifted.length) console.log(`regenerate them with: ${REGENERATE}`);
  return check && drifted.length ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
