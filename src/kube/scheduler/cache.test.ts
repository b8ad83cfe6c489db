import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SchedulerCache } from './cache.js';
import { pod } from './test-util.js';

const nodeObj = (name: string) => ({ metadata: { name }, status: { allocatable: { cpu: '2', pods: '10' }, conditions: [{ type: 'Ready', status: 'True' }] } });

describe('SchedulerCache', () => {
  test('assume, confirm, forget: requests follow the pod', () => {
    const c = new SchedulerCache();
    c.setNode(nodeObj('n1'));
    c.setNode(nodeObj('n2'));
    const p = pod('p', { cpu: '500m' });
    c.assume(p, 'n1');
    assert.equal(c.node('n1')?.requested['cpu'], 500);
    assert.equal(c.isAssumed(p.key), true);
    c.forget(p.key);
    assert.equal(c.node('n1')?.requested['cpu'], 0);
    assert.equal(c.node('n1')?.pods.size, 0);
    c.assume(p, 'n1');
    c.addBoundPod(p, 'n1');
    c.forget(p.key); // confirmed: a late bind failure does not undo it
    assert.equal(c.node('n1')?.pods.size, 1);
    c.addBoundPod(p, 'n2'); // moved
    assert.equal(c.node('n1')?.pods.size, 0);
    assert.equal(c.node('n2')?.requested['cpu'], 500);
    assert.equal(c.removePod(p.key), true);
    assert.equal(c.node('n2')?.requested['cpu'], 0);
  });

  test('pods seen before their node are kept; nodes list only existing nodes', () => {
    const c = new SchedulerCache();
    c.addBoundPod(pod('early', { cpu: '1' }), 'late');
    assert.equal(c.node('late'), undefined);
    assert.equal(c.nodeList().length, 0);
    c.setNode(nodeObj('late'));
    assert.equal(c.node('late')?.requested['cpu'], 1000);
    assert.deepEqual(c.nodeList().map((n) => n.name), ['late']);
    c.removeNode('late');
    assert.equal(c.nodeCount, 0);
  });

  test('nominations reserve room on one node at a time', () => {
    const c = new SchedulerCache();
    c.setNode(nodeObj('n1'));
    c.setNode(nodeObj('n2'));
    const p = pod('p', { cpu: '1' }, {}, 100);
    c.nominate(p, 'n1');
    c.nominate(p, 'n2');
    assert.equal(c.node('n1')?.nominated.size, 0);
    assert.equal(c.nominatedNode(p.key), 'n2');
    c.assume(p, 'n2');
    assert.equal(c.nominatedNode(p.key), undefined);
    assert.equal(c.node('n2')?.nominated.size, 0);
  });
});
