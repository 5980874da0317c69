// Node data reaching the terminal outside the audit report (issue 8 §4): node names in `collect`, the
// remote stderr's last line, `perms matrix`/`who` names and parser warnings, `fw` output and diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { memorySnapshot, type MemorySnapshotSpec } from '../collect/memory.js';
import { runLocal } from '../collect/local.js';
import type { Collector } from './audit.js';
import { runCollect } from './collect.js';
import { runFwMatrix, runFwSimulate } from './fw.js';
import { registerPermsCommand } from './perms.js';
import { recordingIO, type RecordingIO } from './testing.js';
import { pveNode } from '../../test/fixtures/netfilter/helpers.js';

/** Clear screen, then a right-to-left override that reverses what follows on the line. */
const HOSTILE = 'pve\x1b[2J\u202eevil';
const ESCAPED = 'pve\\x1b[2J\\u{202e}evil';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvesec-escaping-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

function assertNoRaw(where: string, text: string): void {
  assert.ok(!/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.test(text), `${where}: raw control or bidi character in ${JSON.stringify(text)}`);
}

const allOutput = (io: RecordingIO) => io.stdout + io.stderr.join('\n');

const collectorOf = (specs: Record<string, MemorySnapshotSpec>): Collector => async (targets) =>
  targets.map((target) => (specs[target] ? { target, snapshot: memorySnapshot({ target, ...specs[target] }) } : { target, error: `${target}: remote collection script failed (exit 1): ${HOSTILE}` }));

test('collect: a hostile host name never becomes a node name, and a failed target\'s error is escaped', async () => {
  const io = recordingIO();
  const spec = { files: { '/etc/hostname': `${HOSTILE}\n` } };
  const code = await runCollect(['bundles/x', 'ssh://root@bad'], { outDir: path.join(dir, 'out') }, io, { collect: collectorOf({ 'bundles/x': spec }) });
  assert.equal(code, 2);
  // not a valid node name (pmxcfs would not accept it either): the bundle's label stands in
  assert.ok(io.stdout.includes('node x (bundles/x)'), io.stdout);
  assert.ok(io.stderr.some((l) => l.includes(`failed (exit 1): ${ESCAPED}`)), io.stderr.join('\n'));
  assertNoRaw('collect', allOutput(io));
});

test('the last line of the collection script\'s stderr is escaped in the error message', async () => {
  await assert.rejects(runLocal('', 10_000, ['sh', '-c', `printf 'working\\n${HOSTILE}\\n' >&2; exit 3`]), (e: Error) => {
    assert.equal(e.message, `local: collection script failed (exit 3): ${ESCAPED}`);
    return true;
  });
});

async function perms(args: string[]): Promise<RecordingIO> {
  const program = new Command('pvesec').exitOverride();
  const io = recordingIO();
  registerPermsCommand(program, { io, setExitCode: () => undefined });
  await program.parseAsync(['node', 'pvesec', 'perms', ...args]);
  return io;
}

test('perms matrix (table, csv), who and of: user names, paths and parser warnings are escaped', async () => {
  const cfg = path.join(dir, 'user.cfg');
  fs.writeFileSync(cfg, `user:root@pam:1:0::::::\nuser:${HOSTILE}@pve:1:0::::::\nrole:Ops:VM.Audit,${HOSTILE}:\nacl:1:/vms:${HOSTILE}@pve:Ops:\n`);
  for (const args of [['matrix', '--format', 'table'], ['matrix', '--format', 'csv'], ['who', 'VM.Audit', '/vms/100'], ['of', `${HOSTILE}@pve`]]) {
    const io = await perms([...args, '--user-cfg', cfg]);
    const out = allOutput(io);
    if (args[0] !== 'of') assert.ok(io.stdout.includes(`${ESCAPED}@pve`), `${args.join(' ')}: ${io.stdout}`);
    assert.ok(io.stderr.some((l) => l.includes(`invalid privilege '${ESCAPED}'`)), `${args.join(' ')}: ${io.stderr.join('\n')}`);
    assertNoRaw(`perms ${args.join(' ')}`, out);
  }
});

test('fw matrix and simulate: rule text and cluster.fw diagnostics are escaped', async () => {
  const spec = pveNode({ name: 'pve1', clusterFw: `[OPTIONS]\nenable: 1\n[RULES]\nIN ACCEPT -p tcp -dport 22 # ${HOSTILE}\n${HOSTILE} junk\n` });
  const collect = collectorOf({ 'bundles/x': spec });
  const now = new Date('2026-11-25T12:00:00Z');
  const matrix = recordingIO();
  await runFwMatrix(['bundles/x'], { format: 'text' }, matrix, { collect, now });
  assert.ok(matrix.stderr.some((l) => l.includes('cluster.fw:5: rule ignored by Proxmox') && l.includes('\\u{202e}evil')), matrix.stderr.join('\n'));
  assertNoRaw('fw matrix', allOutput(matrix));
  const sim = recordingIO();
  await runFwSimulate('bundles/x', { from: '192.0.2.7', dst: '10.10.0.11', proto: 'tcp', port: '22' }, sim, { collect, now });
  assert.ok(sim.stdout.includes(ESCAPED), sim.stdout);
  assertNoRaw('fw simulate', allOutput(sim));
});
