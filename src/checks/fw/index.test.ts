import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checks } from './index.js';

test('the FW registry lists FW-01..FW-13 once, in order', () => {
  assert.deepEqual(checks.map((c) => c.meta.id), Array.from({ length: 13 }, (_, i) => `FW-${String(i + 1).padStart(2, '0')}`));
  for (const c of checks) {
    assert.equal(c.meta.section, 'FW');
    assert.ok(c.meta.fix.length > 20 && c.meta.rationale.length > 20 && c.meta.reads.length > 0, c.meta.id);
  }
});
