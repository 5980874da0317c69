import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ParseError } from './diagnostics.js';
import { parseSshQuery, SSH_QUERIES } from './ssh-q.js';

const fixture = (q: string) => readFileSync(new URL(`./fixtures/ssh-q-openssh92/${q}`, import.meta.url), 'utf8');
/** `ssh -Q` of OpenSSH 10.0 (Debian 13), as scripts/gen-sshd-cases.ts recorded it from a real host. */
const v10 = (JSON.parse(readFileSync(new URL('../../test/fixtures/sshd/versions.json', import.meta.url), 'utf8')) as Record<string, { algorithms: Record<string, string[]> }>)['10.0'].algorithms;

test('OpenSSH 9.2 (Debian 12, a test host): every name, in ssh\'s order', () => {
  const kex = parseSshQuery(fixture('kex'), 'ssh -Q kex').value;
  assert.equal(kex.length, 14);
  assert.equal(kex[0], 'diffie-hellman-group1-sha1');
  assert.ok(kex.includes('sntrup761x25519-sha512@openssh.com'));
  assert.ok(!kex.includes('mlkem768x25519-sha256'), '9.2 has no ML-KEM');
  assert.deepEqual(parseSshQuery(fixture('cipher'), 'ssh -Q cipher').value.slice(-1), ['chacha20-poly1305@openssh.com']);
  assert.ok(parseSshQuery(fixture('mac'), 'ssh -Q mac').value.includes('umac-128-etm@openssh.com'));
  const keys = parseSshQuery(fixture('key'), 'ssh -Q key').value;
  assert.ok(keys.includes('ssh-ed25519') && keys.includes('sk-ssh-ed25519@openssh.com') && keys.includes('ssh-dss'));
});

test('OpenSSH 10.0 (Debian 13): ML-KEM, no DSA keys', () => {
  for (const q of SSH_QUERIES) {
    const out = v10[q].join('\n') + '\n';
    assert.deepEqual(parseSshQuery(out, `ssh -Q ${q}`).value, v10[q]);
  }
  assert.ok(parseSshQuery(v10.kex.join('\n'), 'ssh -Q kex').value.includes('mlkem768x25519-sha256'));
  assert.ok(!parseSshQuery(v10.key.join('\n'), 'ssh -Q key').value.includes('ssh-dss'));
});

test('an error message is not an algorithm list', () => {
  assert.throws(() => parseSshQuery('Unsupported query "kex2"\n', 'ssh -Q kex2'), (e: unknown) => e instanceof ParseError && /ssh -Q kex2:1: not an algorithm name/.test(e.message));
  assert.throws(() => parseSshQuery('ssh: illegal option -- Q\nusage: ssh [-46AaCfGgKkMNnqsTtVvXxYy]\n', 'ssh -Q mac'), ParseError);
  assert.throws(() => parseSshQuery('\n', 'ssh -Q cipher'), /no algorithm listed/);
  // CRLF and blank lines are tolerated
  assert.deepEqual(parseSshQuery('aes128-ctr\r\n\r\naes256-ctr\r\n', 'ssh -Q cipher').value, ['aes128-ctr', 'aes256-ctr']);
});
