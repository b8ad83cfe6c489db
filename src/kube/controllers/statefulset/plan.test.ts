import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Pod, V1StatefulSet } from '../../client/index.js';
import { planStatefulSet, statefulSetStatus } from './plan.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const OLD = 'web-old';
const NEW = 'web-new';

function sts(opts: { replicas?: number; parallel?: boolean; onDelete?: boolean; partition?: number; minReadySeconds?: number } = {}): V1StatefulSet {
  return {
    metadata: { name: 'web', namespace: 'default', uid: 's1', generation: 3 },
    spec: {
      replicas: opts.replicas ?? 3,
      serviceName: 'web',
      podManagementPolicy: opts.parallel === true ? 'Parallel' : 'OrderedReady',
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } },
      updateStrategy: opts.onDelete === true ? { type: 'OnDelete' } : { type: 'RollingUpdate', ...(opts.partition === undefined ? {} : { rollingUpdate: { partition: opts.partition } }) },
      ...(opts.minReadySeconds === undefined ? {} : { minReadySeconds: opts.minReadySeconds }),
    },
  };
}

function pod(ordinal: number, opts: { rev?: string; ready?: boolean; phase?: string; deleting?: boolean; readySince?: number } = {}): V1Pod {
  const ready = opts.ready ?? true;
  return {
    metadata: {
      name: `web-${ordinal}`,
      uid: `p${ordinal}-${opts.rev ?? NEW}`,
      labels: { app: 'web', 'controller-revision-hash': opts.rev ?? NEW },
      ...(opts.deleting === true ? { deletionTimestamp: new Date(NOW).toISOString() } : {}),
    },
    spec: { containers: [] },
    status: {
      phase: opts.phase ?? (ready ? 'Running' : 'Pending'),
      conditions: ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(opts.readySince ?? NOW - 60_000).toISOString() }] : [],
    },
  };
}

const plan = (s: V1StatefulSet, pods: V1Pod[], current = NEW, update = NEW): { create: string[]; delete: string[] } => {
  const p = planStatefulSet(s, pods, current, update, NOW);
  return { create: p.create.map((c) => `${c.ordinal}@${c.revision}`), delete: p.delete.map((d) => `${d.pod.metadata?.name ?? ''}:${d.why}`) };
};

describe('planStatefulSet: OrderedReady', () => {
  test('creates ordinal 0 first, and the next only once every lower one is Running and Ready', () => {
    assert.deepEqual(plan(sts(), []), { create: [`0@${NEW}`], delete: [] });
    assert.deepEqual(plan(sts(), [pod(0, { ready: false })]), { create: [], delete: [] });
    assert.deepEqual(plan(sts(), [pod(0)]), { create: [`1@${NEW}`], delete: [] });
    assert.deepEqual(plan(sts(), [pod(0), pod(1)]), { create: [`2@${NEW}`], delete: [] });
    assert.deepEqual(plan(sts(), [pod(0), pod(1), pod(2)]), { create: [], delete: [] });
  });

  test('a missing lower ordinal is created before anything else, a Running but not Ready one blocks the higher', () => {
    assert.deepEqual(plan(sts(), [pod(0), pod(2)]), { create: [`1@${NEW}`], delete: [] });
    assert.deepEqual(plan(sts(), [pod(0, { phase: 'Running', ready: false })]), { create: [], delete: [] });
  });

  test('a failed pod is deleted (to be re-created with its name) and nothing else happens meanwhile', () => {
    assert.deepEqual(plan(sts(), [pod(0), pod(1, { phase: 'Failed', ready: false })]), { create: [], delete: ['web-1:Failed'] });
    // while the old web-1 terminates, it is waited for
    assert.deepEqual(plan(sts(), [pod(0), pod(1, { deleting: true })]), { create: [], delete: [] });
  });

  test('minReadySeconds: a pod Ready for less than that still blocks the next', () => {
    assert.deepEqual(plan(sts({ minReadySeconds: 30 }), [pod(0, { readySince: NOW - 5_000 })]), { create: [], delete: [] });
    assert.deepEqual(plan(sts({ minReadySeconds: 30 }), [pod(0, { readySince: NOW - 40_000 })]), { create: [`1@${NEW}`], delete: [] });
  });

  test('scale down removes the highest ordinal first, one at a time, waiting for its termination', () => {
    const s = sts({ replicas: 1 });
    assert.deepEqual(plan(s, [pod(0), pod(1), pod(2)]), { create: [], delete: ['web-2:Condemned'] });
    assert.deepEqual(plan(s, [pod(0), pod(1), pod(2, { deleting: true })]), { create: [], delete: [] });
    assert.deepEqual(plan(s, [pod(0), pod(1)]), { create: [], delete: ['web-1:Condemned'] });
    assert.deepEqual(plan(s, [pod(0)]), { create: [], delete: [] });
  });

  test('scale down waits while a kept replica is not Ready', () => {
    assert.deepEqual(plan(sts({ replicas: 1 }), [pod(0, { ready: false }), pod(1), pod(2)]), { create: [], delete: [] });
  });

  test('pods whose names are not <sts>-<ordinal> are ignored', () => {
    const stray: V1Pod = { ...pod(0), metadata: { ...pod(0).metadata, name: 'web-abc' } };
    assert.deepEqual(plan(sts({ replicas: 1 }), [stray]), { create: [`0@${NEW}`], delete: [] });
  });
});

