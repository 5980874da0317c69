/**
 * Regression inputs of issue 8 §3 (inputs that hung the audit): every shape of big-inputs.ts, at
 * BIG_INPUT_BYTES, audited in process with every report format. Not a timed test: the child prints
 * its progress and only an input that makes no progress for STALL_MS (a hang: the quadratic evidence
 * lookup took minutes on 300 KB) fails. Speed is measured by `npm run bench -- big-inputs`.
 * BIG_INPUT_BYTES=n changes the size (default 512 KiB).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BIG_SHAPES } from './big-inputs.js';
import { MAX_FINDINGS_PER_CHECK } from '../../src/audit/run.js';
import { ALL_CHECKS } from '../../src/checks/registry.js';
import { MAX_EVIDENCE_PER_FINDING } from '../../src/checks/types.js';

const BYTES = Number(process.env.BIG_INPUT_BYTES ?? 512 * 1024);
const STALL_MS = 120_000;
const CHILD = fileURLToPath(new URL('./big-inputs-child.ts', import.meta.url));

interface Outcome {
  findings?: number;
  renderedChars?: number;
  maxEvidence?: number;
  error?: string;
}

/** Runs the child once over every shape; resolves one outcome per shape. */
function auditAll(): Promise<Outcome[]> {
  return new Promise((resolve) => {
    const outcomes: Outcome[] = BIG_SHAPES.map(() => ({}));
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, String(BYTES)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let current = -1;
    let buf = '';
    let stderr = '';
    let timer: NodeJS.Timeout;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (current >= 0) outcomes[current].error = `hang: no result after ${STALL_MS / 1000} s (later shapes not run)`;
        child.kill('SIGKILL');
      }, STALL_MS);
    };
    arm();
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const [what, i, findings, chars, evidence] = buf.slice(0, nl).split(' ');
        buf = buf.slice(nl + 1);
        if (what === 'start') current = Number(i);
        if (what === 'done') outcomes[Number(i)] = { findings: Number(findings), renderedChars: Number(chars), maxEvidence: Number(evidence) };
        arm();
      }
    });
    child.stderr.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0 && current >= 0 && outcomes[current].findings === undefined) outcomes[current].error ??= `audit failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
      resolve(outcomes);
    });
  });
}

describe(`big inputs (${BYTES} bytes of each shape) audit without hanging`, () => {
  const all = auditAll();
  BIG_SHAPES.forEach((shape, i) => {
    test(shape.name, async () => {
      const o = (await all)[i];
      assert.equal(o.error, undefined, `${shape.name} (${shape.target}): ${o.error}`);
      assert.ok(o.findings !== undefined, `${shape.name}: not audited (an earlier shape hung)`);
      // One finding per bad line made a 2 MB file a 500 MB report: each control lists a bounded number.
      assert.ok(o.findings! <= ALL_CHECKS.length * MAX_FINDINGS_PER_CHECK, `${shape.name}: ${o.findings} findings`);
      // and each finding a bounded number of evidence lines (one per AllowUsers line made one finding 7 MB)
      assert.ok(o.maxEvidence! <= MAX_EVIDENCE_PER_FINDING, `${shape.name}: a finding with ${o.maxEvidence} evidence lines`);
    });
  });
});
