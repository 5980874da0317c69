import assert from 'node:assert/strict';
import type { Status } from '../core/types.js';
import { memorySnapshot, type MemorySnapshotSpec } from '../collect/memory.js';
import { DEFAULT_CONFIG, type PvesecConfig } from '../config/schema.js';
import { groupClusters, runChecks } from '../audit/run.js';
import type { Check } from './types.js';
import type { Finding } from '../core/types.js';

/** One row of a check's table of cases: input snapshot(s), expected status(es) and message fragment. */
export interface CheckCase {
  name: string;
  /** One node, or several nodes of one cluster (they need the same corosync.conf). */
  node?: MemorySnapshotSpec;
  nodes?: MemorySnapshotSpec[];
  config?: Partial<PvesecConfig>;
  now?: Date;
  /** Expected status of every verdict (or the list, in order, when the check returns several). */
  expect: Status | Status[];
  /** A fragment (string or regexp) every message, or the joined messages, must contain. */
  message?: string | RegExp;
}

/** Runs a check on literal snapshots the way `pvesec audit` does, and returns its findings. */
export function runCheck(check: Check, c: Omit<CheckCase, 'name' | 'expect'>): Finding[] {
  const specs = c.nodes ?? [c.node ?? {}];
  const clusters = groupClusters(specs.map((s, i) => memorySnapshot({ target: `node${i}`, ...s })));
  const config = { ...DEFAULT_CONFIG, ...c.config };
  const results = runChecks(clusters, [check], config, c.now ?? new Date('2026-11-25T12:00:00Z'));
  return results.flatMap((r) => [...r.findings, ...r.nodeFindings.flatMap((n) => n.findings)]);
}

/** ESLint-style table runner: asserts each case's statuses and message. */
export function assertCases(check: Check, cases: CheckCase[]): void {
  for (const c of cases) {
    const findings = runCheck(check, c);
    const statuses = findings.map((f) => f.status);
    const expected = Array.isArray(c.expect) ? c.expect : statuses.map(() => c.expect as Status);
    assert.ok(findings.length > 0, `${check.meta.id} / ${c.name}: no finding`);
    // Several verdicts on one node or cluster each say what they are about (Verdict.key), distinctly.
    for (const f of findings) {
      assert.doesNotMatch(f.key ?? '', /(^| )#\d+$/, `${check.meta.id} / ${c.name}: two verdicts share the key "${f.key?.replace(/ ?#\d+$/, '')}": ${findings.map((x) => x.message).join(' | ')}`);
    }
    assert.deepEqual(statuses, expected, `${check.meta.id} / ${c.name}: statuses ${JSON.stringify(statuses)}; messages: ${findings.map((f) => f.message).join(' | ')}`);
    if (c.message !== undefined) {
      const text = findings.map((f) => f.message).join('\n');
      if (typeof c.message === 'string') assert.ok(text.includes(c.message), `${check.meta.id} / ${c.name}: message "${text}" lacks "${c.message}"`);
      else assert.match(text, c.message, `${check.meta.id} / ${c.name}`);
    }
  }
}
