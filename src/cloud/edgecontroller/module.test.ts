import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newMessage, type KubeEdgeMessage } from '../../api/index.js';
import { isJsonObject } from '../../base/index.js';
import { RESOURCES, type V1Node, type V1Pod } from '../../kube/client/index.js';
import { EDGE_NODE_LABEL, isUnassign } from '../common/index.js';
import { createEdgeControllerModule } from './module.js';
import { startTestEnv, type TestEnv } from './test-env.js';

let env: TestEnv;

function edgeNode(name: string): V1Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { [EDGE_NODE_LABEL]: '' } } };
}

function pod(name: string, nodeName: string, extra: Partial<NonNullable<V1Pod['spec']>> = {}): V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }], ...extra } };
}

/** An upstream message as cloudhub hands it over (cloud resource form). */
function up(node: string, operation: string, edgeResource: string, content: unknown): KubeEdgeMessage {
  return newMessage({ source: 'edged', group: 'meta', operation, resource: `node/${node}/${edgeResource}`, content });
}

async function call(msg: KubeEdgeMessage): Promise<KubeEdgeMessage> {
  env.send('edgecontroller', msg);
  let reply: KubeEdgeMessage | undefined;
  await env.until(() => (reply = env.hub.find((m) => m.header.parent_msg_id === msg.header.msg_id)) !== undefined, `a reply to ${msg.route.operation} ${msg.route.resource}`);
  return reply as KubeEdgeMessage;
}

function sent(resource: string, operation?: string): KubeEdgeMessage[] {
  return env.hub.filter((m) => m.header.parent_msg_id === undefined && m.route.resource === resource && (operation === undefined || m.route.operation === operation));
}

function errStatus(content: unknown): Record<string, unknown> {
  assert.ok(isJsonObject(content));
  const inner = isJsonObject(content['Err']) ? content['Err']['ErrStatus'] : content['ErrStatus'];
  assert.ok(isJsonObject(inner), `no ErrStatus in ${JSON.stringify(content)}`);
  return inner;
}

before(async () => {
  env = await startTestEnv((deps) => [createEdgeControllerModule({ nodeUpdateFrequency: 10, advertiseAddress: '10.0.0.1' }, deps)]);
  await env.client.create(RESOURCES.nodes, edgeNode('e1'));
  await env.client.create(RESOURCES.nodes, edgeNode('e2'));
  await env.client.create(RESOURCES.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'cloud1' } });
});

after(async () => {
  await env.close();
});

