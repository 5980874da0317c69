import { test } from 'node:test';
import type { MemorySnapshotSpec } from '../../collect/memory.js';
import { assertCases } from '../testing.js';
import { tls01 } from './tls-01.js';
import { tls02 } from './tls-02.js';
import { tls03 } from './tls-03.js';
import { tls04 } from './tls-04.js';
import { tls05 } from './tls-05.js';
import { testPki } from './testing.js';

const pki = testPki();
const now = new Date();
const DAY = 86_400_000;

function node(files: Record<string, string>, extra: Partial<MemorySnapshotSpec> = {}): MemorySnapshotSpec {
  return {
    files: { '/etc/hostname': 'pve1\n', '/etc/pve/pve-root-ca.pem': pki.ca, '/etc/pve/nodes/pve1/pve-ssl.pem': pki.pveSsl, ...files },
    dirs: { '/etc/pve': {} },
    ...extra,
  };
}
const custom = (pem: string) => node({ '/etc/pve/nodes/pve1/pveproxy-ssl.pem': pem });
const noCert: MemorySnapshotSpec = { files: { '/etc/hostname': 'pve1\n' }, dirs: { '/etc/pve': {} } };

test('TLS-01 issuer of the served certificate', () => assertCases(tls01, [
  { name: 'default pve-ssl.pem', node: node({}), now, expect: 'FAIL', message: 'pve-ssl.pem (default) is issued by the cluster' },
  { name: 'custom cert from a public CA', node: custom(pki.publicLeaf), now, expect: 'PASS', message: 'Test Public R1' },
  { name: 'pveproxy-ssl.pem that is the CA-signed cert', node: custom(pki.pveSsl), now, expect: 'FAIL', message: 'pveproxy-ssl.pem is issued' },
  { name: 'CA file missing, default cert', node: { files: { '/etc/hostname': 'pve1\n', '/etc/pve/nodes/pve1/pve-ssl.pem': pki.pveSsl }, dirs: { '/etc/pve': {} } }, now, expect: 'FAIL' },
  { name: 'no certificate collected', node: noCert, now, expect: 'SKIP', message: 'pve-ssl.pem' },
  { name: 'corrupt certificate', node: node({ '/etc/pve/nodes/pve1/pve-ssl.pem': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }), now, expect: 'SKIP', message: 'cannot parse' },
]));

test('TLS-02 remaining validity', () => assertCases(tls02, [
  { name: '700 days', node: node({}), now, expect: 'PASS', message: 'valid for 69' },
  { name: '60-day ACME-like cert', node: custom(pki.publicLeaf), now, expect: 'PASS' },
  { name: '20 days', node: custom(pki.weakLeaf), now, expect: 'WARN', message: 'expires in 19 days' },
  { name: '3 days', node: custom(pki.shortLeaf), now, expect: 'FAIL', message: 'expires in 2 day(s)' },
  { name: 'expired', node: custom(pki.publicLeaf), now: new Date(now.getTime() + 90 * DAY), expect: 'FAIL', message: 'expired on' },
  { name: 'no certificate', node: noCert, now, expect: 'SKIP' },
]));

test('TLS-03 key size and node name', () => assertCases(tls03, [
  { name: 'default RSA 2048 with pve1', node: node({}), now, expect: 'PASS', message: 'rsa 2048 key; SAN contains pve1' },
  { name: 'EC P-256 with FQDN', node: custom(pki.publicLeaf), now, expect: 'PASS', message: 'ec 256' },
  { name: 'RSA 1024, other name', node: custom(pki.weakLeaf), now, expect: 'FAIL', message: 'RSA key of 1024 bits (< 2048); SAN (www.example.com) lacks the node name pve1' },
  { name: 'no certificate', node: noCert, now, expect: 'SKIP' },
]));

test('TLS-04 ACME', () => assertCases(tls04, [
  { name: 'acme domains', node: node({ '/etc/pve/nodes/pve1/config': 'acme: account=default,domains=pve1.example.com\n' }), expect: 'PASS', message: 'pve1.example.com (account default)' },
  { name: 'acmedomain0', node: node({ '/etc/pve/nodes/pve1/config': 'acmedomain0: domain=pve1.example.com,plugin=cf\n' }), expect: 'PASS' },
  { name: 'no node config', node: node({}), expect: 'FAIL', message: 'no ACME domain configured for node pve1' },
  { name: 'node config without acme', node: node({ '/etc/pve/nodes/pve1/config': 'wakeonlan: aa:bb:cc:dd:ee:ff\n' }), expect: 'FAIL' },
  { name: '/etc/pve not collected', node: { files: { '/etc/hostname': 'pve1\n' } }, expect: 'SKIP' },
]));

test('TLS-05 pveproxy TLS settings', () => assertCases(tls05, [
  { name: 'no defaults file', node: node({}), expect: 'PASS', message: 'absent' },
  { name: 'access lists only', node: node({ '/etc/default/pveproxy': 'ALLOW_FROM="10.0.0.0/8"\nDENY_FROM="all"\nPOLICY="allow"\n' }), expect: 'PASS' },
  { name: 'TLS 1.3 disabled', node: node({ '/etc/default/pveproxy': '# keep old clients\nDISABLE_TLS_1_3=1\n' }), expect: 'FAIL', message: 'DISABLE_TLS_1_3=1' },
  { name: 'weak ciphers', node: node({ '/etc/default/pveproxy': 'CIPHERS="ECDHE-RSA-AES256-GCM-SHA384:DES-CBC3-SHA:RC4-SHA:!aNULL"\n' }), expect: 'FAIL', message: 'weak CIPHERS: DES-CBC3-SHA:RC4-SHA' },
  { name: 'strong ciphers', node: node({ '/etc/default/pveproxy': 'CIPHERS="ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:!aNULL:!MD5"\nDISABLE_TLS_1_2=1\n' }), expect: 'PASS' },
  { name: 'unreadable', node: node({}, { errors: { '/etc/default/pveproxy': 'permission denied' } }), expect: 'SKIP', message: 'permission denied' },
]));

test('TLS-05 on a host that is not a Proxmox VE node', () => assertCases(tls05, [
  { name: 'no /etc/pve, no pveversion', node: { files: { '/etc/hostname': 'web1\n', '/etc/passwd': 'root:x:0:0::/root:/bin/bash\n' } }, expect: 'SKIP', message: 'no sign of Proxmox VE' },
  { name: 'pveversion says PVE (user-level collection without /etc/pve)', node: { files: { '/etc/hostname': 'pve1\n' }, commands: { 'pveversion -v': 'proxmox-ve: 9.1.0 (running kernel: 6.17.2-1-pve)\npve-manager: 9.1.1 (running version: 9.1.1/42db4a6cf33dac83)\n' } }, expect: 'PASS' },
]));
