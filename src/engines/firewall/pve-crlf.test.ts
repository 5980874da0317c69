import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePacket } from './packet.js';
import { topologyFromPeers, type PveEnvironment } from './pve-common.js';
import { parsePveConfig, pveSimulator } from './simulator.js';

// A real case (pve-firewall oracle, generated case 0001) whose files were saved with CRLF line endings.
const FIX = new URL('../../../test/fixtures/pve-firewall/generated-0001/', import.meta.url);
const CLUSTER = readFileSync(new URL('cluster.fw', FIX), 'utf8');
const HOST = readFileSync(new URL('host.fw', FIX), 'utf8');
const crlf = (s: string) => s.replace(/\n/g, '\r\n');
const ENV: PveEnvironment = {
  node: 'pve1', hostIp: '172.19.250.10', localNetwork: '172.19.250.0/24',
  corosync: topologyFromPeers({ pve1: '172.19.250.10', pve2: '172.19.250.11' }), now: new Date('2026-11-25T12:00:00Z'),
};
const ssh = (src: string) => parsePacket({ direction: 'in', src, dst: ENV.hostIp, proto: 'tcp', dport: 22, sport: 40000 });

function decide(clusterFw: string, hostFw: string | undefined, src: string) {
  return pveSimulator(parsePveConfig(clusterFw, hostFw, 'pve1').config, ENV).decide(ssh(src));
}

test('as written (LF): host.fw `in ACCEPT -p tcp -dport 22,2222` (host rules first) overrides the cluster `IN REJECT -p tcp -dport 22`', () => {
  const d = decide(CLUSTER, HOST, '8.8.8.8');
  assert.equal(d.verdict, 'ACCEPT');
  assert.deepEqual([d.rule?.origin?.file, d.rule?.origin?.line], ['/etc/pve/nodes/pve1/host.fw', 14]);
  assert.equal(decide(CLUSTER, undefined, '8.8.8.8').verdict, 'REJECT');
});

test('CRLF cluster.fw: Proxmox never reads `enable: 1`, so the firewall is off and everything is accepted', () => {
  const d = decide(crlf(CLUSTER), HOST, '8.8.8.8');
  assert.equal(d.verdict, 'ACCEPT');
  assert.match(d.reason, /datacenter firewall disabled \(no valid `enable:` option/);
});

test('CRLF host.fw: its ssh accept is not applied, the cluster REJECT decides', () => {
  const d = decide(CLUSTER, crlf(HOST), '8.8.8.8');
  assert.equal(d.verdict, 'REJECT');
});
