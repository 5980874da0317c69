import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONTROL_IDS, idMatches } from './ids.js';
import { ALL_CHECKS, idMatches as registryIdMatches } from './registry.js';

test('CONTROL_IDS is the registry\'s catalogue, in its order (add a new control\'s id to src/checks/ids.ts)', () => {
  assert.deepEqual([...CONTROL_IDS], ALL_CHECKS.map((c) => c.meta.id));
});

test('idMatches: exact ids, wildcards, case-insensitive; the registry exports the same function', () => {
  assert.equal(registryIdMatches, idMatches);
  assert.ok(idMatches('SSH-02', ['ssh-02']));
  assert.ok(idMatches('SSH-02', ['FW-*', 'SSH-*']));
  assert.ok(idMatches('FW-01', ['*-01']));
  assert.ok(!idMatches('SSH-02', ['SSH-0']));
  assert.ok(!idMatches('SSH-02', ['SSH.02']));
});
