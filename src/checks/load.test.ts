import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadChecks } from './load.js';
import { ALL_CHECKS } from './registry.js';
import { selectChecks } from '../report/filter.js';

test('without patterns: the whole catalogue, the same check objects in catalogue order', async () => {
  const checks = await loadChecks();
  assert.equal(checks.length, ALL_CHECKS.length);
  checks.forEach((c, i) => assert.equal(c, ALL_CHECKS[i], `${c.meta.id} at ${i}`));
  assert.deepEqual(await loadChecks([]), checks);
});

test('with patterns: what selectChecks picks from the whole catalogue, in its order', async () => {
  for (const patterns of [['SSH-*'], ['ssh-02', 'FW-01'], ['*-01'], ['FW-0*', 'BAK-*', 'ACC-07'], ['PVE-1?'], ['NOPE-*'], ['TLS-05', 'ACC-01']]) {
    const ids = (await loadChecks(patterns)).map((c) => c.meta.id);
    assert.deepEqual(ids, selectChecks(ALL_CHECKS, patterns).map((c) => c.meta.id), patterns.join(','));
  }
  assert.deepEqual((await loadChecks(['TLS-05', 'ACC-01'])).map((c) => c.meta.id), ['ACC-01', 'TLS-05']);
});
