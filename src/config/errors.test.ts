import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from './load.js';

// pvesec.yaml errors: `file:line: key.path: <the schema's own words>`, one line per problem.
const CONFIG = `# site configuration
admin_users:
  - alice
  - name: bob
    shell: 3
admin_sources:
  - 10.0.0.0/24
  - 10.0.0.0/33
expected_ports:
  - port: 9100
  - port: 70000
    proto: sctp
waivers:
  - id: SSH-06
    node: pve2
  - id: KRN-*
    reason: tracked in OPS-12
    until: 2027-01-01
config_backup_max_age_days: 0
access_matrix: 3
`;

test('every problem names its line and says what is wrong in the schema\'s words', () => {
  assert.throws(() => parseConfig(CONFIG, 'pvesec.yaml'), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.deepEqual(e.message.split('\n'), [
      'pvesec.yaml:5: admin_users.1.shell: must be the absolute path of a login shell (/bin/bash)',
      'pvesec.yaml:8: admin_sources.1: must be an IP address or CIDR (10.0.0.0/24, fd00::/64)',
      'pvesec.yaml:11: expected_ports.1.port: an expected port needs a port number from 1 to 65535',
      'pvesec.yaml:12: expected_ports.1.proto: must be tcp or udp',
      'pvesec.yaml:14: waivers.0.reason: a waiver needs a reason',
      'pvesec.yaml:18: waivers.1: unknown key(s) "until"',
      'pvesec.yaml:19: config_backup_max_age_days: must be a whole number of days, at least 1',
      'pvesec.yaml:20: access_matrix: must be the path of an access matrix file (access-matrix.yaml)',
    ]);
    return true;
  });
});

// zod's generic phrasing ("Invalid input: expected string, received undefined", "Too big: ...").
const VALIDATOR_WORDS = /Invalid (input|option)|expected \w+, received|Too (big|small)|expected number to be/;
const wrong: string[] = [
  'admin_users: alice\n', 'admin_users: [3]\n', 'admin_users:\n  - { shell: /bin/bash }\n', 'admin_users:\n  - { name: bob, authorized_keys: x }\n',
  'admin_users:\n  - { name: bob, authorized_keys: [3] }\n', 'root_login: 3\n', 'admin_sources: 3\n', 'admin_sources: [3]\n',
  'non_admin_networks: {a: 1}\n', 'expected_ports: [22]\n', 'expected_ports:\n  - {}\n', 'expected_ports:\n  - { port: "22" }\n',
  'expected_ports:\n  - { port: 22.5 }\n', 'expected_ports:\n  - { port: 22, process: 1, reason: 2 }\n', 'waivers: {}\n', 'waivers: [3]\n',
  'waivers:\n  - { reason: x }\n', 'waivers:\n  - { id: 3, reason: x }\n', 'waivers:\n  - { id: SSH-01, reason: 3 }\n',
  'waivers:\n  - { id: SSH-01, reason: x, node: 3 }\n', 'waivers:\n  - { id: SSH-01, reason: x, expires: 20270101 }\n',
  'config_backup_glob: 3\n', 'config_backup_glob: ""\n', 'config_backup_max_age_days: "7"\n', 'config_backup_max_age_days: 1.5\n',
  'access_matrix: ""\n', '- a\n', 'just text\n',
];
for (const text of wrong) {
  test(`in the schema's words, with a line: ${JSON.stringify(text.trim())}`, () => {
    assert.throws(() => parseConfig(text, 'pvesec.yaml'), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      for (const line of e.message.split('\n')) {
        assert.match(line, /^pvesec\.yaml:\d+: /, line);
        assert.ok(!VALIDATOR_WORDS.test(line), line);
      }
      return true;
    });
  });
}
