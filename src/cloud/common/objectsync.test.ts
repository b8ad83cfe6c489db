import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ApiServer } from '../../kube/apiserver/index.js';
import { InformerFactory, KubeClient, KubeConnection } from '../../kube/client/index.js';
import { silentLogger } from '../../platform/log/index.js';
import { openSqliteStore, type SqliteStore } from '../../platform/store/index.js';
import { CLUSTER_OBJECT_SYNCS, OBJECT_SYNCS, OBJECT_SYNC_NODE_LABEL, SyncPoints, ensureReliableSyncCrds } from './objectsync.js';

let dir = '';
let store: SqliteStore;
let server: ApiServer;
let client: KubeClient;
let informers: InformerFactory;
const abort = new AbortController();

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ke-objsync-'));
  store = openSqliteStore({ path: path.join(dir, 'state.db'), checkpoints: 'inline' });
  server = new ApiServer({ store, log: silentLogger(), host: '127.0.0.1', port: 0, anonymousAllowed: true });
  const { port } = await server.start();
  client = new KubeClient(new KubeConnection({ server: `http://127.0.0.1:${port}` }));
  informers = new InformerFactory(client);
});

after(async () => {
  abort.abort();
  await informers.stop();
  client.close();
  await server.stop();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until(pred: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('CRDs are created once and served; success points are saved, newest first, read from the caches and removed', async () => {
  await ensureReliableSyncCrds(client, abort.signal);
  await ensureReliableSyncCrds(client, abort.signal); // idempotent
  const points = new SyncPoints(client, informers, silentLogger());
  informers.start(abort.signal);
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
