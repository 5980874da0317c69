import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseShadow, passwordState } from './shadow.js';

// A real yescrypt hash (of a throwaway password) as Debian 12/13 writes it.
const HASH = '$y$j9T$Jf3xZr2M0kq6b5m1nS7tP/$3q0pQkz9oD1aWv4h2JbC0yXQ5n6r7s8t9uVwXyZaBcD';

test('shadow keeps only the password state, never the hash', () => {
  const text = [
    'root:' + HASH + ':20412:0:99999:7:::',
    'daemon:*:20412:0:99999:7:::',
    'alice:x:20413:0:99999:7:::',
    'bob:!' + HASH + ':20413:0:99999:7:::',
    'mallory::20413:0:99999:7:::',
    'svc:!:20413::::::',
    'legacy:abcdefghijklm:20413:0:99999:7:::',
  ].join('\n') + '\n';
  const { value, diagnostics } = parseShadow(text);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(value.map((e) => `${e.name}=${e.state}@${e.line}`), [
    'root=set@1', 'daemon=nologin@2', 'alice=set@3', 'bob=locked@4', 'mallory=empty@5', 'svc=locked@6', 'legacy=set@7',
  ]);
  assert.ok(!JSON.stringify(value).includes('$y$'));
});

test('shadow diagnostics never quote the line (it may hold a hash)', () => {
  const { value, diagnostics } = parseShadow('broken' + HASH + '\nshort:' + HASH + '\n');
  assert.equal(value.length, 1);
  assert.equal(value[0].state, 'set');
  assert.equal(diagnostics.length, 2);
  assert.ok(diagnostics.every((d) => !d.message.includes('$y$')));
  assert.equal(passwordState('!!'), 'locked');
  assert.equal(passwordState('*LK*'), 'nologin');
});
