// What the reports of the bundled examples promise downstream (issue 12): a key per finding, a text per
// evidence item, no score without an audited target, and a partial backup said to be one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAudit } from '../src/commands/audit.js';
import type { CommandIO } from '../src/commands/io.js';
import { SYSCTL_BASELINE } from '../src/checks/krn/krn-01.js';
import type { JsonReport } from '../src/report/json.js';

const NOW = new Date('2026-11-25T12:00:00Z');

async function audit(targets: string[], format: 'json' | 'text', extra: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  let out = '';
  const io: CommandIO = { out: async (t) => void (out += t), err: () => {}, stdoutIsTTY: false, env: {} };
  const code = await runAudit(targets, { format, ...extra }, io, { now: NOW });
  return { code, out };
}
const auditJson = async (targets: string[], extra: Record<string, string> = {}) => JSON.parse((await audit(targets, 'json', extra)).out) as JsonReport;

const EXAMPLES: [string[], Record<string, string>][] = [
  [['examples/fresh-install'], {}],
  [['examples/hardened-cluster'], { config: 'examples/hardened-cluster/pvesec.yaml' }],
];

test('examples: every finding has a key, unique per control and node or cluster; KRN-01 keyed by sysctl', async () => {
  for (const [targets, extra] of EXAMPLES) {
    const doc = await auditJson(targets, extra);
    const seen = new Map<string, string>();
    for (const f of doc.findings) {
      assert.equal(typeof f.key, 'string', `${f.id}: key`);
      const id = `${f.id} ${f.node ?? f.cluster} ${f.key}`;
      assert.ok(!seen.has(id), `${targets}: "${id}" twice: ${seen.get(id)} | ${f.message}`);
      seen.set(id, f.message);
    }
    const krn = doc.findings.filter((f) => f.id === 'KRN-01' && f.node === doc.findings.find((x) => x.id === 'KRN-01')!.node);
    assert.deepEqual(krn.map((f) => f.key), SYSCTL_BASELINE.map(([k]) => k));
  }
});

test('examples: every evidence item has a text (PVE-01, FW-10, FW-11, TLS-04 had none)', async () => {
  for (const [targets, extra] of EXAMPLES) {
    const doc = await auditJson(targets, extra);
    for (const f of doc.findings) {
      for (const e of f.evidence) assert.ok(typeof e.text === 'string' && e.text !== '', `${targets} ${f.id} ${f.node ?? f.cluster}: ${JSON.stringify(e)}`);
    }
  }
});

test('a run that audited nothing has no score: text says so, JSON score null', async () => {
  const text = await audit(['examples/no-such-bundle'], 'text');
  assert.equal(text.code, 2);
  assert.match(text.out, /^SCORE: +none: nothing audited$/m);
  assert.doesNotMatch(text.out, /\/100/);
  const doc = await auditJson(['examples/no-such-bundle']);
  assert.equal(doc.summary.score, null);
  assert.deepEqual(doc.clusters, []);
  // one audited target is enough for a score
  assert.equal(typeof (await auditJson(['examples/fresh-install', 'examples/no-such-bundle'])).summary.score, 'number');
});

test('a backup holding only sshd_config says once, at the top of its node, how much it holds and what is missing', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pvesec-partial-'));
  try {
    const bundle = path.join(dir, 'pve-config');
    mkdirSync(path.join(bundle, 'etc/ssh'), { recursive: true });
    cpSync('examples/fresh-install/etc/ssh/sshd_config', path.join(bundle, 'etc/ssh/sshd_config'));
    const { out } = await audit([bundle], 'text');
    const lines = out.split('\n');
    const heading = lines.findIndex((l) => l.startsWith('== NODE pve-config'));
    assert.match(lines[heading + 2], /^PARTIAL: 1 of (\d+) sources present: a partial backup; the controls reading the other (\d+) SKIP$/);
    const [, expected, missing] = /of (\d+) sources.*other (\d+) SKIP/.exec(lines[heading + 2])!;
    assert.equal(Number(missing), Number(expected) - 1);
    assert.match(lines[heading + 3], /^ {4}missing: \/etc\/ssh\/sshd_config\.d, \/etc\/passwd,/);
    assert.equal(out.match(/PARTIAL:/g)!.length, 1, 'said once');
    assert.equal(out.match(/\/etc\/passwd,/g)!.length, 1, 'the missing sources listed once');
    assert.ok(heading + 3 < lines.findIndex((l) => l.startsWith('= SSH DAEMON =')), 'before the findings');

    const doc = await auditJson([bundle]);
    const partial = (doc.targets[0] as { partial?: { present: number; expected: number; missing: string[] } }).partial!;
    assert.equal(partial.present, 1);
    assert.equal(partial.expected, Number(expected));
    assert.equal(partial.missing.length, partial.expected - 1);
    for (const s of ['/etc/passwd', '/etc/pve/user.cfg', 'sshd -T', 'iptables-save']) assert.ok(partial.missing.includes(s), s);
    assert.ok(!partial.missing.includes('/etc/ssh/sshd_config'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // a bundle pvesec collected is complete by construction: an absent file does not exist on the node
  const fresh = await auditJson(['examples/fresh-install']);
  assert.equal((fresh.targets[0] as { partial?: unknown }).partial, undefined);
  assert.doesNotMatch((await audit(['examples/fresh-install'], 'text')).out, /PARTIAL:/);
});
