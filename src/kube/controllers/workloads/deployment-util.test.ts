import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Deployment, V1ReplicaSet } from '../../client/index.js';
import {
  cleanupUnhealthyPlan,
  findActiveOrLatest,
  InvalidIntOrPercentError,
  maxScaledDown,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  proportionalScalePlan,
  resolveFenceposts,
  scaledValue,
  scaleDownOldPlan,
  setNewReplicaSetAnnotations,
} from './deployment-util.js';
import { calculateStatus, deploymentTimedOut, replicaFailure, rolloutStatus, stuckRequeueMs } from './deployment-status.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function deploy(replicas: number, surge: number | string = 1, unavailable: number | string = 0, extra: Partial<V1Deployment> = {}): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ns', generation: 1, uid: 'd1' },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: {}, progressDeadlineSeconds: 600, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } } },
    status: {},
    ...extra,
  };
}

function rs(name: string, replicas: number, available = replicas, created = '2026-01-01T00:00:00Z', annotations: Record<string, string> = {}): V1ReplicaSet {
  return {
    metadata: { name, creationTimestamp: created, annotations },
    spec: { replicas, selector: {} },
    status: { replicas, readyReplicas: available, availableReplicas: available },
  };
}

test('int-or-percent: surge rounds up, unavailable rounds down; both 0 means unavailable 1', () => {
  assert.equal(scaledValue('25%', 10, true), 3);
  assert.equal(scaledValue('25%', 10, false), 2);
  assert.equal(scaledValue(2, 10, false), 2);
  assert.equal(scaledValue('5', 10, false), 5);
  assert.throws(() => scaledValue('x%', 10, true), InvalidIntOrPercentError);
  assert.deepEqual(resolveFenceposts(0, 0, 3), { surge: 0, unavailable: 1 });
  assert.deepEqual(resolveFenceposts('25%', '25%', 3), { surge: 1, unavailable: 0 });
  assert.deepEqual(resolveFenceposts('25%', '25%', 4), { surge: 1, unavailable: 1 });
  assert.deepEqual(resolveFenceposts(undefined, undefined, 10), { surge: 3, unavailable: 2 });
  assert.equal(maxUnavailable(deploy(2, 0, 5)), 2, 'capped at replicas');
  assert.equal(maxUnavailable(deploy(0, 1, 1)), 0);
  assert.equal(maxSurge({ ...deploy(3), spec: { ...deploy(3).spec, selector: {}, template: {}, strategy: { type: 'Recreate' } } }), 0);
});

test('rolling step: the new RS grows up to replicas + surge, the old shrink keeping minAvailable', () => {
  const d = deploy(3, 1, 0);
  const old = rs('web-old', 3);
  const fresh = rs('web-new', 0);
  assert.equal(newRSNewReplicas(d, [old, fresh], fresh), 1);
  // new RS at 1 but not yet available: nothing of the old may go
  const newUp = rs('web-new', 1, 0);
  assert.equal(newRSNewReplicas(d, [old, newUp], newUp), 1, 'no more surge');
  assert.ok(maxScaledDown([old, newUp], newUp, d) <= 0);
  // new pod available: one old replica may go
  const newReady = rs('web-new', 1, 1);
  assert.equal(maxScaledDown([old, newReady], newReady, d), 1);
  assert.deepEqual(
    scaleDownOldPlan([old, newReady], [old], d).steps.map((s) => [s.rs.metadata?.name, s.replicas]),
    [['web-old', 2]],
  );
});

test('unhealthy old replicas are cleaned up first, oldest RS first', () => {
  const a = rs('a', 2, 1, '2026-01-01T00:00:00Z');
  const b = rs('b', 3, 0, '2026-01-02T00:00:00Z');
  const plan = cleanupUnhealthyPlan([b, a], 3);
  assert.deepEqual(plan.steps.map((s) => [s.rs.metadata?.name, s.replicas]), [['a', 1], ['b', 1]]);
  assert.equal(plan.total, 3);
});

test('proportional scaling splits new replicas by size, leftovers to the largest (newest on ties)', () => {
  const d = deploy(20, 2, 0);
  const older = rs('older', 5, 5, '2026-01-01T00:00:00Z', { 'deployment.kubernetes.io/max-replicas': '12' });
  const newer = rs('newer', 5, 5, '2026-01-02T00:00:00Z', { 'deployment.kubernetes.io/max-replicas': '12' });
  const { steps, operation } = proportionalScalePlan(d, [older, newer]);
  assert.equal(operation, 'up');
  assert.deepEqual(steps.map((s) => [s.rs.metadata?.name, s.replicas]), [['newer', 13], ['older', 9]]);
  const zero = proportionalScalePlan(deploy(0, 2, 0), [older, newer]);
  assert.deepEqual(zero.steps.map((s) => s.replicas), [0, 0]);
});

