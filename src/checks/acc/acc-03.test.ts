import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertCases, runCheck } from '../testing.js';
import { acc03 } from './acc-03.js';
import { accNode, GOOD_HOMES, pubkey } from './testing.js';

test('ACC-03 admin keys and permissions', () => {
  assertCases(acc03, [
    { name: 'strict homes', node: accNode(GOOD_HOMES), expect: ['PASS', 'PASS'], message: 'bob: 2 key(s), ~/.ssh 0700, authorized_keys 0600, home 0750' },
    { name: 'alice has no key file', node: accNode({ ...GOOD_HOMES, alice: { uid: 1000 } }), expect: ['FAIL', 'PASS'], message: 'alice: no authorized key (/home/alice/.ssh/authorized_keys, /home/alice/.ssh/authorized_keys2)' },
    { name: 'world-readable authorized_keys and .ssh', node: accNode({ ...GOOD_HOMES, alice: { uid: 1000, ssh: 0o755, keys: [pubkey('ed25519')], keysMode: 0o644 } }), expect: ['FAIL', 'PASS'], message: '/home/alice/.ssh is 0755 (want 0700); /home/alice/.ssh/authorized_keys is 0644' },
    { name: 'group-writable home', node: accNode({ ...GOOD_HOMES, bob: { uid: 1001, home: 0o775, keys: [pubkey('ed25519')] } }), expect: ['PASS', 'FAIL'], message: 'home /home/bob is group/world-writable (0775)' },
    { name: 'authorized_keys owned by root', node: accNode({ ...GOOD_HOMES, bob: { uid: 1001, keys: [pubkey('ed25519')], keysUid: 0 } }), expect: ['PASS', 'FAIL'], message: 'owned by uid 0' },
    {
      name: 'AuthorizedKeysFile points elsewhere',
      node: accNode({ alice: { uid: 1000, ssh: null }, bob: GOOD_HOMES.bob }, {
        files: { '/etc/ssh/authorized_keys/alice': { content: pubkey('ed25519') + '\n', mode: 0o644, uid: 0 } },
        commands: { 'sshd -T': 'port 22\npermitrootlogin without-password\nauthorizedkeysfile /etc/ssh/authorized_keys/%u\n' },
      }),
      // bob's file under /etc/ssh/authorized_keys was never collected: unknown, not "no key".
      expect: ['FAIL', 'SKIP'], message: '/etc/ssh/authorized_keys/alice is 0644',
    },
    { name: 'home not collected', node: accNode({ bob: GOOD_HOMES.bob }), expect: ['SKIP', 'PASS'], message: 'alice: /home/alice is not in the bundle' },
    { name: 'accounts not collected', node: {}, expect: 'SKIP' },
  ]);
});

test('ACC-03 as a user without sudo: unreadable ~/.ssh is SKIP, never a missing key', () => {
  const node = accNode({ bob: { uid: 1001, ssh: null } }, {
    errors: { '/home/bob/.ssh': 'permission denied', '/home/bob/.ssh/authorized_keys': 'permission denied' },
    dirs: { '/home/alice': { mode: 0o700, uid: 1000 } },
  });
  node.errors!['/home/alice/.ssh/authorized_keys'] = 'permission denied';
  assertCases(acc03, [{ name: 'unreadable', node, expect: ['SKIP', 'SKIP'], message: 'bob: /home/bob/.ssh: permission denied' }]);
});

test('ACC-03: an AuthorizedKeysFile outside ~/.ssh that was not collected is SKIP, not "no key"', async () => {
  const findings = runCheck(acc03, {
    node: {
      files: {
        '/etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n',
        '/etc/group': 'root:x:0:\nsudo:x:27:alice\nalice:x:1000:\n',
        '/etc/sudoers': '%sudo ALL=(ALL:ALL) ALL\n',
      },
      dirs: { '/home/alice': { mode: 0o750, uid: 1000, gid: 1000 }, '/home/alice/.ssh': { mode: 0o700, uid: 1000, gid: 1000 } },
      commands: { 'sshd -T': 'port 22\nauthorizedkeysfile /etc/ssh/keys/%u\npubkeyauthentication yes\n' },
    },
  });
  assert.deepEqual(findings.map((f) => f.status), ['SKIP'], findings.map((f) => f.message).join('|'));
  assert.match(findings[0].message, /\/etc\/ssh\/keys\/alice: outside \/home\/alice\/.ssh, not collected/);
});
