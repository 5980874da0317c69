import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertCases, runCheck } from '../testing.js';
import { krn03 } from './krn-03.js';
import { netfilter, SS_PVE } from '../../../test/fixtures/netfilter/helpers.js';

const node = (ss: string) => ({ files: { '/etc/hostname': 'pve1\n' }, commands: { 'ss -tulpn': ss } });
const WITHOUT_RPCBIND = SS_PVE.split('\n').filter((l) => !l.includes('rpcbind')).join('\n');

test('KRN-03 unexpected listening sockets', () => {
  assertCases(krn03, [
    { name: 'stock node with rpcbind', node: node(SS_PVE), expect: 'FAIL', message: '2 unexpected listening sockets: udp/111 on 0.0.0.0 (rpcbind), tcp/111 on 0.0.0.0 (rpcbind)' },
    { name: 'rpcbind removed', node: node(WITHOUT_RPCBIND), expect: 'PASS', message: 'udp/5405, tcp/22, tcp/8006, tcp/3128' },
    { name: 'rpcbind declared as expected (NFS storage)', node: node(SS_PVE), config: { expected_ports: [{ port: 111, proto: 'tcp', reason: 'NFS' }, { port: 111, proto: 'udp', reason: 'NFS' }] }, expect: 'PASS' },
    {
      name: 'an unknown process on the web UI port',
      node: node(`${WITHOUT_RPCBIND}\ntcp   LISTEN 0      5      192.168.1.10:8006      0.0.0.0:*    users:(("python3",pid=4242,fd=3))\n`),
      expect: 'FAIL', message: 'tcp/8006 on 192.168.1.10 (python3)',
    },
    { name: 'without root: ports decide', node: node('Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\ntcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\ntcp LISTEN 0 4096 *:9100 *:*\n'), expect: 'FAIL', message: 'tcp/9100 on *' },
    { name: 'only loopback listeners', node: node('Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\ntcp LISTEN 0 100 127.0.0.1:25 0.0.0.0:*\n'), expect: 'PASS', message: 'nothing listens on a non-loopback address' },
    { name: 'real test host (fake-pveproxy stands in for pveproxy)', node: node(netfilter('testhost.ss-tulpn')), expect: 'PASS', message: 'tcp/22, tcp/8006' },
    { name: 'not collected', node: { files: { '/etc/hostname': 'pve1\n' }, errors: { 'ss -tulpn': 'requires root' } }, expect: 'SKIP', message: 'ss -tulpn: requires root' },
  ]);
  const [f] = runCheck(krn03, { node: node(SS_PVE) });
  assert.deepEqual(f.evidence.map((e) => e.line), [2, 5, 8, 13]);
});
