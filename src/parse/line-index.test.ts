import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineLocator } from './line-index.js';

test('lineLocator numbers lines from 1; a newline belongs to the line it ends', () => {
  const text = 'ab\ncd\n\nef';
  const lineOf = lineLocator(text);
  const naive = (o: number) => text.slice(0, o).split('\n').length;
  for (let o = 0; o <= text.length; o++) assert.equal(lineOf(o), naive(o), `offset ${o}`);
  assert.equal(lineLocator('')(0), 1);
});
