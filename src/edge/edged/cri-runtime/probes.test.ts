import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../../base/index.js';
import { createCriClient } from '../../../platform/cri/client.js';
import { ProbeManager } from './probes.js';

test('probe workers: stopAll() stops every worker and no worker starts afterwards', () => {
  // The client is never called: the probes' first run is an hour away.
  const client = createCriClient('unix:///nonexistent/cri.sock');
  const changes: string[] = [];
  const m = new ProbeManager({ clock: systemClock, client, onChange: (uid) => changes.push(uid), onFailure: () => undefined });
  const spec = { name: 'c', readinessProbe: { exec: { command: ['true'] }, initialDelaySeconds: 3600 }, livenessProbe: { exec: { command: ['true'] }, initialDelaySeconds: 3600 } };
  try {
    m.ensure('u', 'c1', spec, '10.0.0.1');
    m.ensure('u', 'c2', spec, '10.0.0.1');
    assert.equal(m.size, 2);
    assert.equal(m.ready('c1'), false, 'not ready before its readiness probe passed');
    m.retain('u', new Set(['c2']));
    assert.deepEqual([m.has('c1'), m.has('c2')], [false, true]);
    m.stopAll();
    assert.equal(m.size, 0);
    m.ensure('u', 'c3', spec, '10.0.0.1');
    assert.equal(m.size, 0, 'ensure() after stopAll() starts nothing (an in-flight sync or podStatus after stop)');
    assert.deepEqual(changes, []);
  } finally {
    client.close();
  }
});
