import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fail, MAX_FINDINGS_PER_CHECK, VerdictList, warn } from './types.js';

test('VerdictList: count() past the cap gives what add() gives, without building the verdict', () => {
  const status = (i: number): 'WARN' | 'FAIL' => (i % 3 ? 'WARN' : 'FAIL');
  const verdict = (i: number) => (i % 3 ? warn(`w${i}`) : fail(`f${i}`));
  const byAdd = new VerdictList();
  const byCount = new VerdictList();
  let built = 0;
  for (let i = 0; i < MAX_FINDINGS_PER_CHECK + 500; i++) {
    byAdd.add(status(i), () => verdict(i));
    if (byCount.full) byCount.count(status(i));
    else byCount.add(status(i), () => (built++, verdict(i)));
  }
  assert.equal(built, MAX_FINDINGS_PER_CHECK - 1);
  assert.deepEqual(byCount.done(), byAdd.done());
  const last = byCount.done().at(-1)!;
  assert.equal(last.key, 'omitted');
  assert.match(last.message, /^501 more findings not listed \(167 FAIL, 334 WARN\)/);
  assert.throws(() => new VerdictList().count('FAIL'), /not full/);
});
