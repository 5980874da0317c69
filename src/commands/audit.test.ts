import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ALL_CHECKS } from '../checks/registry.js';
import type { JsonReport } from '../report/json.js';
import { runAudit } from './audit.js';
import { UsageError } from './options.js';
import { FIXTURE_CHECKS } from '../report/testing.js';
import { fixtureCollector, recordingIO } from './testing.js';

const now = new Date('2026-11-25T12:00:00Z');
const deps = { collect: fixtureCollector, checks: FIXTURE_CHECKS, now };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pvesec-audit-'));
const noConfig = path.join(tmp, 'none.yaml');
fs.writeFileSync(noConfig, '# defaults\n');

test('all targets collected: full report on stdout, exit code from the findings', async () => {
  const io = recordingIO();
  const code = await runAudit(['ssh://root@pve1', 'examples/lab1'], { config: noConfig, format: 'json', failOn: 'none' }, io, deps);
  assert.equal(code, 0);
  const doc = JSON.parse(io.stdout) as JsonReport;
  assert.deepEqual(doc.targets.map((t) => [t.target, t.status, t.node]), [['ssh://root@pve1', 'ok', 'pve1'], ['examples/lab1', 'ok', 'lab1']]);
  assert.equal(doc.findings.length, 2 * FIXTURE_CHECKS.length);
  assert.equal(doc.summary.FAIL, 0);
  assert.deepEqual(io.stderr, []);
  // pve2 fails SSH-02 (critical): exit 1 at the default threshold, 0 with --fail-on none.
  assert.equal(await runAudit(['ssh://root@pve2'], { config: noConfig, format: 'json' }, recordingIO(), deps), 1);
  assert.equal(await runAudit(['ssh://root@pve2'], { config: noConfig, format: 'json', failOn: 'none' }, recordingIO(), deps), 0);
});

test('the real catalogue runs on the same nodes and every finding belongs to a control', async () => {
  const io = recordingIO();
  await runAudit(['ssh://root@pve1', 'ssh://root@pve2', 'examples/lab1'], { config: noConfig, format: 'json' }, io, { collect: fixtureCollector, now });
  const doc = JSON.parse(io.stdout) as JsonReport;
  const ids = new Set(ALL_CHECKS.map((c) => c.meta.id));
  assert.ok(doc.findings.every((f) => ids.has(f.id)));
  assert.ok(doc.findings.length >= ALL_CHECKS.length);
});

test('a failed target: exit 2, one stderr line naming the host, the others still report in full', async () => {
  const io = recordingIO();
  const code = await runAudit(['ssh://root@pve1', 'ssh://root@pve9'], { config: noConfig, format: 'json' }, io, deps);
  assert.equal(code, 2);
  assert.deepEqual(io.stderr, ['pvesec: ssh://root@pve9: connect ECONNREFUSED 10.0.0.9:22']);
  const doc = JSON.parse(io.stdout) as JsonReport;
  assert.equal(doc.targets[1].status, 'error');
  assert.equal(doc.findings.filter((f) => f.node === 'pve1').length, FIXTURE_CHECKS.filter((c) => c.meta.scope === 'node').length);
});

test('the text report lists failed targets (stderr too unless it is read on a terminal); no colour off a TTY', async () => {
  const io = recordingIO();
  assert.equal(await runAudit(['ssh://root@pve9', 'examples/lab1'], { config: noConfig }, io, deps), 2);
  assert.deepEqual(io.stderr, ['pvesec: ssh://root@pve9: connect ECONNREFUSED 10.0.0.9:22']);
  assert.match(io.stdout, /^ERROR: ssh:\/\/root@pve9: connect ECONNREFUSED/m);
  assert.ok(!io.stdout.includes('\x1b['));
  const onTerminal = recordingIO({ tty: true });
  assert.equal(await runAudit(['ssh://root@pve9', 'examples/lab1'], { config: noConfig }, onTerminal, deps), 2);
  assert.deepEqual(onTerminal.stderr, [], 'no duplicate of the ERROR line on the terminal');
  assert.match(onTerminal.stdout, /ERROR: .*ssh:\/\/root@pve9/);
  const tty = recordingIO({ tty: true });
  await runAudit(['examples/lab1'], { config: noConfig }, tty, deps);
  assert.ok(tty.stdout.includes('\x1b['), 'colour on a TTY');
  for (const [opts, env] of [[{ color: false }, {}], [{}, { NO_COLOR: '1' }]] as const) {
    const off = recordingIO({ tty: true, env });
    await runAudit(['examples/lab1'], { config: noConfig, ...opts }, off, deps);
    assert.ok(!off.stdout.includes('\x1b['), `no colour with ${JSON.stringify(opts)} ${JSON.stringify(env)}`);
  }
});

