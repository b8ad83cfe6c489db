/**
 * src/kube/client against the real cloudcore (embedded API server over HTTPS, admin kubeconfig):
 * CRUD and the four patch types, binding and eviction, errors by code, events; a shared informer
 * that sees add / update / delete and keeps going across a server restart; a 410 relist that turns
 * the missed changes into callbacks (--watch-history 5); and the hollow-node fixture: Nodes and
 * Leases registered, pods bound to them marked Running, deletions confirmed, leases paused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  EventRecorder,
  InformerFactory,
  isAlreadyExists,
  isConflict,
  isNotFound,
  KubeApiError,
  KubeClient,
  RESOURCES,
  SharedInformer,
  type ListWatch,
  type V1ConfigMap,
  type V1Deployment,
  type V1Pod,
  type WatchEvent,
} from '../../src/kube/client/index.js';
import { deferred, isKeError, type Deferred } from '../../src/base/index.js';
import { createNamespace, EDGE_ROLE_LABEL, startCloudcore, startHollowNodes, waitUntil, type CloudcoreHandle } from '../harness/index.js';

const WAIT = { timeoutMs: 30_000, intervalMs: 50 };

function configMap(namespace: string, name: string, data: Record<string, string> = {}, labels: Record<string, string> = {}): V1ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data };
}

function pod(namespace: string, name: string, extra: Partial<NonNullable<V1Pod['spec']>> = {}, annotations: Record<string, string> = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, annotations },
    spec: { containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'] }], ...extra },
  };
}

function deployment(namespace: string, name: string): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'nginx:1.25' }] } },
    },
  };
}

describe('KubeClient against cloudcore', () => {
  let cc: CloudcoreHandle;
  let client: KubeClient;
  let nsSeq = 0;
  const freshNs = async (prefix: string): Promise<string> => {
    const ns = `${prefix}-${++nsSeq}`;
    await createNamespace(cc.client, ns);
    return ns;
  };

  before(async () => {
    cc = await startCloudcore();
    client = await KubeClient.fromKubeconfig(cc.kubeconfigPath, { fieldManager: 'kube-client-test' });
  });
  after(async () => {
    client.close();
    await cc.dispose();
  });

  it('create, get, list with paging and selectors, update with optimistic concurrency, delete', async () => {
    const ns = await freshNs('crud');
    const created = await client.create(RESOURCES.configmaps, configMap(ns, 'a', { k: 'v' }, { tier: 'x' }));
    assert.equal(created.metadata?.namespace, ns);
    assert.match(created.metadata?.uid ?? '', /.+/);
    assert.equal(created.metadata?.managedFields?.[0]?.manager, 'kube-client-test');
    await assert.rejects(client.create(RESOURCES.configmaps, configMap(ns, 'a')), (e) => isAlreadyExists(e) && isKeError(e, 'KE_KUBE_ALREADYEXISTS'));
    const got = await client.get(RESOURCES.configmaps, ns, 'a');
    assert.deepEqual(got.data, { k: 'v' });
    await assert.rejects(client.get(RESOURCES.configmaps, ns, 'missing'), (e) => isNotFound(e) && e instanceof KubeApiError && e.status === 404);

    for (let i = 0; i < 20; i++) await client.create(RESOURCES.configmaps, configMap(ns, `p${String(i).padStart(2, '0')}`, {}, { tier: i % 2 === 0 ? 'even' : 'odd' }));
    const pages = await client.listPage(RESOURCES.configmaps, { namespace: ns, limit: 7 });
    assert.equal(pages.items.length, 7);
    assert.ok(pages.continue !== undefined);
    const all = await client.list(RESOURCES.configmaps, { namespace: ns, limit: 7 });
    assert.equal(all.items.length, 21);
    assert.match(all.resourceVersion, /^\d+$/);
    assert.equal(all.items[0]?.kind, 'ConfigMap', 'list items carry kind');
    const even = await client.list(RESOURCES.configmaps, { namespace: ns, labelSelector: 'tier=even' });
    assert.equal(even.items.length, 10);
    const byName = await client.list(RESOURCES.configmaps, { namespace: ns, fieldSelector: 'metadata.name=p03' });
    assert.deepEqual(byName.items.map((c) => c.metadata?.name), ['p03']);

    const updated = await client.update(RESOURCES.configmaps, { ...got, data: { k: 'v2' } });
    assert.deepEqual(updated.data, { k: 'v2' });
    // the old resourceVersion is stale now
    await assert.rejects(client.update(RESOURCES.configmaps, { ...got, data: { k: 'v3' } }), (e) => isConflict(e) && isKeError(e, 'KE_KUBE_CONFLICT'));
    await assert.rejects(client.delete(RESOURCES.configmaps, ns, 'a', { preconditions: { uid: 'not-the-uid' } }), isConflict);
    await client.delete(RESOURCES.configmaps, ns, 'a', { preconditions: { uid: created.metadata?.uid ?? '' } });
    await assert.rejects(client.get(RESOURCES.configmaps, ns, 'a'), isNotFound);
    await assert.rejects(client.create(RESOURCES.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'no-ns' } }), (e) => isKeError(e, 'KE_KUBE_BADREQUEST'));
    await assert.rejects(
      client.create(RESOURCES.configmaps, configMap(ns, 'Bad_Name')),
      (e) => e instanceof KubeApiError && e.code === 'KE_KUBE_INVALID' && e.status === 422 && e.causes.length > 0,
    );
  });

  it('merge, strategic, json and apply patches; status and dry-run', async () => {
    const ns = await freshNs('patch');
    await client.create(RESOURCES.deployments, deployment(ns, 'web'));
    const merged = await client.patch(RESOURCES.deployments, ns, 'web', { metadata: { labels: { a: '1' } } }, { type: 'merge' });
    assert.equal(merged.metadata?.labels?.['a'], '1');
    const smp = await client.patch(RESOURCES.deployments, ns, 'web', { spec: { template: { spec: { containers: [{ name: 'side', image: 'busybox' }] } } } }, { type: 'strategic' });
    assert.deepEqual(smp.spec?.template.spec?.containers.map((c) => c.name).sort(), ['main', 'side'], 'strategic merge keeps list items by name');
    const jp = await client.patch(RESOURCES.deployments, ns, 'web', [{ op: 'replace', path: '/spec/replicas', value: 3 }], { type: 'json' });
    assert.equal(jp.spec?.replicas, 3);
    const applied = await client.patch(
      RESOURCES.deployments,
      ns,
      'web',
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { replicas: 5 } },
      { type: 'apply', fieldManager: 'applier', force: true },
    );
    assert.equal(applied.spec?.replicas, 5);
    assert.ok(applied.metadata?.managedFields?.some((m) => m.manager === 'applier' && m.operation === 'Apply'));
    const withStatus = await client.updateStatus(RESOURCES.deployments, { ...applied, status: { observedGeneration: 9, replicas: 2 } });
    assert.equal(withStatus.status?.replicas, 2);
    const statusPatch = await client.patch(RESOURCES.deployments, ns, 'web', { status: { readyReplicas: 1 } }, { type: 'merge', subresource: 'status' });
    assert.equal(statusPatch.status?.readyReplicas, 1);
    const dry = await client.patch(RESOURCES.deployments, ns, 'web', { spec: { replicas: 50 } }, { type: 'merge', dryRun: true });
    assert.equal(dry.spec?.replicas, 50);
    assert.equal((await client.get(RESOURCES.deployments, ns, 'web')).spec?.replicas, 5);
  });

  it('binds and evicts pods; a request that outlives its deadline is KE_KUBE_TIMEOUT', async () => {
    const ns = await freshNs('bind');
    await client.create(RESOURCES.pods, pod(ns, 'p'));
    await client.bindPod(ns, 'p', 'node-a');
    const bound = await client.get(RESOURCES.pods, ns, 'p');
    assert.equal(bound.spec?.nodeName, 'node-a');
    assert.equal(bound.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
    await assert.rejects(client.bindPod(ns, 'p', 'node-b'), isConflict);
    await client.create(RESOURCES.pods, pod(ns, 'q'));
    await client.evictPod(ns, 'q');
    await assert.rejects(client.get(RESOURCES.pods, ns, 'q'), isNotFound, 'an unbound pod goes at once');
    // a watch never finishes as a plain request: the deadline cuts it
    await assert.rejects(
      client.connection.request({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods`, query: { watch: 'true' }, timeoutMs: 300 }),
      (e) => isKeError(e, 'KE_KUBE_TIMEOUT'),
    );
  });

  it('records events and aggregates repeats into count', async () => {
    const ns = await freshNs('events');
    const p = await client.create(RESOURCES.pods, pod(ns, 'ev'));
    const rec = new EventRecorder(client, 'kube-client-test');
    rec.event(p, 'Warning', 'FailedScheduling', '0/3 nodes are available');
    await rec.flush();
    rec.event(p, 'Warning', 'FailedScheduling', '0/3 nodes are available');
    rec.event(p, 'Warning', 'FailedScheduling', '0/3 nodes are available');
    await rec.flush();
    const events = await client.list(RESOURCES.events, { namespace: ns });
    assert.equal(events.items.length, 1);
    const ev = events.items[0];
    assert.equal(ev?.count, 3);
    assert.equal(ev?.involvedObject.uid, p.metadata?.uid);
    assert.equal(ev?.involvedObject.kind, 'Pod');
    assert.equal(ev?.source?.component, 'kube-client-test');
    // the second and third coalesce into one or two patches, depending on timing
    assert.ok(rec.stats.sent >= 2 && rec.stats.sent <= 3, JSON.stringify(rec.stats));
    assert.deepEqual({ ...rec.stats, sent: 0 }, { sent: 0, dropped: 0, failed: 0, pending: 0 });
  });

  it('a shared informer sees add, update and delete, and survives a server restart', async () => {
    const ns = await freshNs('inf');
    const factory = new InformerFactory(client);
    const inf = factory.informer(RESOURCES.configmaps, { namespace: ns });
    assert.equal(factory.informer(RESOURCES.configmaps, { namespace: ns }), inf, 'one informer per resource and selectors');
    assert.notEqual(factory.informer(RESOURCES.configmaps, { namespace: ns, labelSelector: 'x=y' }), inf);
    const log: string[] = [];
    inf.onAdd((c) => log.push(`add ${c.metadata?.name}`));
    inf.onUpdate((_o, c) => log.push(`update ${c.metadata?.name}=${c.data?.['v'] ?? ''}`));
    inf.onDelete((c) => log.push(`delete ${c.metadata?.name}`));
    inf.addIndex('v', (c) => [c.data?.['v'] ?? '']);
    await client.create(RESOURCES.configmaps, configMap(ns, 'before', { v: '0' }));
    const ac = new AbortController();
    factory.start(ac.signal);
    try {
      await factory.waitForSync(ac.signal, 30_000);
      assert.deepEqual(log, ['add before']);
      assert.equal(inf.get(ns, 'before')?.metadata?.managedFields, undefined, 'managedFields dropped from the cache');
      await client.create(RESOURCES.configmaps, configMap(ns, 'c1', { v: '1' }));
      await client.patch(RESOURCES.configmaps, ns, 'c1', { data: { v: '2' } }, { type: 'merge' });
      await client.delete(RESOURCES.configmaps, ns, 'before');
      await waitUntil(() => log.length >= 4, { ...WAIT, what: `events, seen ${JSON.stringify(log)}` });
      assert.deepEqual(log.slice(1), ['add c1', 'update c1=2', 'delete before']);
      assert.deepEqual(inf.byIndex('v', '2').map((c) => c.metadata?.name), ['c1']);

      await cc.restart();
      await client.create(RESOURCES.configmaps, configMap(ns, 'after-restart', { v: '3' }));
      await client.patch(RESOURCES.configmaps, ns, 'c1', { data: { v: '4' } }, { type: 'merge' });
      await waitUntil(() => inf.get(ns, 'after-restart') !== undefined && inf.get(ns, 'c1')?.data?.['v'] === '4', { ...WAIT, what: 'the informer to catch up after the restart' });
      assert.ok(log.includes('add after-restart'));
      assert.ok(log.includes('update c1=4'));
      assert.deepEqual(inf.keys().sort(), [`${ns}/after-restart`, `${ns}/c1`]);
      assert.ok(inf.stats.watches >= 2, 'the watch was re-established');
    } finally {
      ac.abort();
      await factory.stop();
    }
  });
});

/** A list-watch whose watches the test can cut and hold back, to make the informer fall behind. */
class GatedListWatch<T> implements ListWatch<T> {
  #cut = new AbortController();
  #gate: Deferred<void> | undefined;
  watchedFrom: string[] = [];

