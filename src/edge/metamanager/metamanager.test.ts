import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newMessage, responseTo, errorTo, type KubeEdgeMessage } from '../../api/index.js';
import { createRuntime } from '../../beehive/index.js';
import { silentLogger } from '../../platform/log/index.js';
import type { EdgeModuleDeps } from '../common/index.js';
import { CONNECTION_LOST, createMetaManagerModule } from './index.js';
import { cloudMessage, connectionMessage, edgeDeps, podObject, probe, tempEdgeDir, waitFor, type Probe } from './test-util.js';

interface Rig {
  deps: EdgeModuleDeps;
  hub: Probe;
  edged: Probe;
  /** Downstream from the "cloud", as edgehub delivers it. */
  down(msg: KubeEdgeMessage): void;
  /** A sync call from "edged". */
  ask(operation: string, resource: string, content?: unknown): Promise<KubeEdgeMessage>;
  connect(state: 'connected' | 'disconnected'): void;
}

type CloudAnswer = (msg: KubeEdgeMessage) => KubeEdgeMessage | undefined;

async function rig(t: { after(fn: () => Promise<void> | void): void }, answer: CloudAnswer = () => undefined): Promise<Rig> {
  const tmp = tempEdgeDir();
  const deps = edgeDeps(tmp.dbPath, (c) => ({ ...c, modules: { ...c.modules, metaManager: { ...c.modules.metaManager, remoteQueryTimeout: 2 } } }));
  const hub = probe('websocket', 'hub', (msg, ctx) => {
    const out = answer(msg);
    if (out !== undefined) ctx.respond(out);
  });
  const edged = probe('edged', 'edged');
  const runtime = createRuntime<KubeEdgeMessage>({ modules: [hub.module, createMetaManagerModule(deps), edged.module], log: silentLogger() });
  await runtime.start();
  t.after(async () => {
    await runtime.stop();
    deps.db.close();
    tmp.cleanup();
  });
  return {
    deps,
    hub,
    edged,
    down: (msg) => void hub.ctx().sendToGroup('meta', msg),
    ask: (operation, resource, content = null) =>
      edged.ctx().sendSync('metamanager', newMessage({ source: 'edged', group: 'meta', operation, resource, content }), 5000),
    connect: (state) => void hub.ctx().sendToGroup('meta', connectionMessage(state)),
  };
}

const acks = (hub: Probe): KubeEdgeMessage[] => hub.received.filter((m) => m.route.operation === 'response' && m.content === 'OK');

test('downstream pod insert is stored, forwarded to edged, then ACKed (the row exists when the ACK is seen)', async (t) => {
  let rowAtAck: string | undefined;
  const box: { deps?: EdgeModuleDeps } = {};
  const r = await rig(t, (msg) => {
    if (msg.route.operation === 'response' && msg.content === 'OK') rowAtAck = box.deps?.db.meta.get('default/pod/web')?.value;
    return undefined;
  });
  box.deps = r.deps;
  const insert = cloudMessage('insert', 'default/pod/web', podObject('web', 'uid-1'));
  r.down(insert);
  const ack = await waitFor('ACK', () => acks(r.hub)[0]);
  assert.equal(ack.header.parent_msg_id, insert.header.msg_id);
  assert.equal(ack.route.resource, 'default/pod/web');
  assert.ok(rowAtAck !== undefined, 'row committed before the ACK');
  assert.equal((JSON.parse(rowAtAck) as { metadata: { uid: string } }).metadata.uid, 'uid-1');
  assert.equal(r.deps.db.meta.get('default/pod/web')?.type, 'pod');
  assert.equal(r.edged.received[0]?.header.msg_id, insert.header.msg_id);
});

test('pod delete with another UID keeps the row; with the stored UID removes pod and podpatch', async (t) => {
  const r = await rig(t);
  r.down(cloudMessage('insert', 'default/pod/web', podObject('web', 'uid-new')));
  await waitFor('insert ACK', () => acks(r.hub).length === 1);
  r.deps.db.meta.put({ key: 'default/podpatch/web', type: 'podpatch', value: '{"metadata":{"uid":"uid-new"}}' });
  r.down(cloudMessage('delete', 'default/pod/web', podObject('web', 'uid-old')));
  await waitFor('stale delete ACK', () => acks(r.hub).length === 2);
  assert.ok(r.deps.db.meta.get('default/pod/web') !== undefined);
  assert.equal(r.edged.received.filter((m) => m.route.operation === 'delete').length, 0, 'a stale delete is not forwarded');
  r.down(cloudMessage('delete', 'default/pod/web', podObject('web', 'uid-new')));
  await waitFor('delete ACK', () => acks(r.hub).length === 3);
  assert.equal(r.deps.db.meta.get('default/pod/web'), undefined);
  assert.equal(r.deps.db.meta.get('default/podpatch/web'), undefined);
  assert.equal(r.edged.received.filter((m) => m.route.operation === 'delete').length, 1);
});

test('content that is not a named object is dropped, counted and not ACKed', async (t) => {
  const r = await rig(t);
  r.down(cloudMessage('insert', 'default/configmap/x', 'not an object'));
  r.down(cloudMessage('insert', 'default/configmap/y', { metadata: {} }));
  r.down(cloudMessage('insert', 'default/configmap/z', { metadata: { name: 'z' }, data: {} }));
  await waitFor('ACK of the good one', () => acks(r.hub).length === 1);
  assert.equal(acks(r.hub)[0]?.route.resource, 'default/configmap/z');
  assert.equal(r.deps.db.meta.count(), 1);
  assert.equal(r.deps.metrics.counter('kubeedge_metamanager_bad_messages_total', '').total(), 2);
});

