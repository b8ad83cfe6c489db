import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetricsRegistry } from './index.js';

test('counters and gauges render in Prometheus text format with escaped labels', () => {
  const reg = new MetricsRegistry();
  const c = reg.counter('kubeedge_refused_total', 'Refused things.');
  c.inc({ reason: 'forbidden' });
  c.inc({ reason: 'forbidden' });
  c.inc({ reason: 'say "hi"' });
  const g = reg.gauge('kubeedge_sessions', 'Sessions.');
  g.set(3);
  assert.equal(c.get({ reason: 'forbidden' }), 2);
  assert.equal(c.total(), 3);
  assert.equal(reg.counter('kubeedge_refused_total', 'again'), c);
  assert.throws(() => reg.gauge('kubeedge_refused_total', 'x'));
  const text = reg.render();
  assert.match(text, /# TYPE kubeedge_refused_total counter/);
  assert.match(text, /kubeedge_refused_total\{reason="forbidden"\} 2/);
  assert.match(text, /kubeedge_refused_total\{reason="say \\"hi\\""\} 1/);
  assert.match(text, /kubeedge_sessions 3/);
});