  constructor(readonly inner: ListWatch<T>) {}

  list(signal: AbortSignal): ReturnType<ListWatch<T>['list']> {
    return this.inner.list(signal);
  }

  async *watch(resourceVersion: string, signal: AbortSignal): AsyncGenerator<WatchEvent<T>> {
    if (this.#gate !== undefined) await this.#gate.promise;
    this.watchedFrom.push(resourceVersion);
    const both = AbortSignal.any([signal, this.#cut.signal]);
    yield* this.inner.watch(resourceVersion, both);
  }

  /** Ends the current watch and holds back the next one until release(). */
  cutAndHold(): void {
    this.#gate = deferred<void>();
    this.#cut.abort();
    this.#cut = new AbortController();
  }

  release(): void {
    this.#gate?.resolve();
    this.#gate = undefined;
  }
}

describe('informer relist on 410 (--watch-history 5)', () => {
  let cc: CloudcoreHandle;
  let client: KubeClient;
  before(async () => {
    cc = await startCloudcore({ watchHistory: 5 });
    client = await KubeClient.fromKubeconfig(cc.kubeconfigPath);
  });
  after(async () => {
    client.close();
    await cc.dispose();
  });

  it('a watch from a compacted resourceVersion is refused with 410', async () => {
    const ns = 'gone-raw';
    await createNamespace(cc.client, ns);
    const first = await client.create(RESOURCES.configmaps, configMap(ns, 'x'));
    for (let i = 0; i < 10; i++) await client.patch(RESOURCES.configmaps, ns, 'x', { data: { i: String(i) } }, { type: 'merge' });
    const ac = new AbortController();
    const events: WatchEvent<V1ConfigMap>[] = [];
    for await (const ev of client.watch(RESOURCES.configmaps, { namespace: ns, resourceVersion: first.metadata?.resourceVersion ?? '', signal: ac.signal })) events.push(ev);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.type, 'ERROR');
    assert.equal((events[0]?.object as { code?: number }).code, 410);
  });

  it('relists and delivers the missed changes as add, update and delete', async () => {
    const ns = 'relist';
    await createNamespace(cc.client, ns);
    for (const n of ['keep', 'change', 'remove']) await client.create(RESOURCES.configmaps, configMap(ns, n, { v: '0' }));
    const lw = new GatedListWatch(client.listWatch(RESOURCES.configmaps, { namespace: ns }));
    const errors: unknown[] = [];
    const inf = new SharedInformer<V1ConfigMap>(lw, { name: 'configmaps', onError: (e) => errors.push(e) });
    const log: string[] = [];
    const ac = new AbortController();
    inf.start(ac.signal);
    try {
      await inf.synced;
      inf.onUpdate((_o, c) => log.push(`update ${c.metadata?.name}`));
      inf.onDelete((c) => log.push(`delete ${c.metadata?.name}`));
      inf.onAdd((c) => log.push(`add ${c.metadata?.name}`));
      log.length = 0; // onAdd replays the cache
      await waitUntil(() => lw.watchedFrom.length === 1, { ...WAIT, what: 'the first watch' });
      const rvBefore = inf.lastSyncResourceVersion;
      lw.cutAndHold();
      // more than 5 changes: the informer's resourceVersion leaves the server's history
      await client.patch(RESOURCES.configmaps, ns, 'change', { data: { v: '1' } }, { type: 'merge' });
      await client.delete(RESOURCES.configmaps, ns, 'remove');
      await client.create(RESOURCES.configmaps, configMap(ns, 'new'));
      for (let i = 0; i < 8; i++) await client.create(RESOURCES.configmaps, configMap('default', `noise-${i}`));
      lw.release();
      await waitUntil(() => inf.stats.relists === 1 && log.length >= 3, { ...WAIT, what: `the relist, seen ${JSON.stringify(log)}` });
      assert.equal(lw.watchedFrom[1], rvBefore, 'it first tried to resume');
      assert.deepEqual([...log].sort(), ['add new', 'delete remove', 'update change']);
      assert.deepEqual(inf.keys().sort(), [`${ns}/change`, `${ns}/keep`, `${ns}/new`]);
      assert.deepEqual(errors, []);
      // and it watches on from the fresh list
      await client.patch(RESOURCES.configmaps, ns, 'keep', { data: { v: '9' } }, { type: 'merge' });
      await waitUntil(() => inf.get(ns, 'keep')?.data?.['v'] === '9', { ...WAIT, what: 'an event after the relist' });
    } finally {
      ac.abort();
      await inf.stop();
    }
  });
});

describe('hollow nodes', () => {
  let cc: CloudcoreHandle;
  let client: KubeClient;
  before(async () => {
    cc = await startCloudcore();
    client = await KubeClient.fromKubeconfig(cc.kubeconfigPath);
  });
  after(async () => {
    client.close();
    await cc.dispose();
  });

  it('register Ready nodes with leases, run bound pods, confirm deletions, pause and resume leases', async () => {
    const ac = new AbortController();
    const hollow = await startHollowNodes(cc.kubeconfigPath, {
      names: ['edge-0', 'edge-1', 'edge-2'],
      edge: true,
      labels: { zone: 'z1' },
      taints: [{ key: 'node-role.kubernetes.io/edge', effect: 'NoSchedule' }],
      capacity: { cpu: '8' },
      renewIntervalMs: 200,
      signal: ac.signal,
    });
    try {
      const nodes = await client.list(RESOURCES.nodes, { labelSelector: EDGE_ROLE_LABEL });
      assert.deepEqual(nodes.items.map((n) => n.metadata?.name).sort(), ['edge-0', 'edge-1', 'edge-2']);
      for (const n of nodes.items) {
        assert.equal(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
        assert.deepEqual(n.status?.allocatable, { cpu: '8', memory: '8Gi', pods: '110' });
        assert.equal(n.metadata?.labels?.['zone'], 'z1');
        assert.equal(n.spec?.taints?.[0]?.effect, 'NoSchedule');
        assert.ok(n.status?.addresses?.some((a) => a.type === 'InternalIP'));
        assert.equal(n.status?.nodeInfo?.operatingSystem, 'linux');
      }
      const lease = await client.get(RESOURCES.leases, 'kube-node-lease', 'edge-0');
      assert.equal(lease.spec?.holderIdentity, 'edge-0');
      assert.equal(lease.spec?.leaseDurationSeconds, 40);
      const renewTime = (name: string): Promise<string> => client.get(RESOURCES.leases, 'kube-node-lease', name).then((l) => l.spec?.renewTime ?? '');
      const t0 = await renewTime('edge-0');
      await waitUntil(async () => (await renewTime('edge-0')) !== t0, { ...WAIT, what: 'a lease renewal' });

      // a pod bound to a hollow node runs
      await createNamespace(cc.client, 'hollow');
      await client.create(RESOURCES.pods, pod('hollow', 'web', { nodeName: 'edge-1' }));
      const running = await waitUntil(
        async () => {
          const p = await client.get(RESOURCES.pods, 'hollow', 'web');
          return p.status?.phase === 'Running' ? p : undefined;
        },
        { ...WAIT, what: 'the pod to run' },
      );
      assert.equal(running.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
      assert.match(running.status?.podIP ?? '', /^10\.\d+\.\d+\.\d+$/);
      assert.match(running.status?.containerStatuses?.[0]?.containerID ?? '', /^containerd:\/\/[0-9a-f]{64}$/);
      assert.equal(running.status?.containerStatuses?.[0]?.ready, true);

      // deleting it marks it terminating; the hollow kubelet confirms and it is gone
      await client.delete(RESOURCES.pods, 'hollow', 'web');
      await waitUntil(async () => client.get(RESOURCES.pods, 'hollow', 'web').then(() => false, isNotFound), { ...WAIT, what: 'the deletion to be confirmed' });

      // a run-to-completion pod finishes as its annotation says
      await client.create(RESOURCES.pods, pod('hollow', 'job', { nodeName: 'edge-2', restartPolicy: 'Never' }, { 'hollow.kubeedge.io/outcome': 'Succeeded', 'hollow.kubeedge.io/run-ms': '100' }));
      await waitUntil(async () => (await client.get(RESOURCES.pods, 'hollow', 'job')).status?.phase === 'Succeeded', { ...WAIT, what: 'the pod to succeed' });

      // an offline node: no lease renewals and no pod work until it resumes
      hollow.pauseLease('edge-0');
      const paused = await renewTime('edge-0');
      await client.create(RESOURCES.pods, pod('hollow', 'offline', { nodeName: 'edge-0' }));
      await new Promise((r) => setTimeout(r, 800));
      assert.equal(await renewTime('edge-0'), paused, 'no renewals while paused');
      assert.equal((await client.get(RESOURCES.pods, 'hollow', 'offline')).status?.phase, 'Pending');
      // something marks the node NotReady meanwhile; after resume the hollow kubelet posts Ready again
      const n0 = await client.get(RESOURCES.nodes, undefined, 'edge-0');
      const conditions = (n0.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c));
      await client.updateStatus(RESOURCES.nodes, { ...n0, status: { ...n0.status, conditions } });
      await hollow.resumeLease('edge-0');
      assert.notEqual(await renewTime('edge-0'), paused);
      await waitUntil(async () => (await client.get(RESOURCES.pods, 'hollow', 'offline')).status?.phase === 'Running', { ...WAIT, what: 'the pod to run after resume' });
      await waitUntil(
        async () => (await client.get(RESOURCES.nodes, undefined, 'edge-0')).status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
        { ...WAIT, what: 'the node Ready again' },
      );
      const stats = hollow.stats();
      assert.ok(stats.podsStarted >= 2 && stats.podsFinished === 1 && stats.deletionsConfirmed >= 1, JSON.stringify(stats));
    } finally {
      ac.abort();
      await hollow.stop();
    }
  });
});
