import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { currentCliMode, findSamples, regenerate, REGENERATE, ROOT, sampleFiles } from '../../scripts/docs-samples.js';

// Every sample output in README.md and docs/*.md is what the program prints now (run from the sources,
// clock fixed). A change of output makes this fail until the samples are regenerated.
test('every marked sample in the docs is what the program prints now', () => {
  const files = sampleFiles();
  const mode = currentCliMode();
  let count = 0;
  const drift: string[] = [];
  for (const file of files) {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    count += findSamples(text, file).length;
    for (const d of regenerate(text, file, mode).drift) {
      const first = firstDifference(d.actual, d.expected);
      drift.push(`${d.file}:${d.line}: \`${d.command}\` differs from the program's output (${first})`);
    }
  }
  assert.ok(count >= 4, `expected the README and docs samples to be marked, found ${count}`);
  assert.deepEqual(drift, [], `samples are stale: run \`${REGENERATE}\` and commit the result`);
});

test('the README sample is the fresh-install audit, header and summary included', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const samples = findSamples(readme, 'README.md');
  const audit = samples.find((s) => s.command.startsWith('pvesec audit examples/fresh-install'));
  assert.ok(audit, 'README: the audit sample is marked');
  assert.match(audit.current, /^```\npvesec \d+\.\d+\.\d+ audit of 1 node at /);
  assert.match(audit.current, /= SUMMARY =\n\nTOTAL: +\d+\n[\s\S]*SCORE: +\d+\/100\n```\n$/);
  // The first screen keeps the two commands to try it.
  const firstScreen = readme.split('\n').slice(0, 25).join('\n');
  assert.match(firstScreen, /npm ci && npx pvesec audit examples\/fresh-install\nnpm test\n/);
});

test('markers: an unclosed sample is an error naming its line; the fence language is kept', () => {
  assert.throws(() => findSamples('a\n<!-- sample: pvesec controls -->\n```\nx\n```\n', 'x.md'), /^Error: x\.md:2: sample marker without its <!-- \/sample -->/);
  const [s] = findSamples('<!-- sample: $ pvesec explain SSH-02 | head -n 1 -->\n```text\nold\n```\n<!-- /sample -->\n', 'x.md');
  assert.equal(s.lang, 'text');
  assert.equal(s.echo, true);
  const { text, drift } = regenerate('<!-- sample: $ pvesec explain SSH-02 | head -n 1 -->\n```text\nold\n```\n<!-- /sample -->\n', 'x.md', currentCliMode());
  assert.equal(drift.length, 1);
  assert.match(text, /^<!-- sample: \$ pvesec explain SSH-02 \| head -n 1 -->\n```text\n\$ pvesec explain SSH-02 \| head -n 1\nSSH-02: [^\n]+\n```\n<!-- \/sample -->\n$/);
});

function firstDifference(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return `line ${i} of the block: docs have ${JSON.stringify(x[i] ?? '')}, the program prints ${JSON.stringify(y[i] ?? '')}`;
  }
  return 'same lines';
}
