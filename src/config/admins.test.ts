import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError, parseConfig } from './load.js';
import { adminAccounts, adminNames } from './admins.js';

const key = (name: string) => readFileSync(new URL(`../parse/fixtures/keys/${name}.pub`, import.meta.url), 'utf8').trim();
const ED = key('ed25519');
const blob = (k: string) => k.split(' ')[1];

test('admin_users: plain names and objects; helpers give names and host accounts', () => {
  const cfg = parseConfig(`
admin_users:
  - alice@pve
  - carol@pam
  - name: dave
    authorized_keys: ["${ED}", "${key('sk-ed25519')}"]
    shell: /bin/zsh
  - name: erin
root_login: peers-only
`, 'pvesec.yaml');
  assert.deepEqual(adminNames(cfg), ['alice@pve', 'carol@pam', 'dave', 'erin']);
  const accounts = adminAccounts(cfg);
  assert.deepEqual(accounts.map((a) => [a.name, a.declaredAsObject, a.keys.length, a.shell]), [
    ['carol', false, 0, undefined], ['dave', true, 2, '/bin/zsh'], ['erin', true, 0, undefined],
  ]);
  assert.equal(accounts[1].keys[0].comment, 'ed25519@ws');
  assert.match(accounts[1].keys[0].fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
  assert.equal(cfg.root_login, 'peers-only');
});

test('defaults: no admins, root_login prohibit-password', () => {
  const cfg = parseConfig('admin_users: [alice]\n', 'pvesec.yaml');
  assert.deepEqual(cfg.admin_users, ['alice']);
  assert.equal(cfg.root_login, 'prohibit-password');
});

const MANGLED = `ssh-ed25519 ${blob(ED).slice(0, 30)}${blob(ED).slice(31)} alice@laptop`;
const PRIVATE = '-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\\n-----END OPENSSH PRIVATE KEY-----';
const bad: [string, RegExp][] = [
  [`admin_users:\n  - { name: alice, authorized_keys: ["${MANGLED}"] }\n`, /^pvesec\.yaml:2: admin_users\.0\.authorized_keys\.0: alice's key is not a valid OpenSSH public key \(.*\) \(comment "alice@laptop"\)$/],
  [`admin_users:\n  - { name: alice, authorized_keys: ["${PRIVATE}"] }\n`, /admin_users\.0\.authorized_keys\.0: alice's key is a private key/],
  [`admin_users:\n  - { name: alice, authorized_keys: ["${key('dsa_1024')}"] }\n`, /alice's key is a DSA key, which OpenSSH refuses/],
  [`admin_users:\n  - { name: alice, authorized_keys: ["${key('rsa_1024')}"] }\n`, /alice's key is a 1024-bit RSA key/],
  [`admin_users:\n  - { name: alice, authorized_keys: ["${ED}", "${ED.replace('ed25519@ws', 'again')}"] }\n`, /admin_users\.0\.authorized_keys\.1: alice's key is listed twice/],
  [`admin_users:\n  - { name: alice, shell: /usr/sbin/nologin }\n`, /admin_users\.0\.shell: alice's shell must be/],
  ['admin_users:\n  - { name: Alice }\n', /admin_users\.0\.name: must be a Linux user name/],
  ['admin_users:\n  - { name: root }\n', /admin_users\.0\.name: root is not a personal admin account/],
  ['admin_users:\n  - { name: alice, keys: [] }\n', /admin_users\.0: unknown key\(s\) "keys"/],
  ['admin_users: [alice, { name: alice }]\n', /admin_users\.1: alice is declared twice/],
  ['admin_users: [3]\n', /admin_users\.0: must be a user name \(alice, alice@pve\) or \{name, authorized_keys, shell\}/],
  ['root_login: yes\n', /root_login: must be prohibit-password, peers-only or no/],
];
for (const [text, re] of bad) {
  test(`rejects ${JSON.stringify(text.trim().slice(0, 70))}`, () => {
    assert.throws(() => parseConfig(text, 'pvesec.yaml'), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, re);
      assert.equal(e.message.split('\n').length, 1, e.message);
      // no key material in the message, only the comment
      assert.ok(!e.message.includes(blob(ED).slice(20, 40)) && !e.message.includes('b3BlbnNzaC1rZXktdjEAAAAA'), e.message);
      return true;
    });
  });
}

test('the pvesec.yaml documented in the README is valid, object admin and root_login included', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration: pvesec.yaml'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1];
  const cfg = parseConfig(yaml, 'README.md');
  assert.deepEqual(adminAccounts(cfg).map((a) => [a.name, a.keys.map((k) => k.comment)]), [['alice', ['alice@laptop']]]);
  assert.equal(cfg.root_login, 'prohibit-password');
});
