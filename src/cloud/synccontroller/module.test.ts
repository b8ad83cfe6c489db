import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isJsonObject } from '../../base/index.js';
import { silentLogger } from '../../platform/log/index.js';
import { RESOURCES } from '../../kube/client/index.js';
import { EDGE_NODE_LABEL, OBJECT_SYNCS, SyncPoints, isUnassign } from '../common/index.js';
import { createSyncControllerModule } from './module.js';
import { startTestEnv, type TestEnv } from './test-env.js';

let env: TestEnv;

before(async () => {
  env = await startTestEnv((deps) => [createSyncControllerModule({ resyncPeriod: 0.1 }, deps)]);
});

after(async () => {
  await env.close();
});

test('synccontroller sends deletes for vanished objects, updates for changed ones, and drops syncs of gone nodes', async () => {
  const points = new SyncPoints(env.client, env.informers, silentLogger());
  await env.client.create(RESOURCES.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'e1', labels: { [EDGE_NODE_LABEL]: '' } } });
  const pod = await env.client.create(RESOURCES.pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'default' }, spec: { nodeName: 'e1', containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'v', configMap: { name: 'cm1' } }] } });
  const cm = await env.client.create(RESOURCES.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1', namespace: 'default' }, data: { a: '1' } });
  const podUid = pod.metadata?.uid ?? '';
  const cmUid = cm.metadata?.uid ?? '';
  const unused = await env.client.create(RESOURCES.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-unused', namespace: 'default' }, data: { a: '1' } });

  // up to date: nothing to send
  await points.save('e1', { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'p1', uid: podUid, resourceVersion: pod.metadata?.resourceVersion ?? '' });
  // the node acknowledged an older version of the configmap
  await points.save('e1', { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'cm1', uid: cmUid, resourceVersion: '1' });
  // a configmap that exists but no pod on e1 uses any more
  await points.save('e1', { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'cm-unused', uid: unused.metadata?.uid ?? '', resourceVersion: '1' });
  // an object deleted while cloudcore was away
  await points.save('e1', { apiVersion: 'v1', kind: 'Secret', namespace: 'default', name: 'gone', uid: 'uid-gone', resourceVersion: '3' });
  // a node that no longer exists
  await points.save('ghost', { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'cm1', uid: cmUid, resourceVersion: '1' });

  await env.until(() => env.hub.some((m) => m.route.resource === 'node/e1/default/configmap/cm1' && m.route.operation === 'update'), 'configmap update');
  const upd = env.hub.find((m) => m.route.resource === 'node/e1/default/configmap/cm1') ?? assert.fail('no update');
  assert.equal(upd.header.resourceversion, cm.metadata?.resourceVersion);
  assert.equal(upd.route.source, 'synccontroller');
  assert.ok(isJsonObject(upd.content) && isJsonObject(upd.content['data']));

  await env.until(() => env.hub.some((m) => m.route.resource === 'node/e1/default/secret/gone' && m.route.operation === 'delete'), 'secret delete');
  const del = env.hub.find((m) => m.route.resource === 'node/e1/default/secret/gone') ?? assert.fail('no delete');
  assert.deepEqual(del.content, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'gone', namespace: 'default', uid: 'uid-gone' } });

  await env.until(() => env.hub.some((m) => m.route.resource === 'node/e1/default/configmap/cm-unused'), 'unused configmap delete');
  const unassign = env.hub.filter((m) => m.route.resource === 'node/e1/default/configmap/cm-unused');
  assert.deepEqual(unassign.map((m) => [m.route.operation, isUnassign(m), m.header.resourceversion]), [['delete', true, unused.metadata?.resourceVersion]]);
  assert.equal(isUnassign(del), false, 'a gone object is a plain delete');

  await env.until(() => env.metrics.counter('kubeedge_synccontroller_syncs_removed_total', '').total() >= 1, 'the ghost sync removed');
  await assert.rejects(env.client.get(OBJECT_SYNCS, 'default', `ghost.${cmUid}`));
  assert.deepEqual(env.hub.filter((m) => m.route.resource.startsWith('node/ghost/')).map((m) => [m.route.operation, m.route.resource]), []);
  assert.equal(env.hub.filter((m) => m.route.resource === 'node/e1/default/pod/p1').length, 0);

  // several passes later nothing was sent twice (the 30 s window)
  const passes = env.metrics.counter('kubeedge_synccontroller_sent_total', '');
  const sentNow = passes.total();
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(passes.total(), sentNow);
  assert.equal(env.hub.filter((m) => m.route.resource === 'node/e1/default/configmap/cm1').length, 1);

  // the pod is deleted: its sync gets a delete
  await env.client.delete(RESOURCES.pods, 'default', 'p1', { gracePeriodSeconds: 0 });
  await env.until(() => env.hub.some((m) => m.route.resource === 'node/e1/default/pod/p1' && m.route.operation === 'delete'), 'pod delete');
});
