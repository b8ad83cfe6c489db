import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deferred } from '../../base/index.js';
import { KeyedChain, orderKey } from './keyed-chain.js';

test('tasks of one key run in order; other keys do not wait; keys are forgotten when done', async () => {
  const chain = new KeyedChain();
  const log: string[] = [];
  const slow = deferred<void>();
  const a1 = chain.run('node/e1/default/pod/p', async () => {
    log.push('a1 start');
    await slow.promise;
    log.push('a1 end');
  });
  const a2 = chain.run('node/e1/default/pod/p', async () => {
    log.push('a2');
  });
  const b = chain.run('node/e1/default/pod/q', async () => {
    log.push('b');
  });
  await b;
  assert.deepEqual(log, ['a1 start', 'b'], 'b ran while a1 waits; a2 waits behind a1');
  assert.equal(chain.size, 1);
  slow.resolve();
  await Promise.all([a1, a2]);
  assert.deepEqual(log, ['a1 start', 'b', 'a1 end', 'a2']);
  assert.equal(chain.size, 0);
});

test('a failing task does not stop the chain', async () => {
  const chain = new KeyedChain();
  const log: string[] = [];
  const first = chain.run('k', async () => {
    throw new Error('boom');
  });
  const second = chain.run('k', async () => {
    log.push('second');
  });
  await Promise.all([first, second]);
  assert.deepEqual(log, ['second']);
});

test('orderKey folds the pod status types into the pod', () => {
  assert.equal(orderKey('node/e1/default/podpatch/p'), 'node/e1/default/pod/p');
  assert.equal(orderKey('node/e1/default/pod/p'), 'node/e1/default/pod/p');
  assert.equal(orderKey('node/e1/default/podstatus/p'), 'node/e1/default/pod/p');
  assert.equal(orderKey('node/e1/default/configmap/c'), 'node/e1/default/configmap/c');
  assert.notEqual(orderKey('node/e2/default/podpatch/p'), orderKey('node/e1/default/podpatch/p'));
  assert.equal(orderKey('node/e1'), 'node/e1');
});
