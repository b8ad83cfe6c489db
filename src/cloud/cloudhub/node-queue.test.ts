import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeClock } from '../../beehive/index.js';
import { NodeQueue, type AckItem } from './node-queue.js';

function item(uid: string, rv: string, msgId = `${uid}-${rv}`, isDelete = false): AckItem {
  return { uid, namespace: 'default', resourceType: 'pod', name: uid, msgId, text: msgId, resourceVersion: rv, isDelete, content: null };
}

function setup(window = 10) {
  const clock = createFakeClock(0);
  const written: string[] = [];
  let resends = 0;
  const q = new NodeQueue({ clock, resendMs: 5000, maxResends: 4, window, maxNoAck: 100, onResend: () => resends++, onWritten: () => undefined });
  const writer = async (text: string): Promise<void> => {
    written.push(text);
  };
  return { clock, q, written, writer, resends: () => resends };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

test('offline: a newer version replaces the queued one in place; older or equal versions are stale', async () => {
  const { q, written, writer } = setup();
  assert.equal(q.enqueueAck(item('a', '5')), 'queued');
  assert.equal(q.enqueueAck(item('b', '6')), 'queued');
  assert.equal(q.enqueueAck(item('a', '7')), 'replaced');
  assert.equal(q.enqueueAck(item('a', '7', 'dup')), 'stale');
  assert.equal(q.enqueueAck(item('a', '3')), 'stale');
  assert.equal(q.enqueueNoAck('reply'), false, 'replies to an offline node are dropped');
  assert.equal(q.pendingCount, 2);
  q.attach(writer);
  await settle();
  assert.deepEqual(written, ['a-7', 'b-6']);
  assert.equal(q.inFlightCount, 2);
});

test('one in-flight message per UID; the next version goes out after the ACK', async () => {
  const { q, written, writer } = setup();
  q.attach(writer);
  q.enqueueAck(item('a', '1'));
  await settle();
  q.enqueueAck(item('a', '2'));
  await settle();
  assert.deepEqual(written, ['a-1']);
  assert.equal(q.ack('nope'), undefined);
  assert.equal(q.ack('a-1')?.resourceVersion, '1');
  await settle();
  assert.deepEqual(written, ['a-1', 'a-2']);
  assert.equal(q.ack('a-1'), undefined, 'a second ACK is not an ACK');
});

test('a delete always queues and replaces; after a queued delete, updates are stale', async () => {
  const { q } = setup();
  q.enqueueAck(item('a', '9'));
  assert.equal(q.enqueueAck(item('a', '1', 'del', true)), 'replaced');
  assert.equal(q.enqueueAck(item('a', '10')), 'stale');
});

test('resend every interval; after 4 resends the message goes to the back of the queue', async () => {
  const { q, written, writer, clock, resends } = setup(1);
  q.attach(writer);
  q.enqueueAck(item('a', '1'));
  q.enqueueAck(item('b', '1'));
  await settle();
  assert.deepEqual(written, ['a-1']);
  for (let i = 1; i <= 4; i++) {
    await clock.advance(5000);
    assert.equal(written.filter((w) => w === 'a-1').length, 1 + i);
  }
  assert.equal(resends(), 4);
  await clock.advance(5000);
  // a went back to the end; b (waiting behind the window) goes out
  assert.deepEqual(written.slice(-1), ['b-1']);
  assert.equal(q.pendingCount, 1);
  assert.ok(q.ack('b-1'));
  await settle();
  assert.deepEqual(written.slice(-1), ['a-1']);
});

test('a late ACK for a message back in the queue still counts', async () => {
  const { q, written, writer } = setup();
  q.attach(writer);
  q.enqueueAck(item('a', '1'));
  await settle();
  q.detach();
  assert.equal(q.pendingCount, 1);
  assert.equal(q.ack('a-1')?.uid, 'a');
  assert.equal(q.pendingCount, 0);
  q.attach(writer);
  await settle();
  assert.deepEqual(written, ['a-1']);
});

test('detach puts in-flight messages back at the front and drops replies', async () => {
  const { q, written, writer } = setup();
  q.attach(writer);
  q.enqueueAck(item('a', '1'));
  await settle();
  q.detach();
  q.enqueueAck(item('b', '1'));
  assert.equal(q.enqueueNoAck('r'), false);
  assert.equal(q.pendingCount, 2);
  q.attach(writer);
  await settle();
  assert.deepEqual(written, ['a-1', 'a-1', 'b-1']);
});

test('replies go before ACK messages', async () => {
  const { q, written, writer } = setup();
  q.enqueueAck(item('a', '1'));
  let release: () => void = () => undefined;
  let first = true;
  q.attach(async (t) => {
    if (first) {
      first = false;
      await new Promise<void>((r) => (release = r));
    }
    await writer(t);
  });
  q.enqueueAck(item('b', '1'));
  assert.equal(q.enqueueNoAck('reply'), true);
  release();
  await settle();
  assert.deepEqual(written, ['a-1', 'reply', 'b-1']);
});

function unassign(uid: string, rv: string, msgId = `${uid}-unassign-${rv}`): AckItem {
  return { ...item(uid, rv, msgId, true), unassign: true };
}

test('a re-insert replaces a queued unassign delete; an older version is still stale', async () => {
  const { q, written, writer } = setup();
  q.enqueueAck(item('cm', '5'));
  assert.equal(q.enqueueAck(unassign('cm', '5')), 'replaced');
  assert.equal(q.unassignPending('cm'), true);
  assert.equal(q.enqueueAck(item('cm', '4')), 'stale');
  assert.equal(q.enqueueAck(item('cm', '5', 'cm-again')), 'replaced', 'the same version comes back after an unassign');
  assert.equal(q.unassignPending('cm'), false);
  q.attach(writer);
  await settle();
  assert.deepEqual(written, ['cm-again']);
});

test('a re-insert waits behind an in-flight unassign delete and goes out after its ACK', async () => {
  const { q, written, writer } = setup();
  q.attach(writer);
  q.enqueueAck(unassign('cm', '5'));
  await settle();
  assert.equal(q.unassignPending('cm'), true);
  assert.equal(q.enqueueAck(item('cm', '5', 'cm-again')), 'queued');
  await settle();
  assert.deepEqual(written, ['cm-unassign-5']);
  assert.equal(q.ack('cm-unassign-5')?.unassign, true);
  await settle();
  assert.deepEqual(written, ['cm-unassign-5', 'cm-again']);
});

test('after a delete of a gone object (not an unassign), in flight or queued, inserts stay stale', async () => {
  const { q, writer } = setup();
  q.attach(writer);
  q.enqueueAck(item('a', '1', 'a-del', true));
  await settle();
  assert.equal(q.unassignPending('a'), false);
  assert.equal(q.enqueueAck(item('a', '2')), 'stale');
});

test('offline, the waiting messages are capped in text length: the oldest are dropped and counted', async () => {
  const clock = createFakeClock(0);
  const dropped: string[] = [];
  const q = new NodeQueue({ clock, resendMs: 5000, maxResends: 4, window: 10, maxNoAck: 10, maxOfflineBytes: 10, onResend: () => undefined, onWritten: () => undefined, onDropped: (i) => dropped.push(i.msgId) });
  const big = (uid: string, rv: string): AckItem => ({ ...item(uid, rv), text: `${uid}${rv}`.padEnd(4, '.') });
  q.enqueueAck(big('a', '1'));
  q.enqueueAck(big('b', '1'));
  assert.equal(q.pendingBytes, 8);
  q.enqueueAck(big('a', '2')); // replaces in place: no growth
  assert.equal(q.pendingBytes, 8);
  q.enqueueAck(big('c', '1'));
  assert.deepEqual(dropped, ['a-2'], 'the oldest waiting message went');
  assert.equal(q.pendingBytes, 8);
  assert.equal(q.pendingCount, 2);
  // connected, nothing is dropped
  const written: string[] = [];
  q.attach(async (t) => {
    written.push(t);
  });
  for (const uid of ['d', 'e', 'f', 'g']) q.enqueueAck(big(uid, '1'));
  await settle();
  assert.deepEqual(dropped, ['a-2']);
  assert.equal(written.length, 6);
  assert.equal(q.pendingBytes, 0);
});
