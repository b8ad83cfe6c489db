import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newMessage, type KubeEdgeMessage } from '../../../api/index.js';
import { isJsonObject } from '../../../base/index.js';
import { RESOURCES, type V1Event, type V1Pod } from '../../../kube/client/index.js';
import { EDGE_NODE_LABEL } from '../../common/index.js';
import { createEdgeControllerModule } from '../module.js';
import { startTestEnv, type TestEnv } from '../test-env.js';

let env: TestEnv;
let ownUid = '';

function pod(name: string, namespace: string, nodeName: string): V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] } };
}

function event(name: string, io: Record<string, unknown>, count = 1): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: 'default' }, involvedObject: io, reason: 'Started', message: 'm', count };
}

async function call(node: string, operation: string, edgeResource: string, content: unknown): Promise<KubeEdgeMessage> {
  const msg = newMessage({ source: 'edged', group: 'meta', operation, resource: `node/${node}/${edgeResource}`, content });
  env.send('edgecontroller', msg);
  let reply: KubeEdgeMessage | undefined;
  await env.until(() => (reply = env.hub.find((m) => m.header.parent_msg_id === msg.header.msg_id)) !== undefined, `a reply to ${operation} ${edgeResource}`);
  return reply as KubeEdgeMessage;
}

function code(reply: KubeEdgeMessage): number | undefined {
  const c = reply.content;
  if (!isJsonObject(c)) return undefined;
  const inner = isJsonObject(c['Err']) ? c['Err']['ErrStatus'] : c['ErrStatus'];
  return isJsonObject(inner) && typeof inner['code'] === 'number' ? inner['code'] : undefined;
}

async function stored(name: string): Promise<V1Event> {
  return env.client.get(RESOURCES.events, 'default', name);
}

before(async () => {
  env = await startTestEnv((deps) => [createEdgeControllerModule({ nodeUpdateFrequency: 10, advertiseAddress: '10.0.0.1' }, deps)]);
  for (const n of ['e1', 'e2']) await env.client.create(RESOURCES.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: n, labels: { [EDGE_NODE_LABEL]: '' } } });
  const own = await env.client.create(RESOURCES.pods, pod('own', 'default', 'e1'));
  ownUid = own.metadata?.uid ?? '';
  await env.client.create(RESOURCES.pods, pod('foreign', 'default', 'e2'));
  await env.client.create(RESOURCES.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } }).catch(() => undefined);
  await env.client.create(RESOURCES.pods, pod('own', 'other', 'e1'));
  // an event of node e2's pod, written by someone else
  await env.client.create(RESOURCES.events, event('foreign.1', { kind: 'Pod', namespace: 'default', name: 'foreign' }) as V1Event);
});

after(async () => {
  await env.close();
});

describe('event authorization', () => {
  it('creates an event about its own pod; refuses one about another node\'s pod or a pod of another namespace', async () => {
    assert.equal(code(await call('e1', 'insert', 'default/event/own.1', event('own.1', { kind: 'Pod', namespace: 'default', name: 'own', uid: ownUid }))), undefined);
    assert.equal((await stored('own.1')).involvedObject?.name, 'own');
    assert.equal(code(await call('e1', 'insert', 'default/event/x.1', event('x.1', { kind: 'Pod', namespace: 'default', name: 'foreign' }))), 403);
    assert.equal(code(await call('e1', 'insert', 'default/event/x.2', event('x.2', { kind: 'Pod', namespace: 'other', name: 'own' }))), 403, 'pod namespace differs from the request namespace');
  });

  it('a patch or update is judged by the stored event, not the body', async () => {
    const before = (await stored('foreign.1')).count;
    const lie = { involvedObject: { kind: 'Pod', namespace: 'default', name: 'own' }, count: 99 };
    assert.equal(code(await call('e1', 'patch', 'default/event/foreign.1', JSON.stringify(lie))), 403);
    assert.equal(code(await call('e1', 'update', 'default/event/foreign.1', event('foreign.1', { kind: 'Pod', namespace: 'default', name: 'own' }, 99))), 403);
    assert.equal((await stored('foreign.1')).count, before);
  });

  it('a patch may not change involvedObject; one that keeps it is applied', async () => {
    const move = { involvedObject: { kind: 'Pod', namespace: 'default', name: 'foreign' } };
    assert.equal(code(await call('e1', 'patch', 'default/event/own.1', JSON.stringify(move))), 403);
    assert.equal((await stored('own.1')).involvedObject?.name, 'own');
    assert.equal(code(await call('e1', 'patch', 'default/event/own.1', JSON.stringify({ count: 2 }))), undefined);
    assert.equal((await stored('own.1')).count, 2);
  });

  it('an insert that finds the name taken patches only an event of its own', async () => {
    const before = (await stored('foreign.1')).count;
    assert.equal(code(await call('e1', 'insert', 'default/event/foreign.1', event('foreign.1', { kind: 'Pod', namespace: 'default', name: 'own' }, 50))), 403);
    assert.equal((await stored('foreign.1')).count, before);
    assert.equal(code(await call('e1', 'insert', 'default/event/own.1', event('own.1', { kind: 'Pod', namespace: 'default', name: 'own', uid: ownUid }, 3))), undefined);
    assert.equal((await stored('own.1')).count, 3);
  });
});
