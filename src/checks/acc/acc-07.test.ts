import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertCases, runCheck } from '../testing.js';
import { acc07 } from './acc-07.js';

const HASH = '$y$j9T$Jf3xZr2M0kq6b5m1nS7tP/$3q0pQkz9oD1aWv4h2JbC0yXQ5n6r7s8t9uVwXyZaBcD';
// As collected (hashes replaced by markers) and as in a raw backup (real hashes).
const COLLECTED = 'root:x:20412:0:99999:7:::\ndaemon:*:20412:0:99999:7:::\nalice:x:20413:0:99999:7:::\nbob:!:20413:0:99999:7:::\n';
const RAW_EMPTY = `root:${HASH}:20412:0:99999:7:::\ndaemon:*:20412:0:99999:7:::\nmallory::20413:0:99999:7:::\n`;

test('ACC-07 empty password fields', () => {
  assertCases(acc07, [
    { name: 'collected, none empty', node: { files: { '/etc/shadow': COLLECTED } }, expect: 'PASS', message: 'none of the 4 accounts' },
    { name: 'raw shadow with an empty field', node: { files: { '/etc/shadow': RAW_EMPTY } }, expect: 'FAIL', message: 'empty password field: mallory' },
    { name: 'not readable as a normal user', node: { errors: { '/etc/shadow': 'permission denied' } }, expect: 'SKIP', message: '/etc/shadow: permission denied' },
  ]);
});

test('ACC-07 never shows a hash', () => {
  const findings = runCheck(acc07, { node: { files: { '/etc/shadow': RAW_EMPTY } } });
  assert.ok(!JSON.stringify(findings).includes('$y$'));
  assert.deepEqual(findings[0].evidence, [{ source: '/etc/shadow', line: 3, text: 'mallory: empty password field' }]);
});
