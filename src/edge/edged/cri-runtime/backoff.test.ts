import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BackoffTracker } from './backoff.js';

const policy = { initialMs: 10_000, maxMs: 40_000, resetAfterMs: 600_000 };

test('CrashLoopBackOff: first restart at once, then 10 s doubling to the maximum, counted from the exit', () => {
  const b = new BackoffTracker(policy);
  assert.equal(b.restartWait('p/c', 0, 1_000, 1_000), 0);
  // crashed again at 2 s: 10 s window from the exit
  assert.equal(b.restartWait('p/c', 1_000, 2_000, 2_500), 9_500);
  assert.equal(b.restartWait('p/c', 1_000, 2_000, 12_000), 0);
  assert.equal(b.delay('p/c'), 20_000);
  assert.equal(b.restartWait('p/c', 12_000, 13_000, 13_000), 20_000);
  assert.equal(b.restartWait('p/c', 12_000, 13_000, 33_000), 0);
  assert.equal(b.restartWait('p/c', 33_000, 34_000, 74_000), 0);
  assert.equal(b.delay('p/c'), 40_000, 'capped at the maximum');
  assert.equal(b.restartWait('other', 0, 5, 5), 0, 'keys are independent');
});

test('a container that ran long enough starts over; idle entries are collected', () => {
  const b = new BackoffTracker(policy);
  b.restartWait('k', 0, 1, 1);
  b.restartWait('k', 1, 2, 20_000);
  assert.equal(b.delay('k'), 20_000);
  assert.equal(b.restartWait('k', 30_000, 30_000 + 600_000, 630_000), 0);
  assert.equal(b.delay('k'), 10_000);
  b.gc(630_000 + 2 * 40_000 + 1);
  assert.equal(b.delay('k'), 0);
});

test('pull backoff: next/inBackoffSince and prefix reset', () => {
  const b = new BackoffTracker(policy);
  b.next('pull/u1/img', 100);
  assert.equal(b.inBackoffSince('pull/u1/img', 100, 5_000), true);
  assert.equal(b.inBackoffSince('pull/u1/img', 100, 10_100), false);
  b.resetPrefix('pull/u1/');
  assert.equal(b.lastUpdate('pull/u1/img'), undefined);
});
