/**
 * Audits BASE_BUNDLE once per big-input shape, in process, and renders every report format; prints
 * `start N` / `done N <findings> <rendered chars> <most evidence lines in a finding>` per shape so that big-inputs.test.ts can tell a hang from progress.
 *   node --import tsx test/fuzz/big-inputs-child.ts BYTES [shape index...]
 */
import { readBundle } from '../../src/collect/bundle.js';
import { Snapshot } from '../../src/collect/snapshot.js';
import { sanitizeSnapshot } from '../../src/collect/sanitize.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { groupClusters, runChecks } from '../../src/audit/run.js';
import { ALL_CHECKS } from '../../src/checks/registry.js';
import { buildReport } from '../../src/report/model.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { renderJson } from '../../src/report/json.js';
import { renderSarif } from '../../src/report/sarif.js';
import { renderJunit } from '../../src/report/junit.js';
import { BASE_BUNDLE, BIG_SHAPES, type BigShape } from './big-inputs.js';

/** A copy of the base snapshot with the shape's file (or command output) replaced, as a collection would hold it. */
function withShape(base: Snapshot, shape: BigShape, bytes: number): Snapshot {
  const s = new Snapshot({ kind: 'bundle', target: `big/${shape.name}` });
  s.meta = base.meta;
  for (const f of base.files.values()) s.addFile(f);
  for (const [d, st] of base.dirs) s.addDir(d, st);
  for (const [n, c] of base.commands) s.commands.set(n, c);
  const text = shape.make(bytes);
  if (shape.target.startsWith('commands/')) {
    const name = [...base.commands.keys()].find((n) => n.replace(/[ /]/g, '_') === shape.target.slice('commands/'.length)) ?? shape.target.slice('commands/'.length);
    s.commands.set(name, { name, output: text, exitCode: 0 });
  } else {
    s.addFile({ path: shape.target, content: Buffer.from(text), stat: base.file(shape.target)?.stat });
  }
  return sanitizeSnapshot(s);
}

const [bytesArg, ...which] = process.argv.slice(2);
const bytes = Number(bytesArg);
const base = await readBundle(BASE_BUNDLE);
const now = new Date('2026-11-25T12:00:00Z');
for (const i of which.length ? which.map(Number) : BIG_SHAPES.map((_, i) => i)) {
  const shape = BIG_SHAPES[i];
  console.log(`start ${i}`);
  const snapshot = withShape(base, shape, bytes);
  const clusters = groupClusters([snapshot]);
  const results = runChecks(clusters, ALL_CHECKS, DEFAULT_CONFIG, now);
  const report = buildReport({ version: '0.1.0', generatedAt: now, targets: [{ target: snapshot.origin.target, snapshot }], clusters, results, controls: ALL_CHECKS.map((c) => c.meta) });
  let size = 0;
  for (const render of [(r: typeof report) => renderTerminal(r, { color: false }), renderJson, renderSarif, renderJunit]) size += render(report).length;
  const all = results.flatMap((r) => [...r.findings, ...r.nodeFindings.flatMap((x) => x.findings)]);
  const maxEvidence = all.reduce((n, f) => Math.max(n, f.evidence.length), 0);
  console.log(`done ${i} ${all.length} ${size} ${maxEvidence}`);
}
