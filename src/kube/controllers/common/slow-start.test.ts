import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slowStartBatch } from './slow-start.js';

test('slowStartBatch grows batches 1, 2, 4 and stops after a failing batch', async () => {
  const calls: number[] = [];
  const ok = await slowStartBatch(7, async (i) => {
    calls.push(i);
  });
  assert.deepEqual(ok, { done: 7, skipped: 0, error: undefined });
  assert.equal(calls.length, 7);
  const failing = await slowStartBatch(10, async (i) => {
    if (i === 1) throw new Error('quota');
  });
  assert.equal(failing.done, 2, 'batch 1 (i=0) and the rest of batch 2 (i=2)');
  assert.equal(failing.skipped, 7);
  assert.ok(failing.error instanceof Error);
});
