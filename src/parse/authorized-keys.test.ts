import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAuthorizedKeys } from './authorized-keys.js';
import { ParseError } from './diagnostics.js';

const key = (name: string) => readFileSync(new URL(`./fixtures/keys/${name}.pub`, import.meta.url), 'utf8').trim();

// Keys made with ssh-keygen (OpenSSH 9.2); bits and fingerprints as `ssh-keygen -lf` prints them.
test('key types, sizes decoded from the wire blob, and fingerprints', () => {
  const text = ['rsa_1024', 'rsa_2048', 'rsa_3072', 'ed25519', 'ecdsa_384', 'dsa_1024', 'sk-ed25519'].map(key).join('\n') + '\n';
  const { value, diagnostics } = parseAuthorizedKeys(text);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(value.map((k) => `${k.family} ${k.bits} ${k.fingerprint} ${k.comment}`), [
    'rsa 1024 SHA256:Av1h0G6o4IN8lgVSeYo2wCw+kluE9BQtaYiZuoDWzv0 rsa-1024@ws',
    'rsa 2048 SHA256:yOfKFlxOEKaSPXJ12VncivhN8lbp4SduZUyCgoaGv9c rsa-2048@ws',
    'rsa 3072 SHA256:Rt7Vu/GZjus73gxjd6UV7Z4oyA7s3sbRZ0IxRgoQxnE rsa-3072@ws',
    'ed25519 256 SHA256:Lr+5aSL4SiD5TLx2LFgFXp1WZOis/qGIB82FCrV2R3k ed25519@ws',
    'ecdsa 384 SHA256:wW3WkKUbywCWcXfbDT6WO0eH6Vt5d2ntZANpMtz5MEU ecdsa-384@ws',
    'dsa 1024 SHA256:tHxqHs7Tp75mKLc6wEWwpQPxAlYpcqnSShdiTRjguVw dsa-1024@ws',
    'sk-ed25519 256 SHA256:nX0hpi5mKbTIJ10yBq5/sLQhiI1Y0RBAqN0drDdgJWs yubikey-5@alice',
  ]);
});

test('options before the key type, quoted values with spaces and commas, comments and blank lines', () => {
  const text = [
    '# keys for pve cluster',
    '',
    `from="10.0.0.0/8,192.168.1.5",command="echo \\"hi, there\\"",no-pty,no-agent-forwarding ${key('ed25519')}`,
    `restrict ${key('rsa_3072')}`,
  ].join('\n');
  const { value, diagnostics } = parseAuthorizedKeys(text);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(value[0].options, ['from="10.0.0.0/8,192.168.1.5"', 'command="echo \\"hi, there\\""', 'no-pty', 'no-agent-forwarding']);
  assert.equal(value[0].line, 3);
  assert.equal(value[0].family, 'ed25519');
  assert.deepEqual(value[1].options, ['restrict']);
  assert.equal(value[1].bits, 3072);
});

test('invalid lines are skipped with located diagnostics', () => {
  const ed = key('ed25519').split(' ');
  const text = [
    'ssh-rsa AAAAB3NzaC1yc2EAAAADAQAB',                   // truncated blob
    `ssh-rsa ${ed[1]} mismatch`,                          // blob says ssh-ed25519
    'ssh-foo AAAA comment',                               // unknown type
    'from="10.0.0.1 ssh-ed25519 AAAA',                    // unterminated quote
    `ssh-ed25519 not*base64`,
    key('ed25519'),
  ].join('\n');
  const { value, diagnostics } = parseAuthorizedKeys(text, '/home/alice/.ssh/authorized_keys');
  assert.equal(value.length, 1);
  assert.equal(value[0].line, 6);
  assert.deepEqual(diagnostics.map((d) => d.line), [1, 2, 3, 4, 5]);
  assert.ok(diagnostics.every((d) => d.file === '/home/alice/.ssh/authorized_keys'));
});

test('fuzz: only ParseError escapes', () => {
  const base = ['rsa_2048', 'ed25519', 'ecdsa_384', 'sk-ed25519'].map(key).join('\n');
  let seed = 9;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 1500; i++) {
    let s = base;
    for (let k = 0; k < 8; k++) {
      const p = Math.floor(rnd() * s.length);
      s = s.slice(0, p) + 'A/+= "\n,x'[Math.floor(rnd() * 10)] + s.slice(p + 1);
    }
    try {
      parseAuthorizedKeys(s);
    } catch (e) {
      assert.ok(e instanceof ParseError, String(e));
    }
  }
});
