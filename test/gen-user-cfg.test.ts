import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateUserCfg } from '../scripts/gen-user-cfg.js';
import { parseUserCfg } from '../src/parse/user-cfg.js';

test('the benchmark configuration: deterministic, the announced sizes, nothing dropped by the parser', () => {
  const a = generateUserCfg({ seed: 1 });
  assert.equal(generateUserCfg({ seed: 1 }).text, a.text);
  assert.notEqual(generateUserCfg({ seed: 2 }).text, a.text);
  const { value: cfg, diagnostics } = parseUserCfg(a.text);
  assert.deepEqual(diagnostics, []);
  assert.equal(cfg.users.size, 5001, '5,000 users and root@pam');
  assert.equal(cfg.groups.size, 500);
  assert.equal([...cfg.users.values()].reduce((n, u) => n + u.tokens.size, 0), 2000);
  assert.equal(cfg.pools.size, 200);
  assert.equal(cfg.aclEntries.length, 50000);
  assert.ok([...cfg.users.values()].some((u) => [...u.tokens.values()].some((t) => !t.privsep)), 'some tokens without privilege separation');
});
