import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseJournaldConf } from './journald.js';

// journald.conf as the systemd packages of Debian 12 (252.39-1~deb12u2) and 13 (257.13-1~deb13u1) ship it
const DEBIAN12 = readFileSync(new URL('./fixtures/debian12-journald.conf', import.meta.url), 'utf8');
const DEBIAN13 = readFileSync(new URL('./fixtures/debian13-journald.conf', import.meta.url), 'utf8');

test("Debian's journald.conf sets nothing: every line is a comment under [Journal]", () => {
  for (const text of [DEBIAN12, DEBIAN13]) {
    assert.match(text, /^#Storage=auto$/m);
    const { value, diagnostics } = parseJournaldConf(text);
    assert.deepEqual(value.assignments, []);
    assert.deepEqual(diagnostics, []);
  }
});

test('[Journal] assignments in order with their lines; other sections and comments ignored', () => {
  const text = DEBIAN12.replace('#Storage=auto', 'Storage = volatile ') + '\n[Other]\nStorage=none\n; Storage=none\n[Journal]\n  # Storage=none\nSystemMaxUse=16M\n';
  const { value } = parseJournaldConf(text, '/etc/systemd/journald.conf');
  const line = text.split('\n').indexOf('Storage = volatile ') + 1;
  assert.ok(line > 1);
  assert.deepEqual(value.assignments, [
    { key: 'Storage', value: 'volatile', line },
    { key: 'SystemMaxUse', value: '16M', line: text.split('\n').indexOf('SystemMaxUse=16M') + 1 },
  ]);
});

test('a backslash continues a value on the next line (comment lines inside skipped); keys are case-sensitive', () => {
  const { value } = parseJournaldConf('[Journal]\nStorage=pers\\\n# between\nistent\nstorage=none\nMaxLevelStore=\\\n  debug\n');
  assert.deepEqual(value.assignments, [
    { key: 'Storage', value: 'pers istent', line: 2 },
    { key: 'storage', value: 'none', line: 5 },
    { key: 'MaxLevelStore', value: 'debug', line: 6 },
  ]);
});

test('lines journald ignores are reported with file and line', () => {
  const { value, diagnostics } = parseJournaldConf('Storage=none\n[Journal]\nStorage persistent\nStorage=auto\n', '/etc/systemd/journald.conf.d/x.conf');
  assert.deepEqual(value, { assignments: [{ key: 'Storage', value: 'auto', line: 4 }] });
  assert.deepEqual(diagnostics.map((d) => `${d.file}:${d.line} ${d.message}`), [
    '/etc/systemd/journald.conf.d/x.conf:1 assignment outside of a section, ignored',
    '/etc/systemd/journald.conf.d/x.conf:3 missing "=", line ignored',
  ]);
});

test('a malformed section header ends the parse there (systemd fails the file at that line)', () => {
  const { value, diagnostics } = parseJournaldConf('[Journal]\nStorage=volatile\n[Journal\nStorage=persistent\n', '/etc/systemd/journald.conf.d/x.conf');
  assert.deepEqual(value, { assignments: [{ key: 'Storage', value: 'volatile', line: 2 }], stoppedAt: 3 });
  assert.deepEqual(diagnostics.map((d) => `${d.line} ${d.severity}`), ['3 error']);
});

test('binary content is refused with the file named', () => {
  assert.throws(() => parseJournaldConf(Buffer.from('[Journal]\nStorage=\0\n'), '/run/systemd/journald.conf.d/a.conf'), /\/run\/systemd\/journald\.conf\.d\/a\.conf:2/);
});
