import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { pve07 } from './pve-07.js';
import { pve08 } from './pve-08.js';
import { DOMAINS_CFG, noPve, pveNode } from './testing.js';
import { testPki } from '../tls/testing.js';

const ldap = (extra: string) => `${DOMAINS_CFG}\nldap: corp\n\tbase_dn dc=corp,dc=example\n\tserver1 ldap.corp.example\n\tuser_attr uid\n${extra}`;

test('PVE-07 LDAP/AD transport security', () => assertCases(pve07, [
  { name: 'no directory realm', node: pveNode(), expect: 'PASS', message: 'no LDAP or AD realm' },
  { name: 'ldaps + verify', node: pveNode({ '/etc/pve/domains.cfg': ldap('\tmode ldaps\n\tverify 1\n') }), expect: ['PASS'], message: 'mode ldaps, verify 1' },
  { name: 'defaults: plain ldap, verify 0', node: pveNode({ '/etc/pve/domains.cfg': ldap('') }), expect: ['FAIL'], message: 'mode ldap (plaintext), verify 0' },
  { name: 'starttls without verify', node: pveNode({ '/etc/pve/domains.cfg': ldap('\tmode ldap+starttls\n') + '\nad: win\n\tdomain ad.example\n\tserver1 dc1\n\tmode ldaps\n\tverify 1\n' }), expect: ['FAIL', 'PASS'], message: 'corp: verify 0' },
  { name: 'not collected', node: noPve, expect: 'SKIP' },
]));

test('PVE-08 webauthn settings', () => assertCases(pve08, [
  { name: 'not configured, alice has webauthn', node: pveNode(), expect: 'FAIL', message: 'alice@pve' },
  { name: 'not configured, nobody uses it', node: pveNode({ '/etc/pve/priv/tfa.cfg': '{}' }), expect: 'PASS', message: 'not configured' },
  { name: 'id does not match origin', node: pveNode({ '/etc/pve/datacenter.cfg': 'webauthn: rp=pve,origin=https://pve1.example.com:8006,id=other.example.com\n' }), expect: 'FAIL', message: 'does not match origin host' },
  { name: 'http origin', node: pveNode({ '/etc/pve/datacenter.cfg': 'webauthn: rp=pve,origin=http://pve1.example.com:8006,id=pve1.example.com\n' }), expect: 'FAIL', message: 'not an https:// URL' },
  { name: 'origin unknown host, no certificates collected', node: pveNode({ '/etc/pve/datacenter.cfg': 'webauthn: rp=x,origin=https://elsewhere.example.com:8006,id=elsewhere.example.com\n' }), expect: 'FAIL', message: 'neither a node name' },
  { name: 'origin is the node name, certificate not collected', node: pveNode({ '/etc/pve/datacenter.cfg': 'webauthn: rp=x,origin=https://pve1.example.com:8006,id=pve1.example.com\n' }), expect: 'WARN', message: 'not in the served certificate' },
  { name: 'not collected', node: noPve, expect: 'SKIP' },
]));

test('PVE-08 webauthn origin against the served certificates', () => {
  const pki = testPki();
  const WEBAUTHN = 'webauthn: rp=Proxmox,origin=https://pve1.example.com:8006,id=example.com\n';
  const withCerts = (certs: Record<string, string>) => pveNode({ '/etc/pve/datacenter.cfg': WEBAUTHN, '/etc/pve/pve-root-ca.pem': pki.ca, '/etc/pve/nodes/pve1/pve-ssl.pem': pki.pveSsl, ...certs });
  assertCases(pve08, [
    { name: 'origin served with a public-CA certificate', node: withCerts({ '/etc/pve/nodes/pve1/pveproxy-ssl.pem': pki.publicLeaf }), now: new Date(), expect: 'PASS', message: 'trusted certificate on pve1' },
    { name: 'origin served with the pve-root-ca certificate', node: withCerts({}), now: new Date(), expect: 'WARN', message: 'self-signed or pve-root-ca' },
  ]);
});
