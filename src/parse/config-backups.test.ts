import { test } from 'node:test';
import assert from 'node:assert/strict';
import { archiveContains, parseConfigBackups } from './config-backups.js';
import { ParseError } from './diagnostics.js';

test('config-backups: newest archive and its members', () => {
  const { value } = parseConfigBackups(`1764000000 48213 /root/pve-config-2026-11-24.tar.gz
etc/pve/
etc/pve/user.cfg
etc/pve/nodes/pve1/config
./etc/ssh/sshd_config
etc/apt/sources.list.d/debian.sources
etc/network/interfaces
`);
  assert.equal(value?.mtime, 1764000000);
  assert.equal(value?.size, 48213);
  assert.equal(value?.path, '/root/pve-config-2026-11-24.tar.gz');
  assert.equal(value?.members.length, 6);
  assert.ok(archiveContains(value!, 'etc/pve'));
  assert.ok(archiveContains(value!, 'etc/ssh'));
  assert.ok(archiveContains(value!, 'etc/apt'));
  assert.ok(!archiveContains(value!, 'etc/pvesomething'));
  assert.ok(!archiveContains(value!, 'root'));
});

test('config-backups: empty output means none; garbage first line is a ParseError', () => {
  assert.equal(parseConfigBackups('').value, undefined);
  assert.equal(parseConfigBackups('\n').value, undefined);
  assert.throws(() => parseConfigBackups('tar: error\n'), ParseError);
});
