import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1DaemonSet, V1Node, V1PodSpec, V1Taint } from '../../client/index.js';
import { daemonPodTolerations, fitsNodeAffinity, labelSelectorMatches, nodeShouldRunDaemonPod, tolerates, withDaemonTolerations } from './placement.js';

const EDGE_TAINT: V1Taint = { key: 'node-role.kubernetes.io/edge', effect: 'NoSchedule' };

function node(name: string, labels: Record<string, string> = {}, taints: V1Taint[] = []): V1Node {
  return { metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec: { taints } };
}

function ds(spec: Partial<V1PodSpec> = {}): V1DaemonSet {
  return {
    metadata: { name: 'agent', namespace: 'default', uid: 'u1', generation: 1 },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } } },
  };
}

const edgeNode = node('edge-0', { 'node-role.kubernetes.io/edge': '' }, [EDGE_TAINT]);
const tolerateEdge = { tolerations: [{ key: 'node-role.kubernetes.io/edge', operator: 'Exists', effect: 'NoSchedule' }] };

describe('nodeShouldRunDaemonPod', () => {
  test('a plain cloud node runs the pod', () => {
    assert.deepEqual(nodeShouldRunDaemonPod(node('a'), ds()), { shouldRun: true, shouldContinueRunning: true });
  });

  test('an edge node with the edge taint is skipped unless the template tolerates it; an existing pod may stay (NoSchedule)', () => {
    const no = nodeShouldRunDaemonPod(edgeNode, ds());
    assert.equal(no.shouldRun, false);
    assert.equal(no.shouldContinueRunning, true);
    assert.equal(no.reason, 'Taint');
    assert.deepEqual(nodeShouldRunDaemonPod(edgeNode, ds(tolerateEdge)), { shouldRun: true, shouldContinueRunning: true });
  });

  test('an edge node without the taint gets the pod (the label alone does not exclude)', () => {
    assert.equal(nodeShouldRunDaemonPod(node('e', { 'node-role.kubernetes.io/edge': '' }), ds()).shouldRun, true);
  });

  test('an untolerated NoExecute taint evicts an existing pod too', () => {
    const p = nodeShouldRunDaemonPod(node('a', {}, [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }]), ds());
    assert.deepEqual([p.shouldRun, p.shouldContinueRunning], [false, false]);
  });

  test('PreferNoSchedule taints do not matter', () => {
    assert.equal(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'x', effect: 'PreferNoSchedule' }]), ds()).shouldRun, true);
  });

  test('the standard daemon tolerations cover not-ready, unreachable, pressure and unschedulable taints', () => {
    for (const t of [
      { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/pid-pressure', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
    ]) {
      assert.equal(nodeShouldRunDaemonPod(node('a', {}, [t]), ds()).shouldRun, true, t.key);
    }
    const netDown = node('a', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]);
    assert.equal(nodeShouldRunDaemonPod(netDown, ds()).shouldRun, false);
    assert.equal(nodeShouldRunDaemonPod(netDown, ds({ hostNetwork: true })).shouldRun, true);
    assert.equal(daemonPodTolerations(false).find((t) => t.key === 'node.kubernetes.io/unreachable')?.tolerationSeconds, undefined);
  });

  test('nodeSelector and required node affinity; a node that stops matching loses its pod', () => {
    const sel = ds({ nodeSelector: { disk: 'ssd' } });
    assert.equal(nodeShouldRunDaemonPod(node('a', { disk: 'ssd' }), sel).shouldRun, true);
    assert.deepEqual(nodeShouldRunDaemonPod(node('a', { disk: 'hdd' }), sel), { shouldRun: false, shouldContinueRunning: false, reason: 'NodeAffinity' });
    const aff = ds({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'node-role.kubernetes.io/edge', operator: 'DoesNotExist' }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['edge-0'] }] }],
          },
        },
      },
      ...tolerateEdge,
    });
    assert.equal(nodeShouldRunDaemonPod(node('c'), aff).shouldRun, true);
    assert.equal(nodeShouldRunDaemonPod(edgeNode, aff).shouldRun, true, 'second term by name');
    assert.equal(nodeShouldRunDaemonPod(node('edge-1', { 'node-role.kubernetes.io/edge': '' }), aff).shouldRun, false);
  });

  test('a template nodeName pins the DaemonSet to that node', () => {
    assert.equal(nodeShouldRunDaemonPod(node('a'), ds({ nodeName: 'b' })).shouldRun, false);
    assert.equal(nodeShouldRunDaemonPod(node('b'), ds({ nodeName: 'b' })).shouldRun, true);
  });
});

describe('matching helpers', () => {
  test('tolerations: Exists with empty key tolerates all, Equal compares values, effect must match when set', () => {
    const taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
    assert.equal(tolerates({ operator: 'Exists' }, taint), true);
    assert.equal(tolerates({ key: 'k', value: 'v' }, taint), true);
    assert.equal(tolerates({ key: 'k', value: 'w' }, taint), false);
    assert.equal(tolerates({ key: 'k', operator: 'Exists', effect: 'NoExecute' }, taint), false);
  });

  test('daemon tolerations are not duplicated when the template has them', () => {
    const own = { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }], containers: [] };
    assert.equal(withDaemonTolerations(own).filter((t) => t.key === 'node.kubernetes.io/unreachable').length, 1);
  });

  test('Gt / Lt node selector operators', () => {
    const spec = (op: string, v: string): V1PodSpec => ({
      containers: [],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'cores', operator: op, values: [v] }] }] } } },
    });
    assert.equal(fitsNodeAffinity(spec('Gt', '4'), node('a', { cores: '8' })), true);
    assert.equal(fitsNodeAffinity(spec('Lt', '4'), node('a', { cores: '8' })), false);
  });

  test('label selectors', () => {
    const sel = { matchLabels: { app: 'x' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'legacy', operator: 'DoesNotExist' }] };
    assert.equal(labelSelectorMatches(sel, { app: 'x', tier: 'a' }), true);
    assert.equal(labelSelectorMatches(sel, { app: 'x', tier: 'c' }), false);
    assert.equal(labelSelectorMatches(sel, { app: 'x', tier: 'a', legacy: '' }), false);
    assert.equal(labelSelectorMatches({}, { any: 'thing' }), true);
  });
});
