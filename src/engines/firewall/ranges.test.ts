import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countAddresses, withThousandsSeparators } from './ranges.js';

test('withThousandsSeparators writes what toLocaleString(en-US) writes', () => {
  const samples = [0n, 1n, 9n, 12n, 999n, 1000n, 1001n, 65_536n, 999_999n, 1_000_000n, 16_777_216n, 4_294_967_296n,
    BigInt(Number.MAX_SAFE_INTEGER), -1n, -1000n, -123_456_789n];
  for (let i = 1n; i < 10n ** 16n; i *= 7n) samples.push(i, i + 1n, i - 1n);
  for (const n of samples) assert.equal(withThousandsSeparators(n), Number(n).toLocaleString('en-US'), String(n));
});

test('countAddresses: exact with separators up to 2^53, then a power of two or an approximation', () => {
  assert.equal(countAddresses(1n), '1 address');
  assert.equal(countAddresses(256n), '256 addresses');
  assert.equal(countAddresses(16_777_216n), '16,777,216 addresses');
  assert.equal(countAddresses(4_294_967_296n), '4,294,967,296 addresses');
  assert.equal(countAddresses(BigInt(Number.MAX_SAFE_INTEGER)), '9,007,199,254,740,991 addresses');
  assert.equal(countAddresses(1n << 64n), '2^64 addresses');
  assert.equal(countAddresses(3n << 64n), 'about 2^65.6 addresses');
});
