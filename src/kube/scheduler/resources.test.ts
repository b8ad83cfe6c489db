import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isKeError } from '../../base/index.js';
import { nodeAllocatable, parseQuantity, podRequests, toAmount } from './resources.js';

describe('quantities', () => {
  test('parses decimal, binary and exponent forms', () => {
    assert.equal(parseQuantity('100m'), 0.1);
    assert.equal(parseQuantity('2'), 2);
    assert.equal(parseQuantity('1.5'), 1.5);
    assert.equal(parseQuantity('1Gi'), 2 ** 30);
    assert.equal(parseQuantity('64Mi'), 64 * 2 ** 20);
    assert.equal(parseQuantity('1k'), 1000);
    assert.equal(parseQuantity('1M'), 1e6);
    assert.equal(parseQuantity('1e3'), 1000);
    assert.equal(parseQuantity('12E-1'), 1.2);
    assert.equal(parseQuantity(3), 3);
  });

  test('refuses what is not a quantity with a code', () => {
    for (const bad of ['', 'abc', '1Q', '1 Gi', 'Gi']) {
      assert.throws(() => parseQuantity(bad), (e: unknown) => isKeError(e, 'KE_SCHED_BAD_QUANTITY'), bad);
    }
  });

  test('cpu in millicores, others in whole units rounded up', () => {
    assert.equal(toAmount('cpu', '100m'), 100);
    assert.equal(toAmount('cpu', '1.5'), 1500);
    assert.equal(toAmount('cpu', '0.0001'), 1);
    assert.equal(toAmount('memory', '1Ki'), 1024);
    assert.equal(toAmount('memory', '1500m'), 2);
  });
});

describe('pod requests', () => {
  test('sums containers, takes the largest init container, adds overhead, defaults to limits', () => {
    const r = podRequests({
      spec: {
        containers: [
          { name: 'a', resources: { requests: { cpu: '100m', memory: '64Mi' } } },
          { name: 'b', resources: { limits: { cpu: '200m', 'example.com/gpu': '1' } } },
        ],
        initContainers: [{ name: 'i', resources: { requests: { cpu: '1', memory: '16Mi' } } }],
        overhead: { cpu: '10m' },
      },
    });
    assert.deepEqual(r, { cpu: 1010, memory: 64 * 2 ** 20, 'example.com/gpu': 1 });
  });

  test('node allocatable falls back to capacity', () => {
    assert.deepEqual(nodeAllocatable({ status: { capacity: { cpu: '2', pods: '10' } } }), { cpu: 2000, pods: 10 });
    assert.deepEqual(nodeAllocatable({ status: { capacity: { cpu: '2' }, allocatable: { cpu: '1500m' } } }), { cpu: 1500 });
  });
});
