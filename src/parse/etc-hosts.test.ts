import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hostsEntriesFor, parseEtcHosts } from './etc-hosts.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

test('the Proxmox installer\'s /etc/hosts: the node name on its management address', () => {
  const { value, diagnostics } = parseEtcHosts(fixture('pve-installer-hosts'));
  assert.deepEqual(diagnostics, []);
  assert.equal(value.length, 8);
  assert.deepEqual(hostsEntriesFor(value, 'pve'), [{ address: '192.168.1.50', family: 4, names: ['pve.example.lan', 'pve'], line: 2 }]);
  assert.deepEqual(hostsEntriesFor(value, 'PVE.example.LAN').map((e) => e.line), [2]);
  assert.deepEqual(hostsEntriesFor(value, 'ip6-loopback').map((e) => [e.address, e.family]), [['::1', 6]]);
  assert.deepEqual(hostsEntriesFor(value, 'pve.example'), []);
});

test('Debian\'s default: the host name on 127.0.1.1, tabs as separators', () => {
  const { value } = parseEtcHosts(fixture('debian12-default-hosts'));
  assert.deepEqual(hostsEntriesFor(value, 'pve1').map((e) => [e.address, e.line]), [['127.0.1.1', 2]]);
  assert.deepEqual(hostsEntriesFor(value, 'localhost').map((e) => e.address), ['127.0.0.1', '::1']);
});

test('comments anywhere, bad addresses and lines without a name are reported and skipped', () => {
  const text = [
    '10.10.10.11 pve1.example.com pve1 # management',
    '#10.10.10.12 pve2',
    '10.10.10.300 pve3',
    'fe80::1%vmbr0 pve-ll',
    '10.10.10.14',
    '   10.10.10.15\tpve5   ',
    'pve6 10.10.10.16',
  ].join('\r\n');
  const { value, diagnostics } = parseEtcHosts(text);
  assert.deepEqual(value.map((e) => [e.address, e.names.join(' '), e.line]), [
    ['10.10.10.11', 'pve1.example.com pve1', 1],
    ['10.10.10.15', 'pve5', 6],
  ]);
  assert.deepEqual(diagnostics.map((d) => d.line), [3, 4, 5, 7]);
  assert.match(diagnostics[0].message, /invalid address "10\.10\.10\.300"/);
  assert.match(diagnostics[2].message, /no host name after 10\.10\.10\.14/);
});
