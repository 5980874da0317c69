import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { VERSION } from './version.js';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
function run(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { encoding: 'utf8', env: { ...process.env, PVESEC_DEBUG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('version.ts equals package.json', () => {
  const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  assert.equal(VERSION, pkg.version);
});

test('--version prints the version and exits 0', () => {
  const r = run('--version');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `${VERSION}\n`);
});

test('usage errors: exit 2 with one line on stderr', () => {
  for (const args of [['audti'], ['audit'], ['audit', 'x', '--bogus'], ['audit', 'x', '--format', 'xml'], ['audit', 'x', '--only', 'OOPS'], ['explain', 'NOPE-99'], ['collect', 'x'], ['controls', '--format', 'sarif']]) {
    const r = run(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '', args.join(' '));
    assert.match(r.stderr, /^pvesec: [^\n]+\n$/, `${args.join(' ')}: ${JSON.stringify(r.stderr)}`);
  }
  assert.match(run('audti').stderr, /unknown command 'audti' \(Did you mean audit\?\)/);
});

test('a bad configuration file: exit 2, its problems on stderr, no stack trace', () => {
  const dir = fs.mkdtempSync('/tmp/pvesec-cli-');
  fs.writeFileSync(`${dir}/pvesec.yaml`, 'expected_ports:\n  - port: 99999\n');
  const r = run('audit', 'local', '--config', `${dir}/pvesec.yaml`);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^pvesec: .*pvesec\.yaml:2: expected_ports\.0\.port: /);
  assert.ok(!/\n\s+at /.test(r.stderr));
});

test('controls --format json lists the catalogue; explain shows one control', () => {
  const r = run('controls', '--format', 'json');
  assert.equal(r.code, 0);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.schema, 'pvesec.controls/v1');
  const first = doc.controls[0];
  if (first) {
    const e = run('explain', first.id.toLowerCase());
    assert.equal(e.code, 0);
    assert.ok(e.stdout.startsWith(`${first.id}: ${first.title}\n`));
  }
});

test('stderr lines quoting the input are escaped: no raw terminal sequence or bidi override', () => {
  const r = run('audit', '/nonexistent/pve\x1b[2J\u202eevil');
  assert.equal(r.code, 2);
  assert.ok(r.stderr.includes('pve\\x1b[2J\\u{202e}evil'), r.stderr);
  assert.ok(!r.stderr.includes('\x1b') && !r.stderr.includes('\u202e'), JSON.stringify(r.stderr));
});
