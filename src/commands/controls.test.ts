import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIXTURE_CHECKS } from '../report/testing.js';
import { CONTROLS_SCHEMA_ID, renderControls } from './controls.js';
import { explainControl, normalizeId, suggest } from './explain.js';
import { UsageError } from './options.js';

const metas = FIXTURE_CHECKS.map((c) => c.meta);

test('controls: aligned table of id, severity, scope, title in catalogue order', () => {
  const lines = renderControls('text', metas).split('\n');
  assert.match(lines[0], /^ID\s+SEVERITY\s+SCOPE\s+TITLE$/);
  assert.match(lines[2], /^SSH-02\s+critical\s+node\s+Password authentication is disabled$/);
  assert.equal(lines[1].indexOf('info'), lines[2].indexOf('critical'), 'columns aligned');
  assert.ok(lines.includes('6 controls; pvesec explain ID shows one in full.'));
});

test('controls --format json: schema id and the full metadata', () => {
  const doc = JSON.parse(renderControls('json', metas));
  assert.equal(doc.schema, CONTROLS_SCHEMA_ID);
  assert.deepEqual(doc.controls.map((c: { id: string }) => c.id), ['ACC-05', 'SSH-02', 'SSH-12', 'FW-01', 'KRN-03', 'AUD-04']);
  assert.deepEqual(doc.controls[3].reads, ['/etc/pve/firewall/cluster.fw']);
  assert.throws(() => renderControls('sarif', metas), UsageError);
});

test('explain: title, severity, scope, rationale, what it reads, the fix, references', () => {
  const text = explainControl('ssh-2', metas);
  assert.match(text, /^SSH-02: Password authentication is disabled$/m);
  assert.match(text, /^Severity:\s+critical$/m);
  assert.match(text, /^Scope:\s+node/m);
  assert.match(text, /Passwords can be guessed/);
  assert.match(text, /^Reads:\n {2}- sshd -T$/m);
  assert.match(text, /^Fix:\n {2}Set 'PasswordAuthentication no'/m);
  assert.match(text, /^References:\n {2}- Proxmox VE Administration Guide: https:\/\/pve\.proxmox\.com/m);
  assert.match(explainControl('FW-01', metas), /^Scope:\s+cluster/m);
});

test('explain wraps long paragraphs at 100 columns without losing a word', () => {
  const long = { ...metas[1], rationale: Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ') };
  const text = explainControl('SSH-02', [long]);
  const why = text.slice(text.indexOf('Why:\n') + 5, text.indexOf('\n\nReads:')).split('\n');
  assert.ok(why.length > 1 && why.every((l) => l.length <= 100 && l.startsWith('  ')));
  assert.equal(why.map((l) => l.trim()).join(' '), long.rationale);
});

test('explain: an unknown id is a usage error suggesting the nearest control', () => {
  assert.throws(() => explainControl('SSH-13', metas), (e: unknown) => e instanceof UsageError && /unknown control "SSH-13"; did you mean SSH-12\?/.test(e.message));
  assert.throws(() => explainControl('hello', metas), (e: unknown) => e instanceof UsageError && !/did you mean/.test(e.message));
  assert.equal(normalizeId('ssh02'), 'SSH-02');
  assert.equal(normalizeId(' fw-1 '), 'FW-01');
  assert.equal(suggest('SHH-02', ['SSH-02', 'FW-01']), 'SSH-02');
});