test('findActiveOrLatest: the only active RS, or the newest when none is active', () => {
  const a = rs('a', 0, 0, '2026-01-01T00:00:00Z');
  const b = rs('b', 0, 0, '2026-01-02T00:00:00Z');
  assert.equal(findActiveOrLatest(undefined, [a, b])?.metadata?.name, 'b');
  assert.equal(findActiveOrLatest(rs('n', 0), [a, rs('x', 2)])?.metadata?.name, 'x');
  assert.equal(findActiveOrLatest(rs('n', 1), [rs('x', 2)]), undefined);
});

test('reusing an old RS (rollback) raises its revision and keeps the old one in revision-history', () => {
  const d = deploy(3, 1, 0);
  d.metadata = { ...d.metadata, annotations: { 'kubernetes.io/change-cause': 'undo', 'deployment.kubernetes.io/revision': '2' } };
  const meta = { annotations: { 'deployment.kubernetes.io/revision': '1' } };
  assert.ok(setNewReplicaSetAnnotations(d, meta, 3, true));
  assert.deepEqual(meta.annotations, { 'deployment.kubernetes.io/revision': '3', 'deployment.kubernetes.io/revision-history': '1', 'kubernetes.io/change-cause': 'undo' });
  assert.ok(!setNewReplicaSetAnnotations(d, meta, 3, true), 'idempotent');
  const created: { annotations?: Record<string, string> } = {};
  setNewReplicaSetAnnotations(d, created, 1, false);
  assert.equal(created.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
  assert.equal(created.annotations?.['deployment.kubernetes.io/max-replicas'], '4');
});

test('status: Available by minimum availability, Progressing through ReplicaSetUpdated to NewReplicaSetAvailable', () => {
  const d = deploy(3, 1, 0);
  const old = rs('web-old', 2, 2);
  const fresh = rs('web-new', 2, 1);
  const s = rolloutStatus([old, fresh], fresh, d, T0, iso(T0));
  assert.deepEqual([s.replicas, s.updatedReplicas, s.availableReplicas, s.unavailableReplicas, s.observedGeneration], [4, 2, 3, 1, 1]);
  assert.equal(s.conditions?.find((c) => c.type === 'Available')?.status, 'True');
  assert.equal(s.conditions?.find((c) => c.type === 'Progressing')?.reason, 'ReplicaSetUpdated');
  const done = rolloutStatus([rs('web-new', 3, 3)], rs('web-new', 3, 3), { ...d, status: s }, T0 + 1000, iso(T0 + 1000));
  const p = done.conditions?.find((c) => c.type === 'Progressing');
  assert.equal(p?.reason, 'NewReplicaSetAvailable');
  assert.equal(p?.message, 'ReplicaSet "web-new" has successfully progressed.');
  assert.equal(p?.lastTransitionTime, iso(T0), 'still True: transition time kept');
  const unavailable = calculateStatus([rs('x', 3, 1)], undefined, d, iso(T0));
  assert.equal(unavailable.conditions?.find((c) => c.type === 'Available')?.reason, 'MinimumReplicasUnavailable');
});

test('no progress past progressDeadlineSeconds: ProgressDeadlineExceeded, and a requeue before it', () => {
  const d = deploy(1, 1, 0, {});
  d.spec = { ...d.spec, selector: {}, template: {}, progressDeadlineSeconds: 2 };
  const fresh = rs('web-new', 1, 0);
  const first = rolloutStatus([fresh], fresh, d, T0, iso(T0));
  assert.equal(first.conditions?.find((c) => c.type === 'Progressing')?.reason, 'ReplicaSetUpdated');
  const later = { ...d, status: first };
  assert.equal(stuckRequeueMs(later, first, T0 + 500), 2500);
  assert.ok(!deploymentTimedOut(later, first, T0 + 1500));
  const timedOut = rolloutStatus([fresh], fresh, later, T0 + 3000, iso(T0 + 3000));
  const p = timedOut.conditions?.find((c) => c.type === 'Progressing');
  assert.deepEqual([p?.status, p?.reason], ['False', 'ProgressDeadlineExceeded']);
});

test('a ReplicaSet failure condition surfaces on the deployment, the new RS first', () => {
  const failing = rs('web-new', 2, 0);
  failing.status = { ...failing.status, replicas: 0, conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota' }] };
  const c = replicaFailure([rs('web-old', 1), failing], failing, iso(T0));
  assert.deepEqual([c?.type, c?.status, c?.reason, c?.message], ['ReplicaFailure', 'True', 'FailedCreate', 'quota']);
  assert.equal(replicaFailure([rs('web-old', 1)], undefined, iso(T0)), undefined);
});
