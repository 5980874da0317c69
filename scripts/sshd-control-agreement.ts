/**
 * Agreement per SSH control between what pvesec decides from the configuration files alone and what
 * it decides with real sshd's answers (`sshd -t`, `sshd -T` as a live collection gathers them), over the
 * recorded trees of test/fixtures/sshd/cases.jsonl.gz, for OpenSSH 9.2 and 10.0. Prints a Markdown table
 * (docs/sshd.md).
 *
 *   node --import tsx scripts/sshd-control-agreement.ts
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { runCheck } from '../src/checks/testing.js';
import { checks } from '../src/checks/ssh/index.js';
import type { RecordedCase } from '../src/engines/sshd/differential.js';

const cases: RecordedCase[] = gunzipSync(readFileSync(new URL('../test/fixtures/sshd/cases.jsonl.gz', import.meta.url)))
  .toString('utf8').trim().split('\n').map((l) => JSON.parse(l));

const dpkg = (version: string): string =>
  `Package: openssh-server\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}\n\n`;

const rows: string[] = [];
for (const version of ['9.2', '10.0'] as const) {
  const tally = new Map<string, { agree: number; total: number; passOnRefused: number }>();
  const misses: string[] = [];
  for (const c of cases) {
    const a = c.answers[version];
    const files: Record<string, string> = { '/var/lib/dpkg/status': dpkg(a.package) };
    for (const [p, t] of Object.entries(c.files)) files[`/etc/ssh/${p}`] = t;
    const clean = (out: string): string => out.replace(/\r/g, '');
    const dumpOnly = (out: string): string => clean(out).split('\n').slice(clean(out).split('\n').findIndex((l) => /^port \d+$/.test(l))).join('\n');
    const live = { files, commands: { 'sshd -t': { output: clean(a.test.out), exitCode: a.test.rc }, ...(a.dump && a.dump.rc === 0 ? { 'sshd -T': { output: dumpOnly(a.dump.out), exitCode: 0 } } : { 'sshd -T': { output: '', exitCode: 255 } }) } };
    const filesOnly = { files };
    for (const check of checks) {
      const truth = runCheck(check, { node: live }).map((f) => f.status).join(',');
      const model = runCheck(check, { node: filesOnly }).map((f) => f.status).join(',');
      const t = tally.get(check.meta.id) ?? { agree: 0, total: 0, passOnRefused: 0 };
      t.total++;
      if (truth === model) t.agree++;
      else if (misses.length < 4000) misses.push(`${version} ${c.id} ${check.meta.id}: with sshd ${truth}, files only ${model}`);
      if (a.test.rc !== 0 && model.includes('PASS')) t.passOnRefused++;
      tally.set(check.meta.id, t);
    }
  }
  for (const [id, t] of tally) rows.push(`| ${id} | ${version} | ${t.agree}/${t.total} | ${t.passOnRefused} |`);
  console.error(misses.join('\n'));
}
console.log('| control | version | same status from the files alone | PASS on a refused tree |\n|---|---|---|---|');
console.log(rows.join('\n'));
