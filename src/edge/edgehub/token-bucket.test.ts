import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeClock } from '../../beehive/index.js';
import { TokenBucket } from './token-bucket.js';

test('the bucket lets a burst through, then delays without refusing', async () => {
  const clock = createFakeClock(1_000);
  const bucket = new TokenBucket(10, 3, clock);
  const signal = new AbortController().signal;
  for (let i = 0; i < 3; i++) await bucket.take(signal);
  let done = false;
  const p = bucket.take(signal).then(() => {
    done = true;
  });
  await clock.advance(50);
  assert.equal(done, false);
  await clock.advance(60);
  await p;
  assert.equal(done, true);
});

test('a waiting take ends when the signal aborts', async () => {
  const clock = createFakeClock();
  const bucket = new TokenBucket(1, 1, clock);
  const ac = new AbortController();
  await bucket.take(ac.signal);
  const p = bucket.take(ac.signal);
  ac.abort(new Error('stop'));
  await assert.rejects(p, /stop/);
});

test('qps 0 disables the limit', () => {
  const bucket = new TokenBucket(0, 0, createFakeClock());
  for (let i = 0; i < 1000; i++) assert.equal(bucket.tryTake(), true);
});