describe('planStatefulSet: spec.ordinals.start', () => {
  test('replicas are start..start+replicas-1, the partition counts from start, others are condemned', () => {
    const s = (replicas: number, partition?: number): V1StatefulSet => {
      const base = sts({ replicas, ...(partition === undefined ? {} : { partition }) });
      return { ...base, spec: { ...base.spec!, ordinals: { start: 5 } } };
    };
    assert.deepEqual(plan(s(2), []), { create: [`5@${NEW}`], delete: [] });
    assert.deepEqual(plan(s(2), [pod(5)]), { create: [`6@${NEW}`], delete: [] });
    assert.deepEqual(plan(s(2), [pod(0), pod(5), pod(6)]), { create: [], delete: ['web-0:Condemned'] });
    assert.deepEqual(plan(s(2, 1), [pod(6, { rev: OLD })], OLD, NEW), { create: [`5@${OLD}`], delete: [] });
    assert.deepEqual(plan(s(2, 1), [pod(5, { rev: OLD }), pod(6, { rev: OLD })], OLD, NEW), { create: [], delete: ['web-6:Update'] });
  });
});

describe('planStatefulSet: Parallel', () => {
  test('creates every missing ordinal and deletes every condemned pod at once', () => {
    assert.deepEqual(plan(sts({ parallel: true }), []).create, [`0@${NEW}`, `1@${NEW}`, `2@${NEW}`]);
    assert.deepEqual(plan(sts({ parallel: true }), [pod(1, { ready: false })]).create, [`0@${NEW}`, `2@${NEW}`]);
    assert.deepEqual(plan(sts({ parallel: true, replicas: 1 }), [pod(0), pod(1), pod(2)]).delete, ['web-2:Condemned', 'web-1:Condemned']);
  });

  test('a failed pod is deleted while the others are created', () => {
    assert.deepEqual(plan(sts({ parallel: true }), [pod(1, { phase: 'Failed', ready: false })]), { create: [`0@${NEW}`, `2@${NEW}`], delete: ['web-1:Failed'] });
  });
});

describe('planStatefulSet: updates', () => {
  const old = (i: number, o: { ready?: boolean; deleting?: boolean } = {}): V1Pod => pod(i, { rev: OLD, ...o });

  test('RollingUpdate replaces from the highest ordinal down, each after the one above is back and Ready', () => {
    assert.deepEqual(plan(sts(), [old(0), old(1), old(2)], OLD, NEW), { create: [], delete: ['web-2:Update'] });
    assert.deepEqual(plan(sts(), [old(0), old(1), old(2, { deleting: true })], OLD, NEW), { create: [], delete: [] });
    assert.deepEqual(plan(sts(), [old(0), old(1)], OLD, NEW), { create: [`2@${NEW}`], delete: [] });
    assert.deepEqual(plan(sts(), [old(0), old(1), pod(2, { ready: false })], OLD, NEW), { create: [], delete: [] });
    assert.deepEqual(plan(sts(), [old(0), old(1), pod(2)], OLD, NEW), { create: [], delete: ['web-1:Update'] });
    assert.deepEqual(plan(sts(), [old(0), pod(1), pod(2)], OLD, NEW), { create: [], delete: ['web-0:Update'] });
    assert.deepEqual(plan(sts(), [pod(0), pod(1), pod(2)], OLD, NEW), { create: [], delete: [] });
  });

  test('partition: ordinals below it keep (and are re-created at) the current revision', () => {
    const s = sts({ partition: 2 });
    assert.deepEqual(plan(s, [old(0), old(1), old(2)], OLD, NEW), { create: [], delete: ['web-2:Update'] });
    assert.deepEqual(plan(s, [old(0), old(1), pod(2)], OLD, NEW), { create: [], delete: [] });
    assert.deepEqual(plan(s, [old(0)], OLD, NEW), { create: [`1@${OLD}`], delete: [] });
    assert.deepEqual(plan(sts({ partition: 1, parallel: true }), [], OLD, NEW).create, [`0@${OLD}`, `1@${NEW}`, `2@${NEW}`]);
  });

  test('OnDelete deletes nothing for an update; a pod deleted by hand comes back at the update revision', () => {
    const s = sts({ onDelete: true });
    assert.deepEqual(plan(s, [old(0), old(1), old(2)], OLD, NEW), { create: [], delete: [] });
    assert.deepEqual(plan(s, [old(0), old(2)], OLD, NEW), { create: [`1@${NEW}`], delete: [] });
  });
});

describe('statefulSetStatus', () => {
  test('counts replicas, ready, available, current and updated pods', () => {
    const s = statefulSetStatus(sts({ minReadySeconds: 30 }), [pod(0, { rev: OLD }), pod(1, { readySince: NOW - 1000 }), pod(2, { ready: false }), pod(3, { deleting: true })], OLD, NEW, NOW);
    assert.deepEqual(s, {
      observedGeneration: 3,
      replicas: 4,
      readyReplicas: 2,
      availableReplicas: 1,
      currentReplicas: 1,
      updatedReplicas: 2,
      currentRevision: OLD,
      updateRevision: NEW,
    });
  });

  test('a finished rolling update makes the update revision current; OnDelete does not', () => {
    const pods = [pod(0), pod(1)];
    const s = statefulSetStatus(sts({ replicas: 2 }), pods, OLD, NEW, NOW);
    assert.equal(s.currentRevision, NEW);
    assert.equal(s.currentReplicas, 2);
    assert.equal(statefulSetStatus(sts({ replicas: 2, onDelete: true }), pods, OLD, NEW, NOW).currentRevision, OLD);
  });
});
