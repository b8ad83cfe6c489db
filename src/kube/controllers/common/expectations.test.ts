import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Clock } from '../../../base/index.js';
import { Expectations } from './expectations.js';

function manualClock(): Clock & { t: number } {
  const c = { t: 0, now: () => c.t, setTimeout: () => ({ cancel: () => undefined }) };
  return c;
}

test('expectations hold the controller back until creations and deletions are observed, or expire', () => {
  const clock = manualClock();
  const e = new Expectations(clock, 1000);
  assert.equal(e.satisfied('ns/a'), true, 'nothing expected');
  e.expectCreations('ns/a', 2);
  e.expectDeletion('ns/a', 'uid-1');
  assert.equal(e.satisfied('ns/a'), false);
  e.creationObserved('ns/a');
  e.creationObserved('ns/a');
  assert.equal(e.satisfied('ns/a'), false, 'deletion still outstanding');
  e.deletionObserved('ns/a', 'uid-1');
  assert.equal(e.satisfied('ns/a'), true);

  e.expectCreations('ns/b', 1);
  clock.t = 999;
  assert.equal(e.satisfied('ns/b'), false);
  clock.t = 1001;
  assert.equal(e.satisfied('ns/b'), true, 'a lost event does not block forever');
  e.creationObserved('ns/b'); // late: harmless
  assert.equal(e.satisfied('ns/b'), true);
});
