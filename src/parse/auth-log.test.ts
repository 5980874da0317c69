import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countBySource, parseAuthLog } from './auth-log.js';

const LOG = `-- Journal begins at Mon 2026-11-16 08:00:01 UTC, ends at Wed 2026-11-25 11:59:40 UTC. --
Nov 25 10:00:01 pve1 sshd[2101]: Invalid user admin from 203.0.113.7 port 40122
Nov 25 10:00:03 pve1 sshd[2101]: pam_unix(sshd:auth): check pass; user unknown
Nov 25 10:00:03 pve1 sshd[2101]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7
Nov 25 10:00:05 pve1 sshd[2101]: Failed password for invalid user admin from 203.0.113.7 port 40122 ssh2
Nov 25 10:00:09 pve1 sshd[2101]: Failed password for invalid user admin from 203.0.113.7 port 40122 ssh2
Nov 25 10:01:00 pve1 sshd[2150]: Failed password for invalid user Summer2026! from 203.0.113.7 port 40200 ssh2
Nov 25 10:02:00 pve1 sshd[2190]: Connection closed by authenticating user root 198.51.100.4 port 51000 [preauth]
Nov 25 10:03:00 pve1 pvedaemon[1187]: authentication failure; rhost=::ffff:192.0.2.10 user=root@pam msg=Authentication failure
Nov 25 10:03:30 pve1 pvedaemon[1188]: authentication failure; rhost=::ffff:192.0.2.10 user=hunter2 msg=no such user ('hunter2@pam')
Nov 25 10:04:00 pve1 sshd[2201]: Accepted publickey for root from 10.77.0.2 port 50000 ssh2: ED25519 SHA256:abc
2026-11-25T10:05:00.123456+00:00 pve1 sshd-session[2300]: Failed publickey for alice from 2001:db8::7 port 50210 ssh2: ED25519 SHA256:xyz
`;

test('counts one failure per attempt, deduplicating secondary lines of the same sshd process', () => {
  const { value } = parseAuthLog(LOG);
  assert.equal(value.failures.length, 7);
  const counts = countBySource(value.failures);
  assert.deepEqual(counts.map((c) => [c.source, c.total, c.byService.ssh, c.byService.web]), [
    ['203.0.113.7', 3, 3, 0], ['192.0.2.10', 2, 0, 2], ['198.51.100.4', 1, 1, 0], ['2001:db8::7', 1, 1, 0],
  ]);
  assert.equal(value.first, 'Nov 25 10:00:05');
  assert.equal(value.last, '2026-11-25T10:05:00.123456+00:00');
});

test('never keeps something that looks like a typed password as a user name', () => {
  const { value } = parseAuthLog(LOG);
  const users = value.failures.map((f) => f.user);
  assert.ok(users.includes('admin') && users.includes('root@pam') && users.includes('alice'));
  assert.ok(!JSON.stringify(value).includes('Summer2026'));
  assert.ok(!JSON.stringify(value).includes('hunter2'));
});

test('without a Failed line, a process counts once (pubkey-only servers)', () => {
  const { value } = parseAuthLog('Nov 25 10:00:01 pve1 sshd[9]: Invalid user oracle from 203.0.113.9 port 1\nNov 25 10:00:01 pve1 sshd[9]: Connection closed by invalid user oracle 203.0.113.9 port 1 [preauth]\n');
  assert.equal(value.failures.length, 1);
  assert.equal(value.failures[0].kind, 'invalid-user');
  assert.equal(parseAuthLog('garbage\n').value.ignored, 1);
});

test('real Debian 12 auth.log (sshd 9.2, RFC 3339 timestamps) as the collector greps it', async () => {
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(new URL('../../test/fixtures/system/auth-failures.bookworm', import.meta.url));
  const { value } = parseAuthLog(text);
  // pid 86, 88, 90: one each (no Failed line); pid 99: two passwords; pid 101: one password
  assert.deepEqual(value.failures.map((f) => f.kind), ['invalid-user', 'closed-preauth', 'invalid-user', 'failed', 'failed', 'failed']);
  assert.deepEqual(countBySource(value.failures).map((c) => [c.source, c.total]), [['10.77.0.46', 6]]);
  assert.equal(value.ignored, 0);
  assert.ok(!JSON.stringify(value).includes('Pa55w0rd'));
});

test('maximum attempts and Disconnected lines are secondary', () => {
  const { value } = parseAuthLog([
    'Nov 25 10:00:01 pve1 sshd[7]: error: maximum authentication attempts exceeded for root from 203.0.113.5 port 4000 ssh2 [preauth]',
    'Nov 25 10:00:01 pve1 sshd[7]: Disconnected from authenticating user root 203.0.113.5 port 4000 [preauth]',
  ].join('\n'));
  assert.equal(value.failures.length, 1);
});
