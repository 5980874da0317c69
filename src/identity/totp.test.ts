import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { checkTotpCode, newTotpSecret, normalizeTotpSecret, parseTotpUri, totpCode, totpUri } from './totp.js';

// RFC 6238 appendix B, SHA1, key "12345678901234567890"; the 6-digit code is the last 6 of the 8-digit one.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_VECTORS: [number, string][] = [
  [59, '94287082'], [1111111109, '07081804'], [1111111111, '14050471'],
  [1234567890, '89005924'], [2000000000, '69279037'], [20000000000, '65353130'],
];

test('RFC 6238 test vectors (SHA1)', () => {
  for (const [t, code8] of RFC_VECTORS) {
    const at = new Date(t * 1000);
    assert.equal(totpCode(RFC_SECRET, at), code8.slice(2), `T=${t}`);
    assert.equal(checkTotpCode(RFC_SECRET, code8.slice(2), at), 0, `T=${t}`);
  }
});

test('codes one step early or late are accepted, two steps away refused', () => {
  const at = new Date(1_800_000_015_000);
  const code = (dt: number) => totpCode(RFC_SECRET, new Date(at.getTime() + dt * 1000));
  assert.equal(checkTotpCode(RFC_SECRET, code(-30), at), -1);
  assert.equal(checkTotpCode(RFC_SECRET, code(30), at), 1);
  assert.equal(checkTotpCode(RFC_SECRET, code(-60), at), undefined);
  assert.equal(checkTotpCode(RFC_SECRET, code(60), at), undefined);
  assert.equal(checkTotpCode(RFC_SECRET, 'abcdef', at), undefined);
  assert.equal(checkTotpCode(RFC_SECRET, code(0).slice(1), at), undefined);
});

const noOathtool = spawnSync('oathtool', ['--version']).status === 0 ? false : 'needs oathtool (scripts/setup.sh installs it)';

test("agrees with Debian's oathtool on random secrets and times", { skip: noOathtool }, () => {
  for (let i = 0; i < 25; i++) {
    const secret = i % 2 ? newTotpSecret() : normalizeTotpSecret(base32(randomBytes(10)));
    const epoch = 1_000_000_000 + randomBytes(4).readUInt32BE() % 1_500_000_000;
    const r = spawnSync('oathtool', ['--totp', '-b', secret, '-N', `@${epoch}`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(totpCode(secret, new Date(epoch * 1000)), r.stdout.trim(), `secret #${i} at ${epoch}`);
    assert.equal(checkTotpCode(secret, r.stdout.trim(), new Date((epoch + 30) * 1000)), -1);
  }
});

function base32(b: Buffer): string {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const x of b) bits += x.toString(2).padStart(8, '0');
  return bits.match(/.{1,5}/g)!.map((c) => A[parseInt(c.padEnd(5, '0'), 2)]).join('');
}

test('a new secret is 160 bits of base32; the URI carries only what Proxmox reads and parses back', () => {
  const s = newTotpSecret();
  assert.match(s, /^[A-Z2-7]{32}$/);
  assert.notEqual(newTotpSecret(), s);
  const uri = totpUri(s, 'alice@pve');
  assert.match(uri, /^otpauth:\/\/totp\/Proxmox%20VE:alice%40pve\?/);
  const params = [...new URL(uri).searchParams.keys()].sort();
  assert.deepEqual(params, ['algorithm', 'digits', 'issuer', 'period', 'secret']);
  assert.deepEqual(parseTotpUri(uri), { secret: s, digits: 6, period: 30, algorithm: 'SHA1' });
  assert.equal(parseTotpUri('otpauth://hotp/x?secret=GEZDGNBV&counter=1'), undefined);
  assert.equal(parseTotpUri('https://example.com'), undefined);
});

test('an existing secret: spaces, case and padding tolerated; too short or not base32 refused without echoing it', () => {
  assert.equal(normalizeTotpSecret('gezd gnbv gy3t qojq\n'), 'GEZDGNBVGY3TQOJQ');
  assert.equal(normalizeTotpSecret('GEZDGNBVGY3TQOJQ===='), 'GEZDGNBVGY3TQOJQ');
  assert.throws(() => normalizeTotpSecret('GEZDGNBV'), /40 bits; at least 80/);
  assert.throws(() => normalizeTotpSecret('GEZDGNBVGY3TQOJ1'), (e: Error) => /not base32/.test(e.message) && !e.message.includes('GEZD'));
  assert.throws(() => normalizeTotpSecret('  '), /empty/);
});
