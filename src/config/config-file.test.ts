// Hostile working directory and mistaken paths (issue 8 §4): which file is used, access_matrix relative
// to it, no content of a wrong file in any message, an unusable access matrix is an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configNotice, ConfigError, loadConfigFile, parseConfig } from './load.js';
import { AccessMatrixError, loadAccessMatrix, parseAccessMatrix } from './access-matrix.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvesec-config-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const write = (rel: string, text: string) => {
  const f = path.join(dir, rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
};

// What /etc/shadow looks like: YAML reads each line as a mapping key.
const SHADOW = 'root:$y$j9T$Q2hhbmdlTWUh$c2VjcmV0aGFzaGRvbm90cHJpbnQxMjM0NTY3ODk:20000:0:99999:7:::\ndaemon:*:20000:0:99999:7:::\n';
const SECRET = /\$y\$|c2VjcmV0|daemon/;

test('access_matrix is resolved relative to the configuration file, not the working directory', () => {
  write('site/matrix.yaml', 'users:\n  alice@pve:\n    grants:\n      - { path: /, roles: [PVEAuditor] }\n');
  const cfg = write('site/pvesec.yaml', 'access_matrix: matrix.yaml\n');
  const loaded = loadConfigFile(cfg);
  assert.equal(loaded.config.access_matrix, path.join(dir, 'site/matrix.yaml'));
  assert.equal(loaded.file, cfg);
  assert.equal(configNotice(loaded), undefined, 'a file given with --config is not repeated');
});

test('./pvesec.yaml picked up from the working directory is named, with how to choose another', () => {
  const cwd = process.cwd();
  const wd = path.join(dir, 'wd');
  fs.mkdirSync(wd, { recursive: true });
  fs.writeFileSync(path.join(wd, 'pvesec.yaml'), 'admin_users: [alice]\n');
  try {
    process.chdir(wd);
    const loaded = loadConfigFile(undefined);
    assert.deepEqual(loaded.config.admin_users, ['alice']);
    assert.equal(configNotice(loaded), `pvesec: using configuration ${path.join(wd, 'pvesec.yaml')} (pvesec.yaml of the working directory; --config FILE to choose another)`);
    process.chdir(dir);
    assert.equal(configNotice(loadConfigFile(undefined)), undefined, 'no file, no line');
  } finally {
    process.chdir(cwd);
  }
});

test('an unreadable or invalid access matrix is a configuration error', () => {
  const missing = write('m1/pvesec.yaml', 'access_matrix: nowhere.yaml\n');
  assert.throws(() => loadConfigFile(missing), (e: unknown) => e instanceof ConfigError && /access_matrix: .*nowhere\.yaml: cannot read: no such file or directory$/.test(e.message));
  write('m2/matrix.yaml', 'users:\n  alice@pve:\n    grants: [{ path: /, roles: [PVEAuditor], propogate: true }]\n');
  const invalid = write('m2/pvesec.yaml', 'access_matrix: matrix.yaml\n');
  assert.throws(() => loadConfigFile(invalid), (e: unknown) => e instanceof ConfigError && /matrix\.yaml:3: users\.alice@pve\.grants\.0: unknown key\(s\) "propogate"/.test(e.message));
});

test('a file that is not an access matrix or a configuration is never quoted in the error', () => {
  const shadow = write('etc/shadow', SHADOW);
  for (const f of [() => loadAccessMatrix(shadow), () => parseAccessMatrix('a: "b"\n  c: [d\n', 'x.yaml')]) {
    assert.throws(f, (e: unknown) => {
      assert.ok(e instanceof AccessMatrixError);
      assert.ok(!SECRET.test(e.message) && !e.message.includes('"b"') && !e.message.includes('[d'), e.message);
      return true;
    });
  }
  assert.throws(() => loadAccessMatrix(shadow), /shadow:1: \(top level\): 2 unknown key\(s\), not shown/);
  assert.throws(() => parseAccessMatrix('root secret line\nanother\n', 'passwd'), /passwd: not an access matrix \(expected a YAML mapping/);
  const cfg = write('m3/pvesec.yaml', `access_matrix: ${shadow}\n`);
  assert.throws(() => loadConfigFile(cfg), (e: unknown) => e instanceof ConfigError && !SECRET.test(e.message) && /access_matrix: .*shadow:1:/.test(e.message));
  assert.throws(() => parseConfig(SHADOW, '/etc/shadow'), (e: unknown) => e instanceof ConfigError && !SECRET.test(e.message));
  assert.throws(() => parseConfig('a: "b"\n  c: [d\n', 'c.yaml'), (e: unknown) => e instanceof ConfigError && /^c\.yaml:\d+: invalid YAML \([a-z ]+\)/.test(e.message) && !e.message.includes('"b"'));
});