test('offline queries are answered from SQLite: by key, list, NotFound; pods always local', async (t) => {
  const r = await rig(t);
  r.down(cloudMessage('insert', 'default/configmap/cm', { metadata: { name: 'cm', namespace: 'default' }, data: { a: '1' } }));
  r.down(cloudMessage('insert', 'default/pod/p1', podObject('p1', 'u1')));
  r.down(cloudMessage('insert', 'other/pod/p2', podObject('p2', 'u2')));
  await waitFor('ACKs', () => acks(r.hub).length === 3);
  const cm = await r.ask('query', 'default/configmap/cm');
  assert.deepEqual(cm.content, { metadata: { name: 'cm', namespace: 'default' }, data: { a: '1' } });
  const list = await r.ask('query', 'default/configmap');
  assert.ok(Array.isArray(list.content) && list.content.length === 1);
  const missing = await r.ask('query', 'default/secret/nope');
  assert.equal((missing.content as { ErrStatus: { code: number; reason: string } }).ErrStatus.code, 404);
  assert.equal((missing.content as { ErrStatus: { code: number; reason: string } }).ErrStatus.reason, 'NotFound');
  r.connect('connected');
  const pods = await r.ask('query', 'default/pod');
  assert.deepEqual((pods.content as { metadata: { name: string } }[]).map((p) => p.metadata.name).sort(), ['p1', 'p2']);
  assert.equal(r.hub.received.filter((m) => m.route.operation === 'query').length, 0, 'pods never go remote');
});

test('online queries go to the cloud: reply relayed with its resourceversion, configmap stored; failures fall back to SQLite', async (t) => {
  let fail = false;
  const r = await rig(t, (msg) => {
    if (msg.route.operation !== 'query') return undefined;
    if (fail) return errorTo(msg, 'timeout');
    return responseTo(msg, { metadata: { name: 'cm', namespace: 'default', resourceVersion: '7' }, data: { a: 'cloud' } }, { source: 'edgecontroller', resourceVersion: '7' });
  });
  r.connect('connected');
  const got = await r.ask('query', 'default/configmap/cm');
  assert.equal(got.header.resourceversion, '7');
  assert.deepEqual((got.content as { data: unknown }).data, { a: 'cloud' });
  const sent = r.hub.received.find((m) => m.route.operation === 'query');
  assert.equal(sent?.route.source, 'edged');
  assert.equal(sent?.route.resource, 'default/configmap/cm');
  assert.equal(sent?.header.sync, true, 'edgehub answers marked sync calls at once while offline');
  assert.equal(JSON.parse(r.deps.db.meta.get('default/configmap/cm')?.value ?? '{}').data.a, 'cloud');
  fail = true;
  const fallback = await r.ask('query', 'default/configmap/cm');
  assert.equal(fallback.route.operation, 'response');
  assert.deepEqual((fallback.content as { data: unknown }).data, { a: 'cloud' });
});

test('insert/update while offline ⇒ connection lost at once; online ⇒ relayed from the cloud', async (t) => {
  const r = await rig(t, (msg) =>
    msg.route.operation === 'insert' ? responseTo(msg, { Object: { metadata: { name: 'edge-1', uid: 'n1' } }, Err: null }, { source: 'edgecontroller' }) : undefined,
  );
  const offline = await r.ask('insert', 'default/node/edge-1', { metadata: { name: 'edge-1' } });
  assert.equal(offline.route.operation, 'error');
  assert.equal(offline.content, CONNECTION_LOST);
  assert.equal(r.hub.received.filter((m) => m.route.operation === 'insert').length, 0);
  r.connect('connected');
  const online = await r.ask('insert', 'default/node/edge-1', { metadata: { name: 'edge-1' } });
  assert.equal(online.route.operation, 'response');
  assert.deepEqual(online.content, { Object: { metadata: { name: 'edge-1', uid: 'n1' } }, Err: null });
  assert.deepEqual(JSON.parse(r.deps.db.meta.get('default/node/edge-1')?.value ?? '{}'), { metadata: { name: 'edge-1', uid: 'n1' } }, 'the registered Node is kept');
});

test('podpatch reports are stored, handed to edgehub (also offline) and answered OK', async (t) => {
  const r = await rig(t);
  const patch = JSON.stringify({ metadata: { uid: 'u1' }, status: { phase: 'Running' } });
  const reply = await r.ask('patch', 'default/podpatch/p1', patch);
  assert.equal(reply.content, 'OK');
  assert.equal(r.deps.db.meta.get('default/podpatch/p1')?.value, patch);
  const forwarded = await waitFor('forwarded', () => r.hub.received.find((m) => m.route.resource === 'default/podpatch/p1'));
  assert.equal(forwarded.content, patch);
  assert.equal(forwarded.route.operation, 'patch');
});

test('a slow remote call does not hold up the inbox', async (t) => {
  const held: KubeEdgeMessage[] = [];
  const r = await rig(t, (msg) => {
    if (msg.route.operation === 'query') held.push(msg);
    return undefined;
  });
  r.connect('connected');
  const pending = r.ask('query', 'default/secret/s');
  await waitFor('query reached the hub', () => held.length === 1);
  r.down(cloudMessage('insert', 'default/pod/p', podObject('p', 'u')));
  await waitFor('ACK while the query waits', () => acks(r.hub).length === 1);
  const q = held[0];
  assert.ok(q !== undefined);
  r.hub.ctx().respond(responseTo(q, { metadata: { name: 's', namespace: 'default' }, data: {} }, { source: 'edgecontroller' }));
  const answer = await pending;
  assert.equal((answer.content as { metadata: { name: string } }).metadata.name, 's');
});
