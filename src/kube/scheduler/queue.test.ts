import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SchedulingQueue } from './queue.js';
import { ManualClock } from './test-util.js';

const never = new AbortController().signal;
const noJitter = (): number => 0.5;

describe('SchedulingQueue', () => {
  test('higher priority first, then first come', async () => {
    const q = new SchedulingQueue();
    q.add('a', 0);
    q.add('b', 10);
    q.add('c', 0);
    q.add('a', 0);
    assert.equal(q.size, 3);
    assert.deepEqual([await q.pop(never), await q.pop(never), await q.pop(never)], ['b', 'a', 'c']);
  });

  test('a waiting pop gets the next add; abort ends it', async () => {
    const q = new SchedulingQueue();
    const p = q.pop(never);
    q.add('x', 0);
    assert.equal(await p, 'x');
    const ac = new AbortController();
    const w = q.pop(ac.signal);
    ac.abort();
    assert.equal(await w, undefined);
  });

  test('unschedulable pods wait for moveAllToActive, respecting backoff', async () => {
    const clock = new ManualClock();
    const q = new SchedulingQueue({ clock, baseMs: 1000, random: noJitter });
    q.add('p', 0);
    assert.equal(await q.pop(never), 'p');
    q.markUnschedulable('p');
    assert.equal(q.stats().unschedulable, 1);
    clock.advance(2000);
    q.moveAllToActive();
    assert.equal(q.stats().active, 1, 'backoff already over');
    assert.equal(await q.pop(never), 'p');
    q.markUnschedulable('p');
    q.moveAllToActive();
    assert.equal(q.stats().backoff, 1, 'second failure: 2 s backoff');
    clock.advance(2000);
    assert.equal(await q.pop(never), 'p');
  });

  test('a move during the attempt sends the pod to backoff, not unschedulable', async () => {
    const clock = new ManualClock();
    const q = new SchedulingQueue({ clock, baseMs: 100, random: noJitter });
    q.add('p', 0);
    await q.pop(never);
    q.moveAllToActive();
    q.markUnschedulable('p');
    assert.equal(q.stats().backoff, 1);
    clock.advance(100);
    assert.equal(q.stats().active, 1);
  });

  test('unschedulable pods are flushed after the timeout; delete forgets', async () => {
    const clock = new ManualClock();
    const q = new SchedulingQueue({ clock, unschedulableTimeoutMs: 1000 });
    q.add('p', 0);
    q.add('gone', 0);
    await q.pop(never);
    q.markUnschedulable('p');
    q.delete('gone');
    clock.advance(1000);
    assert.equal(q.stats().active, 1);
    assert.equal(await q.pop(never), 'p');
    q.close();
    assert.equal(await q.pop(never), undefined);
  });
});
