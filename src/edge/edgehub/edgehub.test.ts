import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeMessage, newMessage, responseTo, type KubeEdgeMessage } from '../../api/index.js';
import { DEFAULT_EDGECORE_CONFIG } from '../../api/config/index.js';
import { NODE, connEvents, conns, dir, lastConn, nonKeepalive, setupHubTestEnv, startEdge, teardownHubTestEnv, tick, upMsg, upgrades, waitFor } from './test-env.js';

before(setupHubTestEnv);
after(teardownHubTestEnv);

describe('edgehub', () => {
  test('dials with KubeEdge headers and announces the connection', async () => {
    const n = conns.length;
    const edge = await startEdge(join(dir, 'connect.db'));
    try {
      await waitFor('connection', () => edge.hub.connected() && conns.length > n);
      const up = upgrades.at(-1);
      assert.ok(up);
      assert.equal(up.path, `/${DEFAULT_EDGECORE_CONFIG.modules.edgeHub.projectID}/${NODE}/events`);
      assert.equal(up.headers['node_id'], NODE);
      assert.equal(up.headers['project_id'], DEFAULT_EDGECORE_CONFIG.modules.edgeHub.projectID);
      assert.equal(up.headers['connectionuse'], 'msg');
      assert.equal(up.peerCommonName, `system:node:${NODE}`);
      await waitFor('connected events', () => connEvents(edge.meta).length === 1 && connEvents(edge.edged).length === 1);
      const ev = edge.meta.got.find((m) => m.route.resource === 'node/connection');
      assert.deepEqual(ev?.route, { source: 'edgehub', group: 'meta', operation: 'connect', resource: 'node/connection' });
      assert.equal(ev?.content, 'connected');
    } finally {
      await edge.stop();
    }
  });

  test('sends a keepalive only after a heartbeat without other writes', async () => {
    const edge = await startEdge(join(dir, 'keepalive.db'));
    try {
      await waitFor('connection', () => edge.hub.connected());
      const c = lastConn();
      const keepalives = (): KubeEdgeMessage[] => c.frames.filter((f) => f.route.operation === 'keepalive');
      await tick(edge.clock, 14_000);
      assert.equal(keepalives().length, 0);
      await tick(edge.clock, 1_000);
      await waitFor('first keepalive', () => keepalives().length === 1);
      assert.deepEqual(keepalives()[0]?.route, { source: 'websocket', group: 'resource', operation: 'keepalive', resource: 'node' });
      assert.equal(keepalives()[0]?.content, 'ping');
      edge.meta.ctx().send('websocket', upMsg('insert', 'default/event/e1', { reason: 'x' }));
      await waitFor('event upstream', () => nonKeepalive(c.frames).length === 1);
      await tick(edge.clock, 10_000);
      assert.equal(keepalives().length, 1, 'no keepalive while the uplink was busy');
      await tick(edge.clock, 5_000);
      await waitFor('second keepalive', () => keepalives().length === 2);
    } finally {
      await edge.stop();
    }
  });

  test('offline: sync calls fail at once, reports are queued durably and delivered after a restart', async () => {
    const dbFile = join(dir, 'durable.db');
    const edge = await startEdge(dbFile, true);
    const first = upMsg('patch', 'default/podpatch/web-1', '{"status":{"phase":"Pending"}}');
    const second = upMsg('patch', 'default/podpatch/web-1', '{"status":{"phase":"Running"}}');
    const node = upMsg('patch', 'default/nodepatch/edge-1', '{"status":{}}');
    try {
      const ctx = edge.meta.ctx();
      ctx.send('websocket', first);
      ctx.send('websocket', node);
      ctx.send('websocket', second);
      ctx.send('websocket', upMsg('insert', 'default/event/e1', {}));
      const reply = await ctx.sendSync('websocket', upMsg('query', 'default/configmap/cm1', null, true), 5_000);
      assert.equal(reply.route.operation, 'error');
      assert.equal(reply.content, 'connection lost');
      await waitFor('queued rows', () => edge.db.upstream.count() === 2);
      assert.equal(edge.metrics.counter('kubeedge_edgehub_dropped_total', '').total(), 1);
      assert.equal(edge.hub.connected(), false);
    } finally {
      await edge.stop();
    }
    const n = conns.length;
    const again = await startEdge(dbFile, false);
    try {
      const order = again.db.upstream.peek(10).map((r) => r.msgId);
      assert.deepEqual([...order].sort(), [second.header.msg_id, node.header.msg_id].sort());
      assert.equal(again.hub.stats().queued, 2);
      await waitFor('connection', () => again.hub.connected() && conns.length > n);
      const c = lastConn();
      await waitFor('queued frames', () => nonKeepalive(c.frames).length === 2);
      const sent = nonKeepalive(c.frames);
      assert.deepEqual(sent.map((f) => f.header.msg_id), order);
      const pod = sent.find((f) => f.route.resource === 'default/podpatch/web-1');
      assert.ok(pod);
      assert.equal(pod.content, second.content);
      await c.conn.send(encodeMessage(responseTo(pod, { Object: {}, Err: null }, { source: 'edgecontroller' })));
      await waitFor('pod row answered', () => again.db.upstream.count() === 1);
      const np = sent.find((f) => f.route.resource === 'default/nodepatch/edge-1');
      assert.ok(np);
      const notFound = { code: 404, reason: 'NotFound', message: 'nodes "edge-1" not found' };
      await c.conn.send(encodeMessage(responseTo(np, { Object: null, Err: { ErrStatus: notFound } }, { source: 'edgecontroller' })));
      await waitFor('node row answered', () => again.db.upstream.count() === 0);
    } finally {
      await again.stop();
    }
  });

  test('resends a queued report left unanswered for 30 s', async () => {
    const edge = await startEdge(join(dir, 'resend.db'));
    try {
      await waitFor('connection', () => edge.hub.connected());
      const c = lastConn();
      const report = upMsg('update', 'default/podstatus/web-2', { phase: 'Running' });
      edge.meta.ctx().send('websocket', report);
      const copies = (): number => c.frames.filter((f) => f.header.msg_id === report.header.msg_id).length;
      await waitFor('first send', () => copies() === 1);
      await tick(edge.clock, 20_000);
      assert.equal(copies(), 1);
      await waitFor('resend', () => copies() === 2, edge.clock, 1_000);
      await c.conn.send(encodeMessage(responseTo(report, 'OK')));
      await waitFor('answered', () => edge.db.upstream.count() === 0);
    } finally {
      await edge.stop();
    }
  });

  test('routes cloud messages: requests to meta, replies to the waiting sync call', async () => {
    const edge = await startEdge(join(dir, 'route.db'));
    try {
      await waitFor('connection', () => edge.hub.connected());
      const c = lastConn();
      const query = upMsg('query', 'default/secret/s1', null, true);
      const pending = edge.meta.ctx().sendSync('websocket', query, 5_000);
      await waitFor('query upstream', () => c.frames.some((f) => f.header.msg_id === query.header.msg_id));
      await c.conn.send(encodeMessage(responseTo(query, { kind: 'Secret' }, { source: 'edgecontroller' })));
      const reply = await pending;
      assert.deepEqual(reply.content, { kind: 'Secret' });
      const pod = newMessage({ source: 'edgecontroller', group: 'resource', operation: 'insert', resource: 'default/pod/p1', content: { kind: 'Pod' }, resourceVersion: '7' });
      const twin = newMessage({ source: 'devicecontroller', group: 'twin', operation: 'update', resource: 'device/default/d1/twin/cloud_updated', content: {} });
      await c.conn.send(encodeMessage(twin));
      await c.conn.send(encodeMessage(pod));
      await waitFor('pod to meta', () => edge.meta.got.some((m) => m.header.msg_id === pod.header.msg_id));
      assert.equal(edge.meta.got.some((m) => m.header.msg_id === twin.header.msg_id), false);
    } finally {
      await edge.stop();
    }
  });

  test('bad frames are counted and dropped; the connection stays', async () => {
    const edge = await startEdge(join(dir, 'bad.db'));
    try {
      await waitFor('connection', () => edge.hub.connected());
      const c = lastConn();
      const bad = (reason: string): number => edge.metrics.counter('kubeedge_edgehub_bad_messages_total', '').get({ reason });
      await c.conn.send('not json');
      await c.conn.send('{"header":{},"route":{}}');
      await c.conn.send(JSON.stringify({ header: { msg_id: 'x', timestamp: 1 }, route: {}, content: 'a'.repeat(4 * 1024 * 1024) }));
      await c.conn.send(encodeMessage(newMessage({ source: 'edgecontroller', group: 'resource', operation: 'explode', resource: 'default/pod/p', content: null })));
      const good = newMessage({ source: 'edgecontroller', group: 'resource', operation: 'update', resource: 'default/configmap/cm', content: {} });
      await c.conn.send(encodeMessage(good));
      await waitFor('good message', () => edge.meta.got.some((m) => m.header.msg_id === good.header.msg_id));
      assert.equal(bad('malformed'), 2);
      assert.equal(bad('oversized'), 1);
      assert.equal(bad('unknown_operation'), 1);
      assert.equal(edge.hub.connected(), true);
      assert.equal(c.conn.open, true);
    } finally {
      await edge.stop();
    }
  });

  test('reconnects after the cloud drops the socket', async () => {
    const edge = await startEdge(join(dir, 'reconnect.db'));
    try {
      await waitFor('connection', () => edge.hub.connected());
      const n = conns.length;
      lastConn().conn.terminate();
      await waitFor('disconnected event', () => connEvents(edge.meta).includes('disconnected'));
      await waitFor('reconnected', () => edge.hub.connected() && conns.length > n, edge.clock, 200);
      assert.deepEqual(connEvents(edge.meta), ['connected', 'disconnected', 'connected']);
      assert.deepEqual(connEvents(edge.edged), ['connected', 'disconnected', 'connected']);
      assert.equal(edge.hub.stats().reconnects, 1);
      assert.ok(edge.hub.stats().bytesWritten > 0);
    } finally {
      await edge.stop();
    }
  });

  test('a silent downlink is treated as dead after max(readDeadline*4, 60) s', async () => {
    const edge = await startEdge(join(dir, 'silent.db'));
    try {
      await waitFor('connection', () => edge.hub.connected());
      for (let i = 0; i < 3; i++) await tick(edge.clock, 15_000);
      assert.equal(edge.hub.connected(), true);
      await tick(edge.clock, 15_000);
      await waitFor('dropped', () => !edge.hub.connected());
    } finally {
      await edge.stop();
    }
  });

  test('rate limits the uplink by delaying, never dropping', async () => {
    const edge = await startEdge(join(dir, 'rate.db'), false, { messageQPS: 1, messageBurst: 2 });
    try {
      await waitFor('connection', () => edge.hub.connected());
      const c = lastConn();
      const sent = Array.from({ length: 4 }, (_, i) => upMsg('insert', `default/event/e${i}`, {}));
      for (const m of sent) edge.meta.ctx().send('websocket', m);
      await waitFor('burst', () => nonKeepalive(c.frames).length === 2);
      await tick(edge.clock, 100);
      assert.equal(nonKeepalive(c.frames).length, 2);
      await tick(edge.clock, 1_000);
      await waitFor('third', () => nonKeepalive(c.frames).length === 3);
      await tick(edge.clock, 1_000);
      await waitFor('fourth', () => nonKeepalive(c.frames).length === 4);
      assert.deepEqual(nonKeepalive(c.frames).map((f) => f.header.msg_id), sent.map((m) => m.header.msg_id));
      assert.equal(edge.metrics.counter('kubeedge_edgehub_dropped_total', '').total(), 0);
    } finally {
      await edge.stop();
    }
  });
});
