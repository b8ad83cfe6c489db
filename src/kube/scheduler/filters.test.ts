import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { filterNode, matchesNodeAffinity, REASONS, taintReason, toleratesTaint, unschedulableMessage } from './filters.js';
import { node, pod, withPods } from './test-util.js';

const EDGE_TAINT = { key: 'node-role.kubernetes.io/edge', effect: 'NoSchedule' };

describe('filters', () => {
  test('a plain pod fits a Ready node with room', () => {
    assert.equal(filterNode(pod('p', { cpu: '1' }), node('n1')), undefined);
  });

  test('spec.nodeName pins the pod to one node', () => {
    assert.deepEqual(filterNode(pod('p', {}, { nodeName: 'n2' }), node('n1'))?.reasons, [REASONS.nodeName]);
    assert.equal(filterNode(pod('p', {}, { nodeName: 'n1' }), node('n1')), undefined);
  });

  test('nodeSelector', () => {
    const p = pod('p', {}, { nodeSelector: { zone: 'a' } });
    assert.equal(filterNode(p, node('n', { labels: { zone: 'a' } })), undefined);
    const f = filterNode(p, node('n', { labels: { zone: 'b' } }));
    assert.deepEqual(f, { reasons: [REASONS.affinity], resolvable: false });
  });

  test('required node affinity: operators, ORed terms, matchFields', () => {
    const labels = { zone: 'a', gen: '5', ssd: '' };
    const expr = (operator: string, values?: string[], key = 'zone'): boolean =>
      matchesNodeAffinity(
        pod('p', {}, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] }] } } } }),
        labels,
        'n1',
      );
    assert.equal(expr('In', ['a', 'b']), true);
    assert.equal(expr('In', ['b']), false);
    assert.equal(expr('NotIn', ['b']), true);
    assert.equal(expr('NotIn', ['a']), false);
    assert.equal(expr('NotIn', ['a'], 'missing'), true);
    assert.equal(expr('Exists', undefined, 'ssd'), true);
    assert.equal(expr('DoesNotExist', undefined, 'ssd'), false);
    assert.equal(expr('DoesNotExist', undefined, 'gpu'), true);
    assert.equal(expr('Gt', ['4'], 'gen'), true);
    assert.equal(expr('Gt', ['5'], 'gen'), false);
    assert.equal(expr('Lt', ['6'], 'gen'), true);
    assert.equal(expr('Lt', ['6'], 'zone'), false);
    assert.equal(expr('Bogus', ['a']), false);
    const terms = (t: object[]): boolean => matchesNodeAffinity(pod('p', {}, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: t } } } }), labels, 'n1');
    assert.equal(terms([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['x'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }]), true);
    assert.equal(terms([{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] }]), false);
    assert.equal(terms([{}]), false, 'an empty term matches nothing');
  });

  test('taints against tolerations', () => {
    assert.equal(toleratesTaint({ operator: 'Exists' }, EDGE_TAINT), true, 'empty key + Exists tolerates all');
    assert.equal(toleratesTaint({ key: EDGE_TAINT.key, operator: 'Exists', effect: 'NoSchedule' }, EDGE_TAINT), true);
    assert.equal(toleratesTaint({ key: EDGE_TAINT.key, operator: 'Exists', effect: 'NoExecute' }, EDGE_TAINT), false);
    assert.equal(toleratesTaint({ key: 'k', operator: 'Equal', value: 'v' }, { key: 'k', value: 'v', effect: 'NoExecute' }), true);
    assert.equal(toleratesTaint({ key: 'k', value: 'w' }, { key: 'k', value: 'v', effect: 'NoExecute' }), false);
    const n = node('edge', { taints: [EDGE_TAINT, { key: 'soft', effect: 'PreferNoSchedule' }] });
    assert.deepEqual(filterNode(pod('p'), n)?.reasons, [taintReason(EDGE_TAINT)]);
    assert.equal(taintReason(EDGE_TAINT), 'node(s) had untolerated taint {node-role.kubernetes.io/edge: }');
    assert.equal(filterNode(pod('p', {}, { tolerations: [{ key: EDGE_TAINT.key, operator: 'Exists' }] }), n), undefined);
  });

  test('resources: cpu, memory, extended, pod count, against what is bound', () => {
    const n = withPods(node('n', { allocatable: { cpu: '1', memory: '1Gi', pods: '2', 'example.com/gpu': '1' } }), pod('a', { cpu: '600m', memory: '512Mi' }));
    assert.equal(filterNode(pod('p', { cpu: '400m', memory: '512Mi' }), n), undefined);
    assert.deepEqual(filterNode(pod('p', { cpu: '500m', memory: '600Mi' }), n), { reasons: ['Insufficient cpu', 'Insufficient memory'], resolvable: true });
    assert.equal(filterNode(pod('p', { 'example.com/gpu': '1' }), n), undefined);
    assert.deepEqual(filterNode(pod('p', { 'example.com/gpu': '2' }), n)?.reasons, ['Insufficient example.com/gpu']);
    assert.deepEqual(filterNode(pod('p', { 'example.com/fpga': '1' }), n)?.reasons, ['Insufficient example.com/fpga']);
    withPods(n, pod('b'));
    assert.deepEqual(filterNode(pod('p'), n)?.reasons, [REASONS.tooManyPods]);
  });

  test('init containers count by their maximum', () => {
    const n = node('n', { allocatable: { cpu: '1' } });
    const p = pod('p', { cpu: '200m' }, { initContainers: [{ name: 'i', resources: { requests: { cpu: '900m' } } }] });
    assert.equal(filterNode(p, n), undefined);
    const q = pod('q', { cpu: '200m' }, { initContainers: [{ name: 'i', resources: { requests: { cpu: '1100m' } } }] });
    assert.deepEqual(filterNode(q, n)?.reasons, ['Insufficient cpu']);
  });

  test('unschedulable and not-Ready nodes', () => {
    assert.deepEqual(filterNode(pod('p'), node('n', { unschedulable: true }))?.reasons, [REASONS.unschedulable]);
    assert.equal(filterNode(pod('p', {}, { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }), node('n', { unschedulable: true })), undefined);
    assert.deepEqual(filterNode(pod('p'), node('n', { ready: false }))?.reasons, ['node(s) had untolerated taint {node.kubernetes.io/not-ready: }']);
    assert.equal(filterNode(pod('p', {}, { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }] }), node('n', { ready: false })), undefined);
  });

  test('host ports', () => {
    const web = (name: string, hostIP?: string, protocol?: string) =>
      pod(name, {}, { containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 8080, ...(hostIP ? { hostIP } : {}), ...(protocol ? { protocol } : {}) }] }] });
    const n = withPods(node('n'), web('a', '10.0.0.1'));
    assert.deepEqual(filterNode(web('p'), n)?.reasons, [REASONS.ports]);
    assert.deepEqual(filterNode(web('p', '10.0.0.1'), n)?.reasons, [REASONS.ports]);
    assert.equal(filterNode(web('p', '10.0.0.2'), n), undefined);
    assert.equal(filterNode(web('p', undefined, 'UDP'), n), undefined);
  });

  test('the FailedScheduling message reads as Kubernetes writes it', () => {
    const counts = new Map([
      [taintReason(EDGE_TAINT), 2],
      [REASONS.affinity, 1],
    ]);
    assert.equal(
      unschedulableMessage(3, counts),
      "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) had untolerated taint {node-role.kubernetes.io/edge: }.",
    );
    assert.equal(unschedulableMessage(0, new Map()), 'no nodes available to schedule pods');
  });
});
