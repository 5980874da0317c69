import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDomainsCfg } from './domains-cfg.js';

const DOMAINS = `pam: pam
	comment Linux PAM standard authentication
	tfa type=oath,digits=6,step=30

pve: pve
	comment Proxmox VE authentication server
	default 1

ldap: corp
	base_dn dc=corp,dc=example,dc=com
	server1 ldap1.corp.example.com
	user_attr uid
	bind_dn cn=pve-bind,ou=svc,dc=corp,dc=example,dc=com
	password S3cr3t-bind-pw
	tfa type=yubico,id=12345,key=abc,url=https://api.yubico.com/wsapi/2.0/verify

ad: winad
	domain ad.example.com
	server1 dc1.ad.example.com
	mode ldap+starttls
	verify 1

ldap: legacy
	base_dn dc=old
	server1 old.example.com
	secure 1
	user_attr uid

openid: sso
	issuer-url https://sso.example.com/realms/pve
	client-id pve
	client-key very-secret-client-key
	tfa type=oath

kerberos: nope
	server x
`;

test('domains.cfg realms: tfa, LDAP defaults, secrets dropped', () => {
  const { value, diagnostics } = parseDomainsCfg(DOMAINS);
  assert.deepEqual(value.map((r) => `${r.type}:${r.name}`), ['pam:pam', 'pve:pve', 'ldap:corp', 'ad:winad', 'ldap:legacy', 'openid:sso']);
  const [pam, pve, corp, winad, legacy, sso] = value;
  assert.deepEqual(pam.tfa, { type: 'oath', line: 3, digits: 6, step: 30 });
  assert.equal(pve.isDefault, true);
  assert.equal(pve.tfa, undefined);
  assert.equal(corp.mode, 'ldap', 'LDAP default mode is plain ldap');
  assert.equal(corp.verify, false, 'LDAP default verify is 0');
  assert.equal(corp.tfa?.type, 'yubico');
  assert.equal(winad.mode, 'ldap+starttls');
  assert.equal(winad.verify, true);
  assert.equal(legacy.mode, 'ldaps', 'legacy secure 1 means ldaps');
  assert.equal(sso.tfa, undefined, 'OpenID realms have no tfa');
  assert.ok(!JSON.stringify([...corp.props, ...sso.props]).includes('S3cr3t'));
  assert.ok(!JSON.stringify([...sso.props]).includes('very-secret'));
  assert.equal(diagnostics.length, 1);
  assert.match(diagnostics[0].message, /unsupported type 'kerberos'/);
  assert.equal(diagnostics[0].line, 35);
});

test('domains.cfg: like Proxmox, a section runs to the next empty line; malformed lines are skipped', () => {
  const { value, diagnostics } = parseDomainsCfg('pve: pve\n\tcomment x\npam: pam\n\nnot a header\n\npam: pam\nbroken\n');
  assert.deepEqual(value.map((r) => r.name), ['pve', 'pam']);
  assert.deepEqual(diagnostics.map((d) => d.line), [3, 5, 8]);
});

test('domains.cfg: a misplaced password line is reported without its value', () => {
  const { diagnostics } = parseDomainsCfg('ldap: corp\n\tserver1 ldap.example.com\npassword TopSecret99\n');
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].line, 3);
  assert.ok(!diagnostics[0].message.includes('TopSecret99'), diagnostics[0].message);
});
