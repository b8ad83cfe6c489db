import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { InformerFactory, KubeClient } from '../../kube/client/index.js';
import { silentLogger } from '../../platform/log/index.js';
import { CLUSTER_OBJECT_SYNCS, OBJECT_SYNCS, OBJECT_SYNC_NODE_LABEL, SyncPoints, ensureReliableSyncCrds } from './objectsync.js';
import { startApiServerEnv, until, type ApiServerEnv } from './test-env.js';

let env: ApiServerEnv;
let client: KubeClient;
let informers: InformerFactory;
let signal: AbortSignal;

before(async () => {
  env = await startApiServerEnv('ke-objsync-');
  ({ client, informers, signal } = env);
});

after(() => env.close());

test('CRDs are created once and served; success points are saved, newest first, read from the caches and removed', async () => {
  await ensureReliableSyncCrds(client, signal);
  await ensureReliableSyncCrds(client, signal); // idempotent
  const points = new SyncPoints(client, informers, silentLogger());
  informers.start(signal);
  await points.synced();

  const obj = { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'p1', uid: 'uid-1', resourceVersion: '12' };
  await points.save('edge.one', obj);
  const stored = await client.get(OBJECT_SYNCS, 'default', 'edge.one.uid-1');
  assert.equal(stored.metadata?.labels?.[OBJECT_SYNC_NODE_LABEL], 'edge.one');
  assert.deepEqual(stored.spec, { objectAPIVersion: 'v1', objectKind: 'Pod', objectName: 'p1' });
  assert.equal(stored.status?.objectResourceVersion, '12');

  // an older version never overwrites a newer one; concurrent saves end at the newest
  await Promise.all([points.save('edge.one', { ...obj, resourceVersion: '9' }), points.save('edge.one', { ...obj, resourceVersion: '15' }), points.save('edge.one', { ...obj, resourceVersion: '13' })]);
  assert.equal((await client.get(OBJECT_SYNCS, 'default', 'edge.one.uid-1')).status?.objectResourceVersion, '15');
  await until(() => points.acknowledged('edge.one', 'default', 'uid-1') === '15', 'the cache to show 15');

  // cluster-scoped objects use ClusterObjectSync
  await points.save('edge.one', { apiVersion: 'v1', kind: 'Node', namespace: null, name: 'edge.one', uid: 'uid-n', resourceVersion: '7' });
  assert.equal((await client.get(CLUSTER_OBJECT_SYNCS, undefined, 'edge.one.uid-n')).status?.objectResourceVersion, '7');
  await until(() => points.acknowledged('edge.one', null, 'uid-n') === '7', 'the cluster cache');

  await points.remove('edge.one', 'default', 'uid-1');
  await points.remove('edge.one', 'default', 'uid-1'); // NotFound is fine
  await until(() => points.acknowledged('edge.one', 'default', 'uid-1') === undefined, 'the removal to reach the cache');
  assert.equal(points.acknowledged('edge.two', 'default', 'uid-1'), undefined);
});

test('forgetNode deletes every success point of one node, namespaced and cluster-scoped, and waits for the caches', async () => {
  await ensureReliableSyncCrds(client, signal);
  const points = new SyncPoints(client, informers, silentLogger());
  informers.start(signal);
  await points.synced();
  await points.save('edge.x', { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'c', uid: 'ux-1', resourceVersion: '3' });
  await points.save('edge.x', { apiVersion: 'v1', kind: 'Node', namespace: null, name: 'edge.x', uid: 'ux-2', resourceVersion: '4' });
  await points.save('edge.y', { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'c', uid: 'ux-1', resourceVersion: '3' });
  await until(() => points.acknowledged('edge.x', null, 'ux-2') === '4' && points.acknowledged('edge.y', 'default', 'ux-1') === '3', 'the caches');
  assert.equal(await points.forgetNode('edge.x', signal), 2);
  assert.equal(points.acknowledged('edge.x', 'default', 'ux-1'), undefined);
  assert.equal(points.acknowledged('edge.x', null, 'ux-2'), undefined);
  await assert.rejects(client.get(CLUSTER_OBJECT_SYNCS, undefined, 'edge.x.ux-2'));
  assert.equal(points.acknowledged('edge.y', 'default', 'ux-1'), '3', 'other nodes keep theirs');
  assert.equal(await points.forgetNode('edge.x', signal), 0);
});

test('a removed success point reads as none at once, before the cache shows the deletion; a new save shows again', async () => {
  await ensureReliableSyncCrds(client, signal);
  const points = new SyncPoints(client, informers, silentLogger());
  informers.start(signal);
  await points.synced();
  const obj = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'c', uid: 'ur-1', resourceVersion: '8' };
  await points.save('edge.r', obj);
  await until(() => points.acknowledged('edge.r', 'default', 'ur-1') === '8', 'the cache');
  const removal = points.remove('edge.r', 'default', 'ur-1');
  assert.equal(points.acknowledged('edge.r', 'default', 'ur-1'), undefined);
  await removal;
  await points.save('edge.r', obj);
  await until(() => points.acknowledged('edge.r', 'default', 'ur-1') === '8', 'saved again');
});