describe('downstream', () => {
  it('sends a pod bound to an edge node as insert with its resourceVersion, and nothing for other nodes', async () => {
    const created = await env.client.create(RESOURCES.pods, pod('p1', 'e1'));
    await env.client.create(RESOURCES.pods, pod('p-cloud', 'cloud1'));
    await env.until(() => sent('node/e1/default/pod/p1', 'insert').length > 0, 'pod insert');
    const msg = sent('node/e1/default/pod/p1', 'insert')[0] as KubeEdgeMessage;
    assert.equal(msg.route.source, 'edgecontroller');
    assert.equal(msg.route.group, 'resource');
    assert.equal(msg.header.resourceversion, created.metadata?.resourceVersion);
    assert.ok(isJsonObject(msg.content));
    assert.equal(isJsonObject(msg.content['metadata']) ? msg.content['metadata']['managedFields'] : 'x', undefined);
    assert.equal(env.hub.filter((m) => m.route.resource.includes('p-cloud')).length, 0);
    await env.client.delete(RESOURCES.pods, 'default', 'p1', { gracePeriodSeconds: 0 });
    await env.until(() => sent('node/e1/default/pod/p1', 'delete').length > 0, 'pod delete');
  });

  it('sends a ConfigMap only to the node whose pod uses it, before the pod, and deletes it when unused', async () => {
    await env.client.create(RESOURCES.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1', namespace: 'default' }, data: { a: '1' } });
    await env.client.create(RESOURCES.pods, pod('p2', 'e1', { volumes: [{ name: 'v', configMap: { name: 'cm1' } }] }));
    await env.until(() => sent('node/e1/default/pod/p2', 'insert').length > 0, 'pod insert');
    const cmIdx = env.hub.findIndex((m) => m.route.resource === 'node/e1/default/configmap/cm1' && m.route.operation === 'insert');
    const podIdx = env.hub.findIndex((m) => m.route.resource === 'node/e1/default/pod/p2' && m.route.operation === 'insert');
    assert.ok(cmIdx >= 0 && cmIdx < podIdx, 'configmap insert precedes the pod');
    await env.client.patch(RESOURCES.configmaps, 'default', 'cm1', { data: { a: '2' } }, { type: 'merge' });
    await env.until(() => sent('node/e1/default/configmap/cm1', 'update').length > 0, 'configmap update');
    assert.equal(env.hub.filter((m) => m.route.resource.startsWith('node/e2/') && m.route.resource.includes('cm1')).length, 0);
    await env.client.delete(RESOURCES.pods, 'default', 'p2', { gracePeriodSeconds: 0 });
    await env.until(() => sent('node/e1/default/configmap/cm1', 'delete').length > 0, 'configmap delete');
    assert.ok(sent('node/e1/default/configmap/cm1', 'delete').every((m) => isUnassign(m)), 'the ConfigMap still exists: an unassign delete');
    await env.client.delete(RESOURCES.configmaps, 'default', 'cm1');
  });

  it('resends a node its objects when it connects', async () => {
    await env.client.create(RESOURCES.pods, pod('p3', 'e2'));
    await env.until(() => sent('node/e2/default/pod/p3', 'insert').length === 1, 'first insert');
    env.send('edgecontroller', newMessage({ source: 'cloudhub', group: 'resource', operation: 'connected', resource: 'node/e2', content: { event_type: 'connected', timestamp: 1, client_id: 'x' } }));
    await env.until(() => sent('node/e2/default/pod/p3', 'insert').length === 2, 'resent insert');
  });
});

describe('upstream', () => {
  it('registers a node and answers with an ObjectResp carrying the cloudcore annotation', async () => {
    const node = {
      metadata: { name: 'e3', creationTimestamp: null, labels: { [EDGE_NODE_LABEL]: '', 'kubernetes.io/hostname': 'e3' } },
      spec: {},
      status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady' }], daemonEndpoints: { kubeletEndpoint: { Port: 10350 } } },
    };
    const reply = await call(up('e3', 'insert', 'default/node/e3', node));
    assert.equal(reply.route.operation, 'response');
    assert.equal(reply.route.resource, 'node/e3/default/node/e3');
    assert.ok(isJsonObject(reply.content));
    assert.equal(reply.content['Err'], null);
    const obj = reply.content['Object'];
    assert.ok(isJsonObject(obj) && isJsonObject(obj['metadata']) && isJsonObject(obj['metadata']['annotations']));
    assert.equal(obj['metadata']['annotations']['cloudcore'], '10.0.0.1');
    const stored = await env.client.get(RESOURCES.nodes, undefined, 'e3');
    assert.equal(stored.status?.daemonEndpoints?.kubeletEndpoint?.Port, 10350);
    // registering again answers the existing node
    const again = await call(up('e3', 'insert', 'default/node/e3', node));
    assert.ok(isJsonObject(again.content) && isJsonObject(again.content['Object']) && again.content['Err'] === null);
  });

  it('answers a query for a missing node with a bare NotFound ErrStatus, and for a known one with the Node', async () => {
    const missing = await call(up('e9', 'query', 'default/node/e9', null));
    assert.ok(isJsonObject(missing.content) && !('Object' in missing.content));
    const st = errStatus(missing.content);
    assert.equal(st['code'], 404);
    assert.equal(st['reason'], 'NotFound');
    const found = await call(up('e1', 'query', 'default/node/e1', null));
    assert.ok(isJsonObject(found.content));
    assert.equal(found.content['kind'], 'Node');
    assert.ok(found.header.resourceversion !== undefined && found.header.resourceversion !== '');
  });

  it('applies a nodepatch string to the node status', async () => {
    const patch = JSON.stringify({
      status: { $setElementOrder: undefined, conditions: [{ type: 'Ready', status: 'True', reason: 'EdgeReady', message: 'edge is posting ready status' }] },
    });
    const reply = await call(up('e1', 'patch', 'default/nodepatch/e1', patch));
    assert.ok(isJsonObject(reply.content) && reply.content['Err'] === null && isJsonObject(reply.content['Object']));
    assert.ok(reply.header.resourceversion !== undefined);
    const node = await env.client.get(RESOURCES.nodes, undefined, 'e1');
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  });

  it('queries, inserts and updates the node lease with ObjectResp replies', async () => {
    const missing = await call(up('e1', 'query', 'kube-node-lease/lease/e1', null));
    assert.ok(isJsonObject(missing.content) && missing.content['Object'] === null);
    assert.equal(errStatus(missing.content)['code'], 404);
    const lease = {
      metadata: { name: 'e1', namespace: 'kube-node-lease', creationTimestamp: null, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'e1', uid: '' }] },
      spec: { holderIdentity: 'e1', leaseDurationSeconds: 40, renewTime: '2026-11-27T10:34:10.143433Z' },
    };
    const ins = await call(up('e1', 'insert', 'kube-node-lease/lease/e1', lease));
    assert.ok(isJsonObject(ins.content) && ins.content['Err'] === null && isJsonObject(ins.content['Object']), JSON.stringify(ins.content));
    const upd = await call(up('e1', 'update', 'kube-node-lease/lease/e1', { metadata: { name: 'e1', namespace: 'kube-node-lease' }, spec: { renewTime: '2026-11-27T10:34:20.000000Z' } }));
    assert.ok(isJsonObject(upd.content) && upd.content['Err'] === null);
    const stored = await env.client.get(RESOURCES.leases, 'kube-node-lease', 'e1');
    assert.equal(stored.spec?.renewTime, '2026-11-27T10:34:20.000000Z');
    assert.equal(stored.spec?.holderIdentity, 'e1');
    // another node's lease is refused
    const other = await call(up('e1', 'update', 'kube-node-lease/lease/e2', lease));
    assert.equal(errStatus(other.content)['code'], 403);
  });

  it('refuses a podpatch on a pod of another node with 403 and counts it', async () => {
    await env.client.create(RESOURCES.pods, pod('p4', 'e2'));
    const before = env.metrics.counter('kubeedge_edgecontroller_refused_total', '').get({ reason: 'pod-not-on-node' });
    const reply = await call(up('e1', 'patch', 'default/podpatch/p4', JSON.stringify({ status: { phase: 'Failed' } })));
    assert.ok(isJsonObject(reply.content) && reply.content['Object'] === null);
    assert.equal(errStatus(reply.content)['code'], 403);
    assert.equal(env.metrics.counter('kubeedge_edgecontroller_refused_total', '').get({ reason: 'pod-not-on-node' }), before + 1);
    const p = await env.client.get(RESOURCES.pods, 'default', 'p4');
    assert.notEqual(p.status?.phase, 'Failed');
    // its own node may patch it
    const ok = await call(up('e2', 'patch', 'default/podpatch/p4', JSON.stringify({ metadata: { uid: p.metadata?.uid }, status: { phase: 'Running' } })));
    assert.ok(isJsonObject(ok.content) && ok.content['Err'] === null);
    assert.equal((await env.client.get(RESOURCES.pods, 'default', 'p4')).status?.phase, 'Running');
  });

  it('answers configmap queries only for nodes whose pods use the ConfigMap', async () => {
    await env.client.create(RESOURCES.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm5', namespace: 'default' }, data: { k: 'v' } });
    await env.client.create(RESOURCES.pods, pod('p5', 'e1', { containers: [{ name: 'c', image: 'busybox', envFrom: [{ configMapRef: { name: 'cm5' } }] }] }));
    await env.until(() => sent('node/e1/default/pod/p5', 'insert').length > 0, 'pod p5 reached e1');
    const mine = await call(up('e1', 'query', 'default/configmap/cm5', null));
    assert.ok(isJsonObject(mine.content));
    assert.equal(mine.content['kind'], 'ConfigMap');
    const theirs = await call(up('e2', 'query', 'default/configmap/cm5', null));
    assert.equal(errStatus(theirs.content)['code'], 403);
  });

  it('deletes a pod for its own node with the edge DeleteOptions and answers "OK"', async () => {
    const p = await env.client.create(RESOURCES.pods, pod('p6', 'e1'));
    await env.until(() => env.informers.informer(RESOURCES.pods).get('default', 'p6') !== undefined, 'pod cached');
    const reply = await call(up('e1', 'delete', 'default/pod/p6', { gracePeriodSeconds: 0, preconditions: { uid: p.metadata?.uid } }));
    assert.equal(reply.content, 'OK');
    await assert.rejects(env.client.get(RESOURCES.pods, 'default', 'p6'));
  });

  it('answers unknown resource types and operations with an error status, never crashing', async () => {
    const r1 = await call(up('e1', 'query', 'default/widget/w', null));
    assert.equal(errStatus(r1.content)['code'], 400);
    const r2 = await call(up('e1', 'delete', 'default/node/e1', null));
    assert.equal(errStatus(r2.content)['code'], 405);
    // a node without pods may not ask for tokens; one with a pod of that service account gets the
    // API's answer (our embedded API server does not serve the token subresource: an error status)
    const r3 = await call(up('e3', 'query', 'default/serviceaccounttoken/default', { spec: { audiences: null } }));
    assert.equal(errStatus(r3.content)['code'], 403);
    const unbound = await call(up('e1', 'query', 'default/serviceaccounttoken/default', { spec: { audiences: null } }));
    assert.equal(errStatus(unbound.content)['code'], 403, 'an unbound token is never issued');
    const r4 = await call(up('e1', 'query', 'default/serviceaccounttoken/default', { spec: { audiences: null, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p5' } } }));
    assert.ok(isJsonObject(r4.content));
    if (r4.content['kind'] !== 'TokenRequest') assert.ok([404, 405, 501].includes(Number(errStatus(r4.content)['code'])));
  });
});
