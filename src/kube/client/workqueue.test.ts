import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock, flushMicrotasks } from './test-util.js';
import { runWorkers, WorkQueue } from './workqueue.js';

const noJitter = (): number => 0.5; // backoff() with random 0.5 is exactly base * 2^n

describe('WorkQueue', () => {
  test('deduplicates keys and hands them out in order', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.len(), 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(q.len(), 0);
    assert.equal(q.processing, 2);
  });

  test('a key added while processing is queued again after done, once', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    const k = await q.get();
    assert.equal(k, 'a');
    q.add('a');
    q.add('a');
    assert.equal(q.len(), 0, 'not handed out while a worker holds it');
    q.done('a');
    assert.equal(q.len(), 1);
    assert.equal(await q.get(), 'a');
    q.done('a');
    assert.equal(q.len(), 0);
  });

  test('a waiting get() receives the next added key', async () => {
    const q = new WorkQueue<string>();
    const p = q.get();
    q.add('x');
    assert.equal(await p, 'x');
    assert.equal(q.processing, 1);
  });

  test('addAfter fires on the clock and keeps the earlier of two times', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock });
    q.addAfter('a', 100);
    q.addAfter('a', 500);
    assert.deepEqual(clock.delays(), [100]);
    q.addAfter('a', 50);
    assert.deepEqual(clock.delays(), [50]);
    clock.advance(49);
    assert.equal(q.len(), 0);
    clock.advance(1);
    assert.equal(q.len(), 1);
    assert.equal(q.delayed, 0);
  });

  test('addRateLimited backs off exponentially per key until forget', () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock, random: noJitter, baseMs: 10, maxMs: 1000 });
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      q.addRateLimited('a');
      delays.push(clock.delays()[0] ?? -1);
      clock.advance(delays[delays.length - 1] ?? 0);
      assert.equal(q.len(), 1);
      void q.get();
      q.done('a');
    }
    assert.deepEqual(delays, [10, 20, 40, 80, 160, 320, 640, 1000]);
    assert.equal(q.numRequeues('a'), 8);
    q.forget('a');
    assert.equal(q.numRequeues('a'), 0);
    q.addRateLimited('a');
    assert.deepEqual(clock.delays(), [10]);
  });

  test('rate limits are per key and jittered within ±20%', () => {
    const clock = new FakeClock();
    let r = 0;
    const q = new WorkQueue<string>({ clock, random: () => (r++ % 2 === 0 ? 0 : 0.999999), baseMs: 100 });
    q.addRateLimited('a');
    q.addRateLimited('b');
    const [lo, hi] = clock.delays();
    assert.ok(lo !== undefined && lo >= 80 && lo <= 81, String(lo));
    assert.ok(hi !== undefined && hi >= 119 && hi <= 120, String(hi));
  });

  test('shutDown: waiting and later gets answer undefined; adds are ignored; timers are cancelled', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock });
    const waiting = q.get();
    q.addAfter('later', 100);
    q.shutDown();
    assert.equal(await waiting, undefined);
    assert.equal(await q.get(), undefined);
    q.add('x');
    assert.equal(q.len(), 0);
    assert.equal(clock.pending, 0);
  });

  test('get() answers undefined when its signal aborts', async () => {
    const q = new WorkQueue<string>();
    const ac = new AbortController();
    const p = q.get(ac.signal);
    ac.abort();
    assert.equal(await p, undefined);
    q.add('a');
    assert.equal(q.len(), 1, 'the aborted waiter does not swallow the key');
  });
});

describe('runWorkers', () => {
  test('processes keys, re-queues failures with backoff and forgets successes', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock, random: noJitter, baseMs: 10 });
    const ac = new AbortController();
    const seen: string[] = [];
    let failOnce = true;
    const errors: string[] = [];
    const run = runWorkers(
      q,
      2,
      (key) => {
        seen.push(key);
        if (key === 'bad' && failOnce) {
          failOnce = false;
          throw new Error('boom');
        }
      },
      ac.signal,
      { onError: (key) => errors.push(key) },
    );
    q.add('a');
    q.add('bad');
    await flushMicrotasks();
    assert.deepEqual(seen.sort(), ['a', 'bad']);
    assert.deepEqual(errors, ['bad']);
    assert.equal(q.numRequeues('bad'), 1);
    assert.deepEqual(clock.delays(), [10]);
    clock.advance(10);
    await flushMicrotasks();
    assert.deepEqual(seen.filter((k) => k === 'bad').length, 2);
    assert.equal(q.numRequeues('bad'), 0, 'forgotten after success');
    ac.abort();
    await run;
  });

  test('maxRetries gives up on a key', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock, random: noJitter, baseMs: 1 });
    const ac = new AbortController();
    let calls = 0;
    const run = runWorkers(
      q,
      1,
      () => {
        calls++;
        throw new Error('always');
      },
      ac.signal,
      { maxRetries: 2 },
    );
    q.add('k');
    for (let i = 0; i < 5; i++) {
      await flushMicrotasks();
      clock.advance(100);
    }
    await flushMicrotasks();
    assert.equal(calls, 3);
    assert.equal(clock.pending, 0);
    q.shutDown();
    await run;
  });
});
