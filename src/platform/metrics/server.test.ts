import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKeError } from '../../base/index.js';
import { MetricsRegistry } from './index.js';
import { serveMetrics, splitHostPort } from './server.js';

test('serves /metrics, /healthz, extra paths and 404', async () => {
  const registry = new MetricsRegistry();
  registry.counter('ke_test_total', 'a test counter').inc({ reason: 'x' }, 2);
  const server = await serveMetrics('127.0.0.1:0', registry, (path) => (path === '/readyz' ? { status: 503, body: 'not ready' } : undefined));
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(await metrics.text(), /ke_test_total\{reason="x"\} 2/);
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'ok');
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(await ready.text(), 'not ready');
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
  } finally {
    await server.close();
  }
});

test('a busy port and a bad bind are KeErrors', async () => {
  const registry = new MetricsRegistry();
  const first = await serveMetrics('127.0.0.1:0', registry);
  try {
    await assert.rejects(serveMetrics(`127.0.0.1:${first.port}`, registry), (err: unknown) => isKeError(err, 'KE_METRICS_LISTEN'));
  } finally {
    await first.close();
  }
  assert.throws(() => splitHostPort('9091'), (err: unknown) => isKeError(err, 'KE_METRICS_BIND'));
  assert.deepEqual(splitHostPort('[::1]:9091'), { host: '::1', port: 9091 });
});
