import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, ConfigError } from './load.js';

test('a complete pvesec.yaml is accepted with its values', () => {
  const cfg = parseConfig(`
admin_users: [alice, bob@pve]
admin_sources: [10.0.0.0/24, 192.168.1.5, fd00::/64]
non_admin_networks: [10.20.0.0/16]
expected_ports:
  - { port: 9100, proto: tcp, process: node_exporter }
waivers:
  - { id: SSH-06, node: pve1, reason: "AllowGroups rollout pending", expires: 2027-01-31 }
  - { id: KRN-*, reason: "kernel hardening tracked in OPS-12" }
`, 'pvesec.yaml');
  assert.deepEqual(cfg.admin_users, ['alice', 'bob@pve']);
  assert.equal(cfg.expected_ports[0].port, 9100);
  assert.equal(cfg.waivers[0].expires, '2027-01-31');
  assert.equal(cfg.config_backup_max_age_days, 7);
});

test('an empty file means defaults', () => {
  const cfg = parseConfig('', 'pvesec.yaml');
  assert.deepEqual(cfg.admin_sources, []);
});

const bad: [string, RegExp][] = [
  ['admin_user: [alice]\n', /pvesec\.yaml:1: \(top level\): unknown key\(s\) "admin_user"/],
  ['admin_sources: [10.0.0.0/33]\n', /admin_sources\.0: must be an IP address or CIDR/],
  ['admin_sources: [pve.example.com]\n', /admin_sources\.0/],
  ['waivers:\n  - { id: SSH-06 }\n', /waivers\.0\.reason/],
  ['waivers:\n  - { id: ssh6, reason: x }\n', /waivers\.0\.id: must be a control id/],
  ['waivers:\n  - { id: SSH-06, reason: x, expires: 2027-13-45 }\n', /waivers\.0\.expires: is not a valid date/],
  ['waivers:\n  - { id: SSH-06, reason: x, until: 2027-01-01 }\n', /waivers\.0: unknown key\(s\) "until"/],
  ['expected_ports:\n  - { port: 70000 }\n', /expected_ports\.0\.port/],
  ['admin_users: [alice\n', /pvesec\.yaml:\d+: invalid YAML/],
];
for (const [text, re] of bad) {
  test(`rejects ${JSON.stringify(text.trim())}`, () => {
    assert.throws(() => parseConfig(text, 'pvesec.yaml'), (e: unknown) => e instanceof ConfigError && re.test(e.message));
  });
}

test('every wrong key gets its own line', () => {
  try {
    parseConfig('admin_sources: [x]\nwaivers: [{id: SSH-01}]\n', 'c.yaml');
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.message.split('\n').length, 2, e.message);
  }
});
