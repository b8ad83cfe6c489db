import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newMessage, type KubeEdgeMessage } from '../../../api/index.js';
import { isJsonObject } from '../../../base/index.js';
import { InformerFactory, RESOURCES, type V1Pod } from '../../../kube/client/index.js';
import { MetricsRegistry } from '../../../platform/metrics/index.js';
import { silentLogger } from '../../../platform/log/index.js';
import { startApiServerEnv, type ApiServerEnv } from '../../common/test-env.js';
import { edgeControllerMetrics } from '../metrics.js';
import { errorContent, kubeStatus, StatusReason } from '../replies.js';
import type { UpstreamEnv, UpstreamRequest } from './context.js';
import { deletePod, patchPodStatus } from './pod.js';

let api: ApiServerEnv;
/** A pods cache that stops following the API once filled: it can hold an older pod of a name. */
let frozen: InformerFactory;
let replies: { req: UpstreamRequest; content: unknown }[];
let env: UpstreamEnv;

function pod(name: string): V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: 'e1', containers: [{ name: 'c', image: 'busybox' }] } };
}

function request(operation: string, resourceType: string, name: string, content: unknown): UpstreamRequest {
  const msg: KubeEdgeMessage = newMessage({ source: 'edged', group: 'meta', operation, resource: `node/e1/default/${resourceType}/${name}`, content });
  return { msg, nodeId: 'e1', namespace: 'default', resourceType, name };
}

function replyTo(req: UpstreamRequest): unknown {
  return replies.find((r) => r.req === req)?.content;
}

function code(content: unknown): unknown {
  if (!isJsonObject(content)) return undefined;
  const err = content['Err'];
  return isJsonObject(err) && isJsonObject(err['ErrStatus']) ? err['ErrStatus']['code'] : undefined;
}

before(async () => {
  api = await startApiServerEnv('ke-podup-');
  await api.client.create(RESOURCES.pods, pod('p1'));
  await api.client.create(RESOURCES.pods, pod('p2'));
  frozen = new InformerFactory(api.client);
  const pods = frozen.informer(RESOURCES.pods);
  const abort = new AbortController();
  frozen.start(abort.signal);
  await pods.synced;
  await frozen.stop();
  replies = [];
  const metrics = edgeControllerMetrics(new MetricsRegistry());
  const reply = (req: UpstreamRequest, content: unknown): void => {
    replies.push({ req, content });
  };
  env = {
    client: api.client,
    nodes: frozen.informer(RESOURCES.nodes),
    pods,
    configmaps: frozen.informer(RESOURCES.configmaps),
    secrets: frozen.informer(RESOURCES.secrets),
    podsOn: () => [],
    log: silentLogger(),
    metrics,
    advertiseAddress: '127.0.0.1',
    nodeUpdateFrequency: 10,
    clusterCaPem: undefined,
    signal: api.signal,
    sendDownstream: () => undefined,
    reply,
    replyError: (req, shape, status) => reply(req, errorContent(shape, status)),
    refuse: (req, shape, _reason, message) => reply(req, errorContent(shape, kubeStatus(403, StatusReason.Forbidden, message))),
    unsupported: (req, shape, c, _reason, message) => reply(req, errorContent(shape, kubeStatus(c, StatusReason.BadRequest, message))),
  };
});

after(async () => {
  await api.close();
});

describe('pod upstream', () => {
  it('refuses a podpatch for another UID with 409 Conflict and leaves the pod alone', async () => {
    const p1 = await api.client.get(RESOURCES.pods, 'default', 'p1');
    const stale = request('patch', 'podpatch', 'p1', JSON.stringify({ metadata: { uid: 'an-older-pod' }, status: { phase: 'Failed' } }));
    await patchPodStatus(stale, env, 'p1');
    assert.equal(code(replyTo(stale)), 409);
    assert.notEqual((await api.client.get(RESOURCES.pods, 'default', 'p1')).status?.phase, 'Failed');
    const fresh = request('patch', 'podpatch', 'p1', JSON.stringify({ metadata: { uid: p1.metadata?.uid }, status: { phase: 'Running' } }));
    await patchPodStatus(fresh, env, 'p1');
    assert.ok(isJsonObject(replyTo(fresh)) && (replyTo(fresh) as Record<string, unknown>)['Err'] === null);
    assert.equal((await api.client.get(RESOURCES.pods, 'default', 'p1')).status?.phase, 'Running');
  });

  it('a delete without preconditions only deletes the pod it checked, not a newer one of the name', async () => {
    // p2 is replaced in the API while the (frozen) cache still holds the old one
    await api.client.delete(RESOURCES.pods, 'default', 'p2', { gracePeriodSeconds: 0 });
    const newer = await api.client.create(RESOURCES.pods, pod('p2'));
    assert.notEqual(newer.metadata?.uid, env.pods.get('default', 'p2')?.metadata?.uid);
    const del = request('delete', 'pod', 'p2', null);
    await deletePod(del, env, 'p2');
    assert.equal(replyTo(del), 'OK');
    const now = await api.client.get(RESOURCES.pods, 'default', 'p2');
    assert.equal(now.metadata?.uid, newer.metadata?.uid);
    assert.equal(now.metadata?.deletionTimestamp, undefined, 'the newer pod is not being deleted');
  });
});
