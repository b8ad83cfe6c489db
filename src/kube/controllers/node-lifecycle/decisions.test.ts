import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Node, V1Pod, V1Taint, V1Toleration } from '../../client/index.js';
import { evictionDecision, toleratedSeconds, tolerates } from './eviction.js';
import { desiredTaints, isSilent, NODE_STATUS_UNKNOWN_REASON, readiness, TAINT_NOT_READY, TAINT_UNREACHABLE, unknownConditions } from './taints.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function node(ready: string | undefined, taints: V1Taint[] = []): V1Node {
  return {
    metadata: { name: 'n1' },
    spec: { taints },
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: iso(T0) },
        ...(ready === undefined ? [] : [{ type: 'Ready', status: ready, reason: 'KubeletReady', lastHeartbeatTime: iso(T0), lastTransitionTime: iso(T0) }]),
      ],
    },
  };
}

function pod(tolerations: V1Toleration[] = []): V1Pod {
  return { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { nodeName: 'n1', containers: [], tolerations } };
}

const unreachable = (addedMs: number): V1Taint[] => [
  { key: TAINT_UNREACHABLE, effect: 'NoSchedule', timeAdded: iso(addedMs) },
  { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: iso(addedMs) },
];

test('silence is judged against the grace period', () => {
  assert.equal(isSilent(T0, T0 + 40_000, 40_000), false);
  assert.equal(isSilent(T0, T0 + 40_001, 40_000), true);
});

test('a silent node gets every kubelet condition Unknown, heartbeat kept, once', () => {
  const n = node('True');
  const conds = unknownConditions(n, iso(T0 + 50_000));
  assert.ok(conds);
  const ready = conds.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'Unknown');
  assert.equal(ready?.reason, NODE_STATUS_UNKNOWN_REASON);
  assert.equal(ready?.lastHeartbeatTime, iso(T0));
  assert.equal(ready?.lastTransitionTime, iso(T0 + 50_000));
  assert.equal(conds.find((c) => c.type === 'MemoryPressure')?.status, 'Unknown');
  assert.equal(conds.find((c) => c.type === 'DiskPressure')?.status, 'Unknown');
  assert.equal(unknownConditions({ ...n, status: { conditions: conds } }, iso(T0 + 60_000)), undefined);
});

test('taints follow readiness and keep their timeAdded and foreign taints', () => {
  const foreign: V1Taint = { key: 'dedicated', value: 'x', effect: 'NoSchedule' };
  const t = desiredTaints(node('Unknown', [foreign]), 'Unknown', iso(T0));
  assert.deepEqual(t, [foreign, ...unreachable(T0)]);
  const n2 = node('Unknown', t);
  assert.equal(desiredTaints(n2, 'Unknown', iso(T0 + 5000)), undefined, 'nothing changes while Unknown');
  const nr = desiredTaints(n2, 'False', iso(T0 + 9000));
  assert.deepEqual(nr?.map((x) => [x.key, x.effect]), [['dedicated', 'NoSchedule'], [TAINT_NOT_READY, 'NoSchedule'], [TAINT_NOT_READY, 'NoExecute']]);
  assert.deepEqual(desiredTaints(n2, 'True', iso(T0)), [foreign]);
  assert.equal(desiredTaints(node('True', [foreign]), 'True', iso(T0)), undefined);
  assert.equal(readiness(node(undefined)), 'Unknown');
  assert.equal(readiness(node('False')), 'False');
});

test('toleration matching follows Kubernetes', () => {
  const taint: V1Taint = { key: TAINT_UNREACHABLE, effect: 'NoExecute' };
  assert.equal(tolerates({ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }, taint), true);
  assert.equal(tolerates({ operator: 'Exists' }, taint), true);
  assert.equal(tolerates({ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoSchedule' }, taint), false);
  assert.equal(tolerates({ key: TAINT_UNREACHABLE }, taint), true, 'Equal with empty values');
  assert.equal(tolerates({ key: TAINT_UNREACHABLE, value: 'x' }, taint), false);
  assert.equal(tolerates({ key: 'other', operator: 'Exists' }, taint), false);
});

test('edge nodes keep pods without an explicit toleration; opt-in pods go after tolerationSeconds', () => {
  const taints = unreachable(T0);
  const base = { taints, edge: true, defaultEvictionSeconds: 300, nowMs: T0 + 1000 };
  assert.deepEqual(evictionDecision({ ...base, pod: pod() }), { kind: 'keep' });
  assert.deepEqual(evictionDecision({ ...base, pod: pod([{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }]) }), { kind: 'keep' }, 'unlimited toleration');
  const optIn = evictionDecision({ ...base, pod: pod([{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }]) });
  assert.equal(optIn.kind, 'evict');
  assert.equal(optIn.kind === 'evict' ? optIn.atMs : 0, T0 + 60_000);
  // a foreign NoExecute taint on an edge node still evicts as Kubernetes does
  const foreign = evictionDecision({ ...base, taints: [...taints, { key: 'drain', effect: 'NoExecute', timeAdded: iso(T0) }], pod: pod() });
  assert.equal(foreign.kind === 'evict' ? foreign.atMs : -1, T0);
});

test('cloud nodes: default seconds without a toleration, the toleration otherwise, at once when untolerated', () => {
  const taints = unreachable(T0);
  const base = { taints, edge: false, defaultEvictionSeconds: 300, nowMs: T0 };
  const d = evictionDecision({ ...base, pod: pod() });
  assert.equal(d.kind === 'evict' ? d.atMs : 0, T0 + 300_000);
  const short = evictionDecision({ ...base, pod: pod([{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }, { operator: 'Exists', tolerationSeconds: 20 }]) });
  assert.equal(short.kind === 'evict' ? short.atMs : 0, T0 + 5000, 'the smallest matching tolerationSeconds wins');
  assert.equal(toleratedSeconds(pod([{ key: TAINT_UNREACHABLE, operator: 'Exists', tolerationSeconds: -3 }]), taints[1] ?? { key: '', effect: '' }, false, 300), 0);
  assert.deepEqual(evictionDecision({ ...base, pod: pod([{ operator: 'Exists' }]) }), { kind: 'keep' });
  const now = evictionDecision({ ...base, taints: [{ key: 'drain', effect: 'NoExecute', timeAdded: iso(T0) }], pod: pod() });
  assert.equal(now.kind === 'evict' ? now.atMs : -1, T0);
  assert.deepEqual(evictionDecision({ ...base, taints: [{ key: 'x', effect: 'NoSchedule' }], pod: pod() }), { kind: 'keep' });
});
