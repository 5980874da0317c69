import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIPv4 } from 'node:net';
import { canonicalIp, formatIp, ipv4Value, parseIp, rangeToCidrs } from './ip-address.js';

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

test('ipv4Value accepts exactly what node:net isIPv4 accepts, with the same value', () => {
  const samples = ['0.0.0.0', '1.2.3.4', '255.255.255.255', '10.77.0.60', '01.2.3.4', '1.2.3.04', '1.2.3.00', '256.1.1.1', '1.2.3',
    '1.2.3.4.5', '1.2.3.4 ', ' 1.2.3.4', '1..2.3', '.1.2.3', '1.2.3.', '1.2.3.1000', '1.2.3.-1', '１.2.3.4', '', '::1', '1.2.3.4/32'];
  // and random strings over the characters that matter
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  for (let i = 0; i < 5000; i++) samples.push(Array.from({ length: 1 + rnd(16) }, () => '0123456789.52.'[rnd(14)]).join(''));
  for (const s of samples) {
    const v = ipv4Value(s);
    assert.equal(v >= 0, isIPv4(s), s);
    if (v >= 0) assert.equal(v, s.split('.').reduce((acc, o) => acc * 256 + Number(o), 0), s);
  }
});
