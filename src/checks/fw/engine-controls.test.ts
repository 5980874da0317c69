import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertCases } from '../testing.js';
import { fw04, fw05, fw06, fw07, fw13 } from './engine-controls.js';
import { checks } from './index.js';
import { pveNode } from '../../../test/fixtures/netfilter/helpers.js';

test('FW-04..07 and FW-13 wait for the firewall engine', () => {
  for (const c of [fw04, fw05, fw06, fw07, fw13]) assertCases(c, [{ name: 'any node', node: pveNode(), expect: 'SKIP', message: 'needs the firewall engine' }]);
});

test('the FW registry lists FW-01..FW-13 once, in order', () => {
  assert.deepEqual(checks.map((c) => c.meta.id), Array.from({ length: 13 }, (_, i) => `FW-${String(i + 1).padStart(2, '0')}`));
  for (const c of checks) {
    assert.equal(c.meta.section, 'FW');
    assert.ok(c.meta.fix.length > 20 && c.meta.rationale.length > 20 && c.meta.reads.length > 0, c.meta.id);
  }
});
