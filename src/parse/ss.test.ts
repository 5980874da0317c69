import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseSs } from './ss.js';
import { ParseError } from './diagnostics.js';

test('ss -tulpn of a Proxmox VE 9 node', () => {
  const { value, diagnostics } = parseSs(readFileSync(new URL('../../test/fixtures/netfilter/pve-node.ss-tulpn', import.meta.url)));
  assert.deepEqual(diagnostics, []);
  assert.equal(value.length, 14);
  const rpc = value[0];
  assert.deepEqual([rpc.proto, rpc.address, rpc.port, rpc.family, rpc.wildcard, rpc.loopback], ['udp', '0.0.0.0', 111, 4, true, false]);
  assert.deepEqual(rpc.processes, [{ name: 'rpcbind', pid: 612, fd: 5 }, { name: 'systemd', pid: 1, fd: 86 }]);
  assert.equal(rpc.line, 2);
  const corosync = value[2];
  assert.deepEqual([corosync.address, corosync.port, corosync.wildcard, corosync.loopback], ['10.10.0.12', 5405, false, false]);
  assert.deepEqual([value[4].address, value[4].family, value[4].loopback], ['::1', 6, true]);
  const pvedaemon = value[5];
  assert.deepEqual([pvedaemon.port, pvedaemon.loopback, pvedaemon.processes[0].name, pvedaemon.processes.length], [85, true, 'pvedaemon worke', 4]);
  const pveproxy = value[9];
  assert.deepEqual([pveproxy.address, pveproxy.family, pveproxy.wildcard, pveproxy.port, pveproxy.state], ['*', 'any', true, 8006, 'LISTEN']);
  assert.deepEqual([value[11].address, value[11].wildcard], ['::', true]);
});

test('scoped addresses, missing process column, garbage lines', () => {
  const { value, diagnostics } = parseSs(`Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port Process
udp UNCONN 0 0 [fe80::be24:11ff:fe3a:1%vmbr0]:123 [::]:*
tcp LISTEN 0 4096 127.0.0.53%lo:53 0.0.0.0:*
udp UNCONN 0 0 0.0.0.0%vmbr1:67 0.0.0.0:*
tcp LISTEN 0 10 [::ffff:127.0.0.1]:631 *:*
tcp LISTEN 0 4096 nonsense 0.0.0.0:*
hello
`);
  assert.equal(value.length, 4);
  assert.deepEqual([value[0].address, value[0].iface, value[0].family, value[0].processes], ['fe80::be24:11ff:fe3a:1', 'vmbr0', 6, []]);
  assert.deepEqual([value[1].address, value[1].iface, value[1].loopback], ['127.0.0.53', 'lo', true]);
  assert.deepEqual([value[2].wildcard, value[2].iface], [true, 'vmbr1']);
  assert.equal(value[3].loopback, true);
  assert.deepEqual(diagnostics.map((d) => d.line), [6, 7]);
  assert.throws(() => parseSs(Buffer.from('tcp\0')), ParseError);
  for (let i = 0; i < 200; i++) parseSs(['tcp', 'udp LISTEN', ':', '[', ']:', '%', 'users:(("', '*:*'].slice(i % 5).join(' ').repeat(1 + (i % 3)));
});

test('an address with text after the zone separator is rejected, not crashed on', () => {
  const { value, diagnostics } = parseSs('udp UNCONN 0 0 [fe80::1%vmbVersion:r0]:123 [::]:*\n');
  assert.equal(value.length, 1);
  assert.deepEqual([value[0].address, value[0].iface], ['fe80::1', 'vmbVersion:r0']);
  assert.deepEqual(diagnostics, []);
});
