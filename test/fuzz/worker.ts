/**
 * Fuzz worker: runs one parser over its deterministic inputs and reports every contract violation.
 * Runs in a worker thread so that a hang (infinite loop, catastrophic regex) can be detected and
 * the thread terminated: before each call it publishes the input index in shared memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ParseError } from '../../src/parse/diagnostics.js';
import { fuzzInput, hashString, prng } from './inputs.js';
import { seedsFor } from './seeds.js';

export interface FuzzTask {
  module: string; // absolute path of the parser module
  name: string; // exported function name
  iterations: number;
  /** Index of the first input (to resume after a hang), -1 = the huge input first. */
  start: number;
}

export interface FuzzFailure {
  index: number; // -1 = the huge input
  seed: number;
  error: string;
  input: string; // short JSON excerpt of the input
}

export interface FuzzReport {
  name: string;
  kind: 'file-parser' | 'helper' | 'rule';
  calls: number;
  failures: FuzzFailure[];
  ms: number;
}

const { progress } = workerData as { progress: Int32Array };

/** Size of the huge input: above the 32 MiB limit every text parser enforces through asText(). */
export const HUGE_BYTES = 33 * 1024 * 1024;

/** Seed of input i of a parser: reproducible from the failure message alone. */
export function inputSeed(name: string, i: number): number {
  return (hashString(name) ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
}

function excerpt(input: unknown): string {
  const s = Buffer.isBuffer(input) ? `Buffer(${input.length}) ${JSON.stringify(input.subarray(0, 120).toString('latin1'))}`
    : typeof input === 'string' ? `${input.length} chars ${JSON.stringify(input.slice(0, 120))}` : JSON.stringify(input);
  return s.length > 300 ? s.slice(0, 300) + '...' : s;
}

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message.slice(0, 300)}${e.stack ? ` @ ${e.stack.split('\n')[1]?.trim() ?? ''}` : ''}`;
  return `non-Error thrown: ${String(e).slice(0, 200)}`;
}

/** Checks a parser's answer: {value, diagnostics} with well-formed, located diagnostics. */
function checkParsed(out: unknown): string | undefined {
  if (typeof out !== 'object' || out === null) return `returned ${typeof out} instead of {value, diagnostics}`;
  const o = out as { value?: unknown; diagnostics?: unknown };
  if (!('value' in o)) return 'result has no "value"';
  if (!Array.isArray(o.diagnostics)) return 'result has no diagnostics array';
  for (const d of o.diagnostics as { file?: unknown; line?: unknown; message?: unknown }[]) {
    if (typeof d?.file !== 'string' || d.file === '') return `diagnostic without file: ${JSON.stringify(d).slice(0, 200)}`;
    if (typeof d.message !== 'string') return `diagnostic without message: ${JSON.stringify(d).slice(0, 200)}`;
    if (d.line !== undefined && !(Number.isInteger(d.line) && (d.line as number) >= 0)) return `diagnostic with bad line ${String(d.line)}`;
  }
  return undefined;
}

/** A ParseError must name the file it was about (and carry it in the message). */
function checkParseError(e: ParseError, file: string | undefined): string | undefined {
  if (!e.file) return `ParseError without file: ${e.message}`;
  if (!e.message.includes(e.file)) return `ParseError message does not name the file: ${e.message}`;
  if (file !== undefined && e.file !== file && !e.file.startsWith('/')) return `ParseError names "${e.file}" instead of "${file}"`;
  if (e.line !== undefined && !(Number.isInteger(e.line) && e.line >= 0)) return `ParseError with bad line ${e.line}`;
  return undefined;
}

type Fn = (...args: unknown[]) => unknown;

async function run(task: FuzzTask): Promise<FuzzReport> {
  const t0 = Date.now();
  const mod = (await import(task.module)) as Record<string, unknown>;
  const fn = mod[task.name] as Fn;
  const { seeds, file: seedFile } = seedsFor(task.name);
  const helper = /^(parseFail2banTime|parseIp|parseIpRange|parseAddressList|parsePropertyString)$/.test(task.name);
  const file = seedFile ?? `/fuzz/${task.name}`;
  const failures: FuzzFailure[] = [];
  let calls = 0;

  // Context some parsers take besides the text: a cluster.fw for host.fw and rule parsing, a
  // resolver that includes the fuzzed text itself (unbounded Include recursion) for sshd/sudoers.
  const pveFw = task.name === 'parseHostFw' || task.name === 'parseFwRule'
    ? (await import(new URL('../../src/parse/pve-fw.ts', import.meta.url).href)) as Record<string, Fn> : undefined;
  const clusterSeed = seedsFor('parseClusterFw').seeds.find((s) => s.includes('[IPSET')) ?? '';
  const cluster = pveFw ? (pveFw.parseClusterFw(clusterSeed) as { value: unknown }).value : undefined;

  // A resolver hands out the fuzzed text itself a bounded number of times: deep include chains
  // (the parser's depth limit must stop them) without exponential fan-out.
  const argsFor = (input: string | Buffer, r: () => number): unknown[] => {
    let budget = 24;
    const self = () => (budget-- > 0 ? input : undefined);
    switch (task.name) {
      case 'parseSshdConfig':
        return [input, file, r() < 0.5 ? undefined : {
          glob: (p: string) => { const c = self(); return c === undefined ? [] : [{ path: `${p.replace(/\*.*$/, '')}fuzz.conf`, content: c }]; },
        }];
      case 'parseSudoers':
        return [input, file, r() < 0.5 ? undefined : {
          read: () => self(),
          list: (d: string) => { const c = self(); return c === undefined ? [] : [{ path: `${d}/fuzz`, content: c }]; },
        }];
      case 'parseSshdTest':
        return [input, [0, 1, 255, undefined][Math.floor(r() * 4)], 'sshd -t'];
      case 'parseHostFw':
        return [input, '/etc/pve/nodes/pve1/host.fw', r() < 0.5 ? cluster : undefined];
      case 'parseIptablesSave':
        return [input, r() < 0.5 ? 'iptables-save' : 'ip6tables-save'];
      case 'parseAptSourceFile':
        return [input, r() < 0.5 ? '/etc/apt/sources.list.d/debian.sources' : '/etc/apt/sources.list'];
      default:
        return [input, file];
    }
  };

  const callOnce = (index: number, seed: number, input: string | Buffer, args: unknown[]) => {
    calls++;
    try {
      const out = fn(...args);
      if (helper) return; // any value is fine, only exceptions matter
      const bad = checkParsed(out);
      if (bad) failures.push({ index, seed, error: bad, input: excerpt(input) });
    } catch (e) {
      if (e instanceof ParseError) {
        const named = task.name === 'parseSshdTest' ? args[2] : args[1];
        const bad = helper ? undefined : checkParseError(e, named as string | undefined);
        if (bad) failures.push({ index, seed, error: bad, input: excerpt(input) });
        return;
      }
      failures.push({ index, seed, error: describe(e), input: excerpt(input) });
    }
  };

  // One huge input per text parser (a real file repeated past the size limit): ParseError or a value, quickly.
  if (task.start <= -1 && !helper && task.name !== 'parseFwRule') {
    Atomics.store(progress, 0, -1);
    const unit = Buffer.from((seeds[0] ?? 'x') + '\n');
    const huge = Buffer.alloc(HUGE_BYTES + 1, unit);
    callOnce(-1, 0, huge, argsFor(huge, prng(1)));
  }

  for (let i = Math.max(task.start, 0); i < task.iterations; i++) {
    Atomics.store(progress, 0, i);
    const seed = inputSeed(task.name, i);
    const r = prng(seed);
    let input: string | Buffer = fuzzInput(r, seeds);
    if (helper || task.name === 'parseFwRule') {
      // Helpers and rule lines take one short string: use a line of the input.
      const text = typeof input === 'string' ? input : input.toString('latin1');
      const lines = text.split('\n');
      input = lines[Math.floor(r() * lines.length)] ?? '';
      if (task.name === 'parseFwRule') {
        calls++;
        try {
          const out = fn(input, { file: '/etc/pve/firewall/cluster.fw', line: 1, context: r() < 0.5 ? 'cluster' : 'host', cluster });
          if (typeof out !== 'object' || out === null) failures.push({ index: i, seed, error: `returned ${typeof out}`, input: excerpt(input) });
        } catch (e) {
          failures.push({ index: i, seed, error: describe(e), input: excerpt(input) });
        }
        continue;
      }
      callOnce(i, seed, input, [input]);
      continue;
    }
    callOnce(i, seed, input, argsFor(input, r));
    if (failures.length >= 20) break; // enough to act on; keeps the report readable
  }
  return { name: task.name, kind: helper ? 'helper' : task.name === 'parseFwRule' ? 'rule' : 'file-parser', calls, failures, ms: Date.now() - t0 };
}

parentPort!.on('message', (task: FuzzTask) => {
  run(task).then(
    (report) => parentPort!.postMessage({ report }),
    (e) => parentPort!.postMessage({ report: { name: task.name, kind: 'file-parser', calls: 0, ms: 0, failures: [{ index: -2, seed: 0, error: `could not run: ${describe(e)}`, input: '' }] } }),
  );
});
