import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { leastAllocatedScore, preferredAffinityWeight, selectHost } from './scoring.js';
import { node, pod, withPods } from './test-util.js';

describe('scoring', () => {
  test('least allocated prefers the emptier node', () => {
    const p = pod('p', { cpu: '1', memory: '1Gi' });
    const busy = withPods(node('busy'), pod('x', { cpu: '2', memory: '4Gi' }));
    const idle = node('idle');
    assert.ok(leastAllocatedScore(p, idle) > leastAllocatedScore(p, busy));
    assert.equal(selectHost(p, [busy, idle])?.node.name, 'idle');
  });

  test('pods without requests count the non-zero defaults, so they spread', () => {
    const a = withPods(node('a'), pod('x'), pod('y'));
    const b = node('b');
    assert.equal(selectHost(pod('p'), [a, b])?.node.name, 'b');
  });

  test('preferred node affinity adds its weights', () => {
    const p = pod('p', {}, {
      affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 80, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }] } },
    });
    const ssd = withPods(node('ssd', { labels: { disk: 'ssd' } }), pod('x', { cpu: '1' }));
    const hdd = node('hdd', { labels: { disk: 'hdd' } });
    assert.equal(preferredAffinityWeight(p, ssd), 80);
    assert.equal(preferredAffinityWeight(p, hdd), 0);
    assert.equal(selectHost(p, [hdd, ssd])?.node.name, 'ssd');
  });

  test('ties are broken by a hash of pod and node, spreading identical pods', () => {
    const nodes = Array.from({ length: 10 }, (_, i) => node(`n${i}`));
    const chosen = new Set<string>();
    for (let i = 0; i < 50; i++) chosen.add(selectHost(pod(`p${i}`), nodes)?.node.name ?? '');
    assert.ok(chosen.size >= 5, `only ${chosen.size} distinct nodes`);
    assert.equal(selectHost(pod('p'), [])?.node, undefined);
    assert.equal(selectHost(pod('same'), nodes)?.node.name, selectHost(pod('same'), [...nodes].reverse())?.node.name, 'independent of order');
  });
});
