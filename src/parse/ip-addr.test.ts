import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { formatIp, parseIpAddr } from './ip-addr.js';
import { parseIp } from './ip-address.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const brief = (text: string) => parseIpAddr(text).value.map((a) => `${a.ifname} ${a.address}/${a.prefix} ${a.network.text}${a.flags.length ? ` [${a.flags.join(',')}]` : ''}`);

test('Debian 12: bridge, alias label, secondary, IPv6, VLAN and point-to-point addresses', () => {
  const { value, diagnostics } = parseIpAddr(fixture('pve8-bookworm-ip-o-addr-show.txt'));
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(value.map((a) => `${a.index}:${a.ifname} ${a.address}/${a.prefix} ${a.network.text}`), [
    '1:lo 127.0.0.1/8 127.0.0.0/8',
    '1:lo ::1/128 ::1/128',
    '4:vmbr0 10.10.10.11/24 10.10.10.0/24',
    '4:vmbr0 192.0.2.77/24 192.0.2.0/24',
    '4:vmbr0 10.10.10.111/24 10.10.10.0/24',
    '4:vmbr0 2001:db8:10::11/64 2001:db8:10::/64',
    '4:vmbr0 fe80::d4e7:eeff:fe1e:dd26/64 fe80::/64',
    '5:vmbr0.20 10.20.0.11/24 10.20.0.0/24',
    '5:vmbr0.20 fe80::d4e7:eeff:fe1e:dd26/64 fe80::/64',
    '6:wg0 172.16.0.1/32 172.16.0.2/32',
  ]);
  const [, , primary, alias, secondary, global6, link6] = value;
  assert.deepEqual([primary.label, primary.scope, primary.flags, primary.line], ['vmbr0', 'global', [], 3]);
  assert.deepEqual([alias.label, alias.flags], ['vmbr0:1', []]);
  assert.deepEqual(secondary.flags, ['secondary']);
  assert.deepEqual([global6.family, global6.label, link6.scope], [6, undefined, 'link']);
  assert.equal(value[9].peer, '172.16.0.2');
});

test('Debian 13: dynamic lifetimes, address protocols, noprefixroute', () => {
  const { value, diagnostics } = parseIpAddr(fixture('pve9-trixie-ip-o-addr-show.txt'));
  assert.deepEqual(diagnostics, []);
  const vmbr0 = value.filter((a) => a.ifname === 'vmbr0');
  assert.deepEqual(vmbr0.map((a) => [a.address, a.network.text, a.flags.join(',')]), [
    ['192.168.1.50', '192.168.1.0/24', 'dynamic'],
    ['2a01:4f8:c17:b8f::50', '2a01:4f8:c17:b8f::/64', 'dynamic,mngtmpaddr'],
    ['fe80::be24:11ff:fe5e:aa01', 'fe80::/64', ''],
  ]);
  assert.deepEqual(value.find((a) => a.ifname === 'vmbr1')?.flags, ['noprefixroute']);
  assert.deepEqual(value[1].flags, ['noprefixroute']);
});

test('skips what is not an address line, with its line number', () => {
  const text = [
    '2: eno1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq master vmbr0 state UP group default qlen 1000\\    link/ether bc:24:11:5e:aa:01 brd ff:ff:ff:ff:ff:ff',
    '3: vmbr0    inet 10.10.10.300/24 brd 10.10.10.255 scope global vmbr0\\       valid_lft forever preferred_lft forever',
    '3: vmbr0    inet 10.10.10.11/33 scope global vmbr0',
    '3: vmbr0    inet6 10.10.10.11/24 scope global',
    '',
    '3: vmbr0    inet 10.10.10.11/24 brd 10.10.10.255 scope global vmbr0',
  ].join('\n');
  const { value, diagnostics } = parseIpAddr(text);
  assert.deepEqual(diagnostics.map((d) => d.line), [1, 2, 3, 4]);
  assert.match(diagnostics[1].message, /invalid inet address "10\.10\.10\.300"/);
  assert.deepEqual(brief(text), ['vmbr0 10.10.10.11/24 10.10.10.0/24']);
  assert.equal(value[0].line, 6);
});

test('an address without a prefix is a host address', () => {
  assert.deepEqual(brief('7: tun0    inet 10.8.0.1 scope global tun0\n'), ['tun0 10.8.0.1/32 10.8.0.1/32']);
});

test('formatIp compresses the longest run of zero groups once', () => {
  const v6 = (s: string) => formatIp(6, parseIp(s)!.value);
  assert.equal(v6('2001:0db8:0000:0000:0001:0000:0000:0000'), '2001:db8:0:0:1::');
  assert.equal(v6('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.equal(v6('0:0:0:0:0:0:0:0'), '::');
  assert.equal(v6('fe80:0:0:0:0:0:0:0'), 'fe80::');
  assert.equal(v6('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2:3:4:5:6');
  assert.equal(formatIp(4, parseIp('10.10.10.0')!.value), '10.10.10.0');
});
