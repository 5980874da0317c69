/**
 * Reproduces one fuzz input: `node --import tsx test/fuzz/repro.ts parseX INDEX [out-file]`.
 * Regenerates input INDEX of parser parseX exactly as the fuzz test does, optionally writes it to
 * out-file, then calls the parser (same default file argument) and prints the outcome and time.
 * For the helpers (parseIp, ...) and parseFwRule the fuzz test feeds one line of the input: all
 * lines are printed with their index so the failing one can be tried by hand.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fuzzInput, hashString, prng } from './inputs.js';
import { ROOT, seedsFor } from './seeds.js';

const [name, indexArg, outFile] = process.argv.slice(2);
if (!name || indexArg === undefined) {
  console.error('usage: node --import tsx test/fuzz/repro.ts parseX INDEX [out-file]');
  process.exit(2);
}
const index = Number(indexArg);
const seed = (hashString(name) ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
const { seeds, file } = seedsFor(name);
const input = fuzzInput(prng(seed), seeds);
const text = typeof input === 'string' ? input : input.toString('latin1');
console.log(`${name} input #${index} seed=${seed}: ${typeof input === 'string' ? 'string' : 'Buffer'} of ${text.length} chars, ` +
  `${text.split('\n').length} lines, longest ${Math.max(...text.split('\n').map((l) => l.length))}`);
if (outFile) writeFileSync(outFile, input);

const dir = path.join(ROOT, 'src/parse');
for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
  const mod = (await import(path.join(dir, f))) as Record<string, unknown>;
  const fn = mod[name];
  if (typeof fn !== 'function') continue;
  const t0 = Date.now();
  try {
    fn(input, file ?? `/fuzz/${name}`);
    console.log(`returned in ${Date.now() - t0} ms`);
  } catch (e) {
    console.log(`threw after ${Date.now() - t0} ms: ${(e as Error).name}: ${(e as Error).message.slice(0, 300)}`);
  }
  break;
}
