import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalIp, formatIp, parseIp, rangeToCidrs } from './ip-address.js';

test('IPv6 addresses print in RFC 5952 short form', () => {
  const cases: [string, string][] = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of two equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group stays
    ['2001:DB8::0:1', '2001:db8::1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['fe80:0:0:0:0:0:0:0', 'fe80::'],
    ['2001:db8:0:0:0:1:0:0', '2001:db8::1:0:0'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['10.10.0.1', '10.10.0.1'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalIp(input), want, input);
  assert.equal(formatIp(4, 0xffffffffn), '255.255.255.255');
});

test('an address range as the smallest list of CIDR blocks', () => {
  const v = (t: string) => parseIp(t)!.value;
  assert.deepEqual(rangeToCidrs(4, v('10.10.0.0'), v('10.10.0.255')), ['10.10.0.0/24']);
  assert.deepEqual(rangeToCidrs(4, v('203.0.113.7'), v('203.0.113.7')), ['203.0.113.7/32']);
  assert.deepEqual(rangeToCidrs(4, v('10.0.0.1'), v('10.0.0.10')), ['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/30', '10.0.0.8/31', '10.0.0.10/32']);
  assert.deepEqual(rangeToCidrs(4, 0n, 0xffffffffn), ['0.0.0.0/0']);
  assert.deepEqual(rangeToCidrs(4, 0n, v('9.255.255.255')), ['0.0.0.0/5', '8.0.0.0/7']);
  assert.deepEqual(rangeToCidrs(6, 0n, (1n << 128n) - 1n), ['::/0']);
  assert.deepEqual(rangeToCidrs(6, v('2001:db8::'), v('2001:db8::ffff:ffff:ffff:ffff')), ['2001:db8::/64']);
  assert.deepEqual(rangeToCidrs(6, v('fe80::'), v('fe80::2')), ['fe80::/127', 'fe80::2/128']);
});
