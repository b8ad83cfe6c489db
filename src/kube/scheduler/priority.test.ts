import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1PriorityClass } from '../client/index.js';
import { podPriority, type PriorityClassLookup } from './priority.js';
import { numFeasibleNodesToFind } from './scheduler.js';

function lookup(classes: V1PriorityClass[]): PriorityClassLookup {
  return {
    get: (name) => classes.find((c) => c.metadata?.name === name),
    globalDefault: () => classes.filter((c) => c.globalDefault === true).sort((a, b) => b.value - a.value)[0],
  };
}

describe('pod priority', () => {
  const classes = [
    { metadata: { name: 'high' }, value: 1000 },
    { metadata: { name: 'default' }, value: 5, globalDefault: true },
  ];

  test('spec.priority, then the PriorityClass, then the global default, then 0', () => {
    assert.equal(podPriority({ spec: { containers: [], priority: 7, priorityClassName: 'high' } }, lookup(classes)), 7);
    assert.equal(podPriority({ spec: { containers: [], priorityClassName: 'high' } }, lookup(classes)), 1000);
    assert.equal(podPriority({ spec: { containers: [] } }, lookup(classes)), 5);
    assert.equal(podPriority({ spec: { containers: [] } }, lookup([])), 0);
    assert.equal(podPriority({ spec: { containers: [], priorityClassName: 'missing' } }, lookup(classes)), 0);
    assert.equal(podPriority({ spec: { containers: [], priorityClassName: 'system-node-critical' } }, lookup([])), 2_000_001_000);
  });
});

describe('nodes to look at per pod', () => {
  test("kube-scheduler's adaptive percentage", () => {
    assert.equal(numFeasibleNodesToFind(50), 50);
    assert.equal(numFeasibleNodesToFind(1000), 420);
    assert.equal(numFeasibleNodesToFind(5000), 500);
    assert.equal(numFeasibleNodesToFind(200, 10), 100);
    assert.equal(numFeasibleNodesToFind(1000, 100), 1000);
  });
});