test('--control restricts the controls evaluated; --only the findings shown', async () => {
  const sel = recordingIO();
  await runAudit(['ssh://root@pve1', 'ssh://root@pve2'], { config: noConfig, format: 'json', control: 'ssh-*,FW-01' }, sel, deps);
  const selected = JSON.parse(sel.stdout) as JsonReport;
  assert.deepEqual(selected.findings.map((f) => `${f.id} ${f.node ?? f.cluster}`), ['FW-01 prod', 'SSH-02 pve1', 'SSH-12 pve1', 'SSH-02 pve2', 'SSH-12 pve2']);
  const io = recordingIO();
  await runAudit(['ssh://root@pve1', 'ssh://root@pve2'], { config: noConfig, format: 'json', only: 'SKIP' }, io, deps);
  const doc = JSON.parse(io.stdout) as JsonReport;
  assert.ok(doc.findings.every((f) => f.status === 'SKIP'));
  assert.equal(doc.summary.total, doc.findings.length);
});

test('usage errors are raised before anything is collected', async () => {
  let collected = false;
  const spy = { collect: async () => ((collected = true), []), checks: FIXTURE_CHECKS, now };
  for (const opts of [{ format: 'xml' }, { only: 'BAD' }, { failOn: 'urgent' }, { control: 'NOPE-*' }, { concurrency: '0' }, { timeout: 'x' }]) {
    await assert.rejects(runAudit(['examples/lab1'], { config: noConfig, ...opts }, recordingIO(), spy), UsageError, JSON.stringify(opts));
  }
  assert.equal(collected, false);
});

test('a bad pvesec.yaml: exit 2 with one line per problem, nothing collected', async () => {
  const bad = path.join(tmp, 'bad.yaml');
  fs.writeFileSync(bad, 'admin_sources: [10.0.0.0/33]\nfoo: 1\n');
  const io = recordingIO();
  assert.equal(await runAudit(['examples/lab1'], { config: bad }, io, { collect: async () => assert.fail('collected'), checks: FIXTURE_CHECKS, now }), 2);
  assert.ok(io.stderr.length >= 2, io.stderr.join('\n'));
  assert.ok(io.stderr.every((l) => l.startsWith(`pvesec: ${bad}`)));
  assert.ok(io.stderr.some((l) => /unknown key\(s\) "foo"/.test(l)));
});

test('waivers from the configuration file apply', async () => {
  const cfg = path.join(tmp, 'waive.yaml');
  fs.writeFileSync(cfg, 'waivers:\n  - id: SSH-*\n    reason: migration in progress\n    expires: 2027-01-31\n');
  const io = recordingIO();
  await runAudit(['ssh://root@pve2'], { config: cfg, format: 'json' }, io, deps);
  const doc = JSON.parse(io.stdout) as JsonReport;
  const ssh = doc.findings.filter((f) => f.id.startsWith('SSH-'));
  assert.deepEqual(ssh.map((f) => [f.id, f.status, f.waiver?.reason]), [['SSH-02', 'NOTICE', 'migration in progress'], ['SSH-12', 'NOTICE', 'migration in progress']]);
  assert.match(ssh[0].message, /^waived FAIL until 2027-01-31 \(migration in progress\): PasswordAuthentication yes$/);
});

test('--output writes the report to a file, nothing on stdout', async () => {
  const out = path.join(tmp, 'report.sarif');
  const io = recordingIO();
  await runAudit(['examples/lab1'], { config: noConfig, format: 'sarif', output: out }, io, deps);
  assert.equal(io.stdout, '');
  assert.equal(JSON.parse(fs.readFileSync(out, 'utf8')).version, '2.1.0');
  const io2 = recordingIO();
  assert.equal(await runAudit(['examples/lab1'], { config: noConfig, output: path.join(tmp, 'missing-dir', 'r.txt') }, io2, deps), 2);
  assert.match(io2.stderr[0], /^pvesec: cannot write .*r\.txt: no such file or directory$/);
});
