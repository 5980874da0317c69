import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memorySnapshot } from '../collect/memory.js';
import { DEFAULT_CONFIG } from '../config/schema.js';
import { groupClusters, runChecks } from '../audit/run.js';
import { ALL_CHECKS } from '../checks/registry.js';
import { buildReport } from './model.js';
import { renderTerminal } from './terminal.js';
import { clean } from './text.js';

/** A node name an attacker chose: clear screen, then a right-to-left override that reverses what follows. */
const HOSTILE = 'pve\x1b[2J\u202eevil';

test('clean escapes C0/C1 controls, ESC sequences and invisible bidi/format characters, nothing else', () => {
  assert.equal(clean('a\nb\rc\td\x00e\x9b'), 'a b c d\\x00e\\x9b');
  assert.equal(clean(HOSTILE), 'pve\\x1b[2J\\u{202e}evil');
  for (const ch of ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c',
    '\u200b', '\u200d', '\u2060', '\u2028', '\u2029', '\u00ad', '\ufeff', '\u{e0041}', '\x7f', '\x85']) {
    const out = clean(`x${ch}y`);
    assert.match(out, /^x\\(x[0-9a-f]{2}|u\{[0-9a-f]+\})y$/, JSON.stringify(ch));
  }
  const ordinary = 'pve1 Ünïcödé 日本語 émoji 😀 ä-ö_ü.#:/@! ~';
  assert.equal(clean(ordinary), ordinary);
  assert.equal(clean(clean(HOSTILE)), clean(HOSTILE), 'idempotent');
});

test('audit text report: a hostile node name and user name reach the terminal escaped', () => {
  const snapshot = memorySnapshot({
    target: `bundles/${HOSTILE}`,
    files: {
      '/etc/hostname': `${HOSTILE}\n`,
      '/etc/pve/user.cfg': `user:root@pam:1:0::::::\nuser:ad${HOSTILE}@pve:1:0::::::\nacl:1:/:ad${HOSTILE}@pve:Administrator:\n`,
    },
    dirs: { '/etc/pve': {} },
  });
  const clusters = groupClusters([snapshot]);
  const now = new Date('2026-11-25T12:00:00Z');
  const results = runChecks(clusters, ALL_CHECKS, DEFAULT_CONFIG, now);
  const report = buildReport({ version: '0.1.0', generatedAt: now, targets: [{ target: snapshot.origin.target, snapshot }], clusters, results, controls: ALL_CHECKS.map((c) => c.meta) });
  const text = renderTerminal(report, { color: false });
  assert.ok(text.includes('pve\\x1b[2J\\u{202e}evil'), 'the node name is shown, escaped');
  assert.ok(text.includes('adpve\\x1b[2J\\u{202e}evil@pve'), 'the user name is shown, escaped');
  assert.ok(!text.includes('\x1b') && !text.includes('\u202e'), 'no raw ESC or bidi override');
});
