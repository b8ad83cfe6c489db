import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findPreemptionCandidates, pickPreemptionCandidate, selectVictimsOnNode } from './preemption.js';
import { node, pod, withPods } from './test-util.js';

const alloc = { allocatable: { cpu: '2', memory: '4Gi', pods: '10' } };

describe('preemption', () => {
  test('evicts the minimal set of lower-priority pods, lowest priority first', () => {
    const n = withPods(node('n', alloc), pod('low', { cpu: '500m' }, {}, 1), pod('mid', { cpu: '500m' }, {}, 5), pod('big', { cpu: '1' }, {}, 3));
    const high = pod('high', { cpu: '600m' }, {}, 10);
    const victims = selectVictimsOnNode(high, n);
    // removing 'low' (500m) frees 500m only; 'big' (1 cpu, prio 3) must go, and 'low' can stay
    assert.deepEqual(victims?.map((v) => v.key), ['default/big']);
    const small = pod('small', { cpu: '400m' }, {}, 10);
    assert.deepEqual(selectVictimsOnNode(small, n)?.map((v) => v.key), ['default/low']);
  });

  test('never evicts pods of equal or higher priority', () => {
    const n = withPods(node('n', alloc), pod('a', { cpu: '2' }, {}, 10));
    assert.equal(selectVictimsOnNode(pod('p', { cpu: '1' }, {}, 10), n), undefined);
    assert.equal(selectVictimsOnNode(pod('p', { cpu: '3' }, {}, 100), withPods(node('m', alloc), pod('b', { cpu: '1' }, {}, 0))), undefined, 'does not fit even when empty');
  });

  test('pod count counts too', () => {
    const n = withPods(node('n', { allocatable: { pods: '1' } }), pod('a', {}, {}, 0));
    assert.deepEqual(selectVictimsOnNode(pod('p', {}, {}, 1), n)?.map((v) => v.key), ['default/a']);
  });

  test('picks the node with the least important victims, then the fewest', () => {
    const n1 = withPods(node('n1', alloc), pod('a', { cpu: '2' }, {}, 5));
    const n2 = withPods(node('n2', alloc), pod('b', { cpu: '1' }, {}, 1), pod('c', { cpu: '1' }, {}, 1));
    const n3 = withPods(node('n3', alloc), pod('d', { cpu: '2' }, {}, 1));
    const p = pod('p', { cpu: '2' }, {}, 10);
    const best = pickPreemptionCandidate(findPreemptionCandidates(p, [n1, n2, n3]));
    assert.equal(best?.node.name, 'n3');
    assert.deepEqual(best?.victims.map((v) => v.key), ['default/d']);
    assert.equal(pickPreemptionCandidate([]), undefined);
  });
});
