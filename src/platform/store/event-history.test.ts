import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventHistory } from './event-history.js';
import type { StoreEvent } from './types.js';

function ev(revision: number): StoreEvent {
  return Object.freeze({ type: 'update', key: `/core/configmaps/ns/c${revision}`, value: { r: revision }, revision });
}

describe('EventHistory', () => {
  it('keeps at most `limit` events', () => {
    const h = new EventHistory([], 0);
    for (let r = 1; r <= 10; r++) {
      const to = h.compactionAfterAppend(r, 3, 10);
      h.push(ev(r), 10);
      h.dropUpTo(to);
    }
    assert.equal(h.size, 3);
    assert.equal(h.compactedRevision, 7);
    assert.deepEqual(h.after(0, '/').map((e) => e.revision), [8, 9, 10]);
    assert.equal(h.bytes, 30);
  });

  it('keeps at most `bytesLimit` bytes, dropping the oldest first', () => {
    const h = new EventHistory([], 0);
    for (let r = 1; r <= 5; r++) {
      const to = h.compactionAfterAppend(r, 100, 40, 100);
      h.push(ev(r), 40);
      h.dropUpTo(to);
    }
    assert.deepEqual(h.after(0, '/').map((e) => e.revision), [4, 5]);
    assert.equal(h.bytes, 80);
  });

  it('drops an event that alone is over the byte budget', () => {
    const h = new EventHistory([], 0);
    h.push(ev(1), 10);
    const to = h.compactionAfterAppend(2, 100, 500, 100);
    assert.equal(to, 2);
    h.push(ev(2), 500);
    h.dropUpTo(to);
    assert.equal(h.size, 0);
    assert.equal(h.bytes, 0);
    assert.equal(h.compactedRevision, 2);
  });
});
