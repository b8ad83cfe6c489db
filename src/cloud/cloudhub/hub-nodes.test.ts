import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newMessage, type KubeEdgeMessage } from '../../api/index.js';
import { createFakeClock } from '../../beehive/index.js';
import { silentLogger } from '../../platform/log/index.js';
import { MetricsRegistry } from '../../platform/metrics/index.js';
import { Hub } from './hub.js';
import { hubMetrics } from './metrics.js';
import { MemorySyncPoints } from './test-env.js';

function setup(gone: Set<string>) {
  const registry = new MetricsRegistry();
  const hub = new Hub({
    nodeLimit: 10,
    keepaliveMs: 30_000,
    writeTimeoutMs: 5000,
    maxMessageBytes: 1 << 20,
    authorize: true,
    resendMs: 5000,
    maxResends: 4,
    ackWindow: 10,
    clock: createFakeClock(0),
    log: silentLogger(),
    metrics: hubMetrics(registry),
    syncPoints: new MemorySyncPoints(),
    send: () => undefined,
    maxOfflineQueueBytes: 2000,
    nodeGone: (n) => gone.has(n),
  });
  const dropped = (reason: string): number => registry.counter('kubeedge_cloudhub_dropped_total', '').get({ reason });
  return { hub, dropped };
}

function cm(node: string, name: string, rv: number, size = 10): KubeEdgeMessage {
  const content = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: String(rv) }, data: { v: 'x'.repeat(size) } };
  return newMessage({ source: 'edgecontroller', group: 'resource', operation: 'update', resource: `node/${node}/default/configmap/${name}`, content, resourceVersion: String(rv) });
}

test('an offline node queues at most maxOfflineQueueBytes; the oldest are dropped and counted', () => {
  const { hub, dropped } = setup(new Set());
  for (let i = 0; i < 20; i++) hub.downstream(cm('n1', `c${i}`, 1, 500));
  const q = hub.queue('n1');
  assert.ok(q.pendingBytes <= 2000, String(q.pendingBytes));
  assert.ok(q.pendingCount >= 1 && q.pendingCount < 20);
  assert.equal(dropped('offline-queue-full'), 20 - q.pendingCount);
});

test('the queue of a removed node is freed, and messages for a gone node are not queued', () => {
  const gone = new Set<string>();
  const { hub, dropped } = setup(gone);
  hub.downstream(cm('n1', 'a', 1));
  hub.downstream(cm('n2', 'a', 1));
  assert.equal(hub.queueCount, 2);
  gone.add('n1');
  hub.nodeRemoved('n1');
  assert.equal(hub.queueCount, 1);
  // a late message (edgecontroller's delete of the Node) does not bring the queue back
  hub.downstream(cm('n1', 'b', 2));
  assert.equal(hub.queueCount, 1);
  assert.equal(dropped('node-gone'), 1);
  assert.equal(hub.queue('n2').pendingCount, 1);
});
