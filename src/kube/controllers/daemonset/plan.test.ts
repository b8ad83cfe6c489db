import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1DaemonSet, V1Node, V1Pod } from '../../client/index.js';
import { planDaemonSet, resolveMaxUnavailable } from './plan.js';
import { daemonPodFor } from './pod.js';
import { templateHash } from './revision.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

function node(name: string, edge = false): V1Node {
  return {
    metadata: { name, labels: edge ? { 'node-role.kubernetes.io/edge': '' } : {} },
    spec: edge ? { taints: [{ key: 'node-role.kubernetes.io/edge', effect: 'NoSchedule' }] } : {},
  };
}

function ds(maxUnavailable: number | string = 1, type = 'RollingUpdate'): V1DaemonSet {
  return {
    metadata: { name: 'agent', namespace: 'default', uid: 'u1', generation: 2 },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'i:2' }] } },
      updateStrategy: { type, ...(type === 'RollingUpdate' ? { rollingUpdate: { maxUnavailable } } : {}) },
    },
  };
}

let seq = 0;
function pod(nodeName: string, hash: string, opts: { ready?: boolean; phase?: string; deleting?: boolean } = {}): V1Pod {
  seq++;
  return {
    metadata: {
      name: `agent-${seq}`,
      uid: `p${seq}`,
      labels: { app: 'agent', 'controller-revision-hash': hash },
      creationTimestamp: new Date(NOW - 100_000 + seq).toISOString(),
      ...(opts.deleting === true ? { deletionTimestamp: new Date(NOW).toISOString() } : {}),
    },
    spec: { nodeName, containers: [] },
    status: { phase: opts.phase ?? 'Running', conditions: opts.ready === false ? [] : [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(NOW - 60_000).toISOString() }] },
  };
}

describe('planDaemonSet', () => {
  const nodes = [node('a'), node('b'), node('e', true)];

  test('creates on every eligible node without a pod, skips the tainted edge node, counts status', () => {
    const d = ds();
    const h = templateHash(d.spec?.template, undefined);
    const plan = planDaemonSet(d, nodes, [pod('a', h)], h, NOW);
    assert.deepEqual(plan.createOn, ['b']);
    assert.deepEqual(plan.delete, []);
    assert.equal(plan.status.desiredNumberScheduled, 2);
    assert.equal(plan.status.currentNumberScheduled, 1);
    assert.equal(plan.status.numberReady, 1);
    assert.equal(plan.status.updatedNumberScheduled, 1);
    assert.equal(plan.status.observedGeneration, 2);
  });

  test('deletes pods on nodes that no longer match or no longer exist, duplicates and failed pods', () => {
    const d = { ...ds(), spec: { ...ds().spec!, template: { ...ds().spec!.template, spec: { containers: [], nodeSelector: { zone: 'z1' } } } } };
    const h = templateHash(d.spec.template, undefined);
    const zNodes = [{ ...node('a'), metadata: { name: 'a', labels: { zone: 'z1' } } }, node('b')];
    const keep = pod('a', h);
    const dup = pod('a', h);
    const off = pod('b', h);
    const gone = pod('x', h);
    const plan = planDaemonSet(d, zNodes, [keep, dup, off, gone], h, NOW);
    const why = Object.fromEntries(plan.delete.map((x) => [x.pod.metadata?.name ?? '', x.why]));
    assert.deepEqual(why, { [dup.metadata?.name ?? '']: 'Duplicate', [off.metadata?.name ?? '']: 'Misscheduled', [gone.metadata?.name ?? '']: 'NodeGone' });
    assert.equal(plan.status.numberMisscheduled, 1);

    const failed = pod('a', h, { phase: 'Failed' });
    const p2 = planDaemonSet(d, zNodes, [failed], h, NOW);
    assert.deepEqual(p2.delete.map((x) => x.why), ['Failed']);
  });

  test('a terminating pod blocks the replacement until it is gone', () => {
    const d = ds();
    const h = templateHash(d.spec?.template, undefined);
    const plan = planDaemonSet(d, [node('a')], [pod('a', h, { deleting: true })], h, NOW);
    assert.deepEqual(plan.createOn, []);
    assert.deepEqual(plan.delete, []);
  });

  test('rolling update replaces at most maxUnavailable available old pods at a time', () => {
    const d = ds(1);
    const h = templateHash(d.spec?.template, undefined);
    const four = [node('a'), node('b'), node('c'), node('d')];
    const olds = four.map((n) => pod(n.metadata?.name ?? '', 'old'));
    const p1 = planDaemonSet(d, four, olds, h, NOW);
    assert.equal(p1.delete.length, 1);
    assert.equal(p1.delete[0]?.why, 'Update');
    assert.equal(p1.status.updatedNumberScheduled, 0);
    // one node mid-update (new pod not ready yet): no budget left
    const mid = [pod('a', h, { ready: false }), ...olds.slice(1)];
    assert.equal(planDaemonSet(d, four, mid, h, NOW).delete.length, 0);
    // an old pod that is not available anyway is replaced at once, outside the budget
    const sick = [pod('a', h, { ready: false }), pod('b', 'old', { ready: false }), ...olds.slice(2)];
    assert.deepEqual(
      planDaemonSet(d, four, sick, h, NOW).delete.map((x) => x.pod.spec?.nodeName),
      ['b'],
    );
    // 50% of 4 = 2 at a time
    assert.equal(planDaemonSet(ds('50%'), four, olds, h, NOW).delete.length, 2);
  });

  test('OnDelete never replaces old pods by itself', () => {
    const d = ds(1, 'OnDelete');
    const h = templateHash(d.spec?.template, undefined);
    assert.equal(planDaemonSet(d, [node('a')], [pod('a', 'old')], h, NOW).delete.length, 0);
  });

  test('maxUnavailable: ints, percentages rounded up, never below 1', () => {
    assert.equal(resolveMaxUnavailable(3, 10), 3);
    assert.equal(resolveMaxUnavailable('25%', 10), 3);
    assert.equal(resolveMaxUnavailable(0, 10), 1);
    assert.equal(resolveMaxUnavailable(undefined, 10), 1);
  });
});

describe('daemon pods and hashes', () => {
  test('the pod: generateName, labels, owner, nodeName and node-name affinity, tolerations', () => {
    const d = ds();
    const p = daemonPodFor(d, 'edge-0', 'abc');
    assert.equal(p.metadata?.generateName, 'agent-');
    assert.deepEqual(p.metadata?.labels, { app: 'agent', 'controller-revision-hash': 'abc', 'pod-template-generation': '2' });
    assert.deepEqual(p.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u1', controller: true, blockOwnerDeletion: true }]);
    assert.equal(p.spec?.nodeName, 'edge-0');
    assert.deepEqual(p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['edge-0'] }] },
    ]);
    assert.equal(p.spec?.tolerations?.length, 6);
  });

  test('the template hash is stable across key order and changes with the template and collision count', () => {
    const a = templateHash({ metadata: { labels: { x: '1', y: '2' } }, spec: { containers: [] } }, undefined);
    const b = templateHash({ spec: { containers: [] }, metadata: { labels: { y: '2', x: '1' } } }, undefined);
    assert.equal(a, b);
    assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.notEqual(a, templateHash({ metadata: { labels: { x: '1' } }, spec: { containers: [] } }, undefined));
    assert.notEqual(a, templateHash({ metadata: { labels: { x: '1', y: '2' } }, spec: { containers: [] } }, 1));
  });
});
