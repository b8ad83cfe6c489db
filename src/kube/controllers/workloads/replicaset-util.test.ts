import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod, V1ReplicaSet } from '../../client/index.js';
import { Expectations } from './replicaset-expectations.js';
import { withReplicaFailure, calculateReplicaSetStatus, isPodActive, podsToDelete, selectorMatches } from './replicaset-util.js';
import { slowStartBatch, slowStartSizes } from '../common/slow-start.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function pod(name: string, o: { node?: string; phase?: string; ready?: boolean; readySince?: number; created?: string; labels?: Record<string, string> } = {}): V1Pod {
  return {
    metadata: { name, creationTimestamp: o.created ?? '2026-01-01T00:00:00Z', labels: o.labels ?? { app: 'web' } },
    spec: { containers: [], ...(o.node === undefined ? {} : { nodeName: o.node }) },
    status: {
      phase: o.phase ?? 'Running',
      conditions: o.ready === undefined ? [] : [{ type: 'Ready', status: o.ready ? 'True' : 'False', lastTransitionTime: new Date(o.readySince ?? T0).toISOString() }],
    },
  };
}

test('label selectors: matchLabels and every expression operator', () => {
  const sel = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'canary', operator: 'DoesNotExist' }] };
  assert.ok(selectorMatches(sel, { app: 'web', tier: 'a' }));
  assert.ok(!selectorMatches(sel, { app: 'web', tier: 'c' }));
  assert.ok(!selectorMatches(sel, { app: 'web', tier: 'a', canary: '' }));
  assert.ok(selectorMatches({ matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['1'] }] }, {}));
  assert.ok(selectorMatches({ matchExpressions: [{ key: 'x', operator: 'Exists' }] }, { x: '' }));
  assert.ok(selectorMatches({}, { any: 'thing' }));
  assert.ok(!selectorMatches(undefined, { any: 'thing' }));
});

test('surplus pods: unscheduled, then pending, then not ready, then most recently ready, then newest', () => {
  const pods = [
    pod('ready-old', { node: 'n', ready: true, readySince: T0 }),
    pod('ready-new', { node: 'n', ready: true, readySince: T0 + 5000 }),
    pod('notready', { node: 'n', ready: false }),
    pod('pending', { node: 'n', phase: 'Pending' }),
    pod('unscheduled', { phase: 'Pending' }),
  ];
  assert.deepEqual(podsToDelete(pods, 5).map((p) => p.metadata?.name), ['unscheduled', 'pending', 'notready', 'ready-new', 'ready-old']);
  assert.deepEqual(podsToDelete([pod('a', { created: '2026-01-01T00:00:00Z' }), pod('b', { created: '2026-01-02T00:00:00Z' })], 1).map((p) => p.metadata?.name), ['b']);
});

test('only non-terminating, unfinished pods are active', () => {
  assert.ok(isPodActive(pod('a')));
  assert.ok(!isPodActive(pod('a', { phase: 'Succeeded' })));
  assert.ok(!isPodActive(pod('a', { phase: 'Failed' })));
  assert.ok(!isPodActive({ ...pod('a'), metadata: { name: 'a', deletionTimestamp: '2026-01-01T00:00:00Z' } }));
});

test('status counts fully labelled, ready and available (minReadySeconds) pods', () => {
  const rs: V1ReplicaSet = {
    metadata: { name: 'web-x', generation: 4 },
    spec: { replicas: 3, minReadySeconds: 10, selector: {}, template: { metadata: { labels: { app: 'web', v: '1' } } } },
  };
  const pods = [
    pod('a', { ready: true, readySince: T0 - 20_000, labels: { app: 'web', v: '1' } }),
    pod('b', { ready: true, readySince: T0 - 1000, labels: { app: 'web', v: '1' } }),
    pod('c', { ready: false, labels: { app: 'web' } }),
  ];
  assert.deepEqual(calculateReplicaSetStatus(rs, pods, T0), { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1, observedGeneration: 4 });
});

test('slow start: batches of 1, 2, 4, … and no further batch after a failure', async () => {
  assert.deepEqual(slowStartSizes(10), [1, 2, 4, 3]);
  assert.deepEqual(slowStartSizes(0), []);
  let calls = 0;
  const r = await slowStartBatch(10, async () => {
    calls++;
    if (calls === 3) throw new Error('quota');
  });
  assert.equal(calls, 3, 'the batch of 2 failed: the batch of 4 never ran');
  assert.equal(r.done, 2);
  assert.ok(r.error instanceof Error);
});

test('expectations: satisfied once every create and delete was observed, or after 5 minutes', () => {
  let now = T0;
  const clock = { now: () => now, setTimeout: () => ({ cancel: () => undefined }) };
  const e = new Expectations(clock);
  assert.ok(e.satisfied('ns/rs'));
  e.expectCreations('ns/rs', 2);
  assert.ok(!e.satisfied('ns/rs'));
  e.creationObserved('ns/rs');
  e.lowerCreations('ns/rs', 1);
  assert.ok(e.satisfied('ns/rs'));
  e.expectDeletions('ns/rs', ['ns/p1', 'ns/p2']);
  e.deletionObserved('ns/rs', 'ns/p1');
  e.deletionObserved('ns/rs', 'ns/p1');
  assert.ok(!e.satisfied('ns/rs'));
  now += 5 * 60_000 + 1;
  assert.ok(e.satisfied('ns/rs'), 'expired');
});

test('ReplicaFailure is set on a failed create and removed after a clean sync', () => {
  const failed = withReplicaFailure({ replicas: 1 }, { reason: 'FailedCreate', message: 'quota' }, '2026-01-01T00:00:00Z');
  assert.deepEqual(failed.conditions, [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota', lastTransitionTime: '2026-01-01T00:00:00Z' }]);
  assert.equal(withReplicaFailure(failed, { reason: 'FailedCreate', message: 'quota' }, '2026-01-02T00:00:00Z'), failed, 'unchanged');
  assert.deepEqual(withReplicaFailure(failed, undefined, '2026-01-02T00:00:00Z').conditions, []);
});
