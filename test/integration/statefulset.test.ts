/**
 * The StatefulSet controller against the real embedded API server (cloudcore without its own
 * controllers), with hollow nodes as kubelets and a tiny test-only binder (round-robin over the
 * nodes; there is no scheduler). The order of what happened is taken from the hollow nodes' pod
 * informer: one watch stream, so its events are in resourceVersion order. DEBUG_CONTROLLERS=1 prints
 * the controller's logs.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { isConflict, isNotFound, KubeClient, RESOURCES, type V1Pod, type V1StatefulSet } from '../../src/kube/client/index.js';
import { ControllerManager } from '../../src/kube/controllers/manager.js';
import { statefulSetControllers } from '../../src/kube/controllers/statefulset/index.js';
import { createLogger, silentLogger } from '../../src/platform/log/index.js';
import { startCloudcore, startHollowNodes, waitUntil, type CloudcoreHandle, type HollowNodes } from '../harness/index.js';

const NS = 'stateful';

type Seen = { readonly what: 'add' | 'ready' | 'terminating' | 'gone'; readonly name: string; readonly uid: string; readonly image: string };

const isReady = (p: V1Pod): boolean => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const isLive = (p: V1Pod): boolean => p.metadata?.deletionTimestamp === undefined;

function statefulSet(name: string, replicas: number, policy: 'OrderedReady' | 'Parallel' = 'OrderedReady'): V1StatefulSet {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      serviceName: name,
      podManagementPolicy: policy,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'] }] } },
      // not served here: must be ignored, not crash the controller
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  };
}

describe('StatefulSet controller (embedded API server, hollow nodes)', { timeout: 180_000 }, () => {
  let cc: CloudcoreHandle;
  let manager: ControllerManager;
  let client: KubeClient;
  let nodes: HollowNodes;
  const binder = new AbortController();
  const suffix = randomBytes(3).toString('hex');
  const nodeNames = [`sts-${suffix}-0`, `sts-${suffix}-1`];
  const seen: Seen[] = [];
  let setUid = '';

  const ownedPods = (): V1Pod[] => nodes.pods.list().filter((p) => (p.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.uid === setUid));
  const note = (what: Seen['what'], p: V1Pod): void => {
    // by owner name, not uid: the first pod may be seen before create() has returned the uid
    if (p.metadata?.namespace !== NS || !(p.metadata.ownerReferences ?? []).some((r) => r.kind === 'StatefulSet' && r.name === 'web')) return;
    seen.push({ what, name: p.metadata?.name ?? '', uid: p.metadata?.uid ?? '', image: p.spec?.containers[0]?.image ?? '' });
  };
  const at = (what: Seen['what'], name: string, from = 0, uid?: string): number => seen.findIndex((s, i) => i >= from && s.what === what && s.name === name && (uid === undefined || s.uid === uid));
  const status = async (name = 'web'): Promise<Partial<NonNullable<V1StatefulSet['status']>>> => (await client.get(RESOURCES.statefulsets, NS, name)).status ?? {};

  before(async () => {
    cc = await startCloudcore({ controllers: false });
    client = await KubeClient.fromKubeconfig(cc.kubeconfigPath, { fieldManager: 'statefulset-test' });
    await client.create(RESOURCES.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    nodes = await startHollowNodes(cc.kubeconfigPath, { names: nodeNames });
    nodes.pods.onAdd((p) => {
      note('add', p);
      if (isReady(p)) note('ready', p);
    });
    nodes.pods.onUpdate((o, p) => {
      if (!isReady(o) && isReady(p)) note('ready', p);
      if (isLive(o) && !isLive(p)) note('terminating', p);
    });
    nodes.pods.onDelete((p) => note('gone', p));
    manager = new ControllerManager({
      kubeconfigPath: cc.kubeconfigPath,
      controllers: statefulSetControllers(),
      log: process.env['DEBUG_CONTROLLERS'] === '1' ? createLogger({ level: 'debug' }) : silentLogger(),
    });
    await manager.start();
    // the test-only binder: pending pods of the namespace go round-robin to the nodes
    let next = 0;
    const bound = new Set<string>();
    const bind = (p: V1Pod): void => {
      const uid = p.metadata?.uid ?? '';
      if (p.metadata?.namespace !== NS || p.spec?.nodeName !== undefined || !isLive(p) || bound.has(uid) || binder.signal.aborted) return;
      bound.add(uid);
      const node = nodeNames[next++ % nodeNames.length] ?? '';
      client.bindPod(NS, p.metadata.name ?? '', node, { uid, signal: binder.signal }).catch((err: unknown) => {
        if (isConflict(err) || isNotFound(err) || binder.signal.aborted) return;
        bound.delete(uid);
        setTimeout(() => {
          const cur = nodes.pods.get(NS, p.metadata?.name ?? '');
          if (cur !== undefined) bind(cur);
        }, 200);
      });
    };
    nodes.pods.onAdd(bind);
    nodes.pods.onUpdate((_o, p) => bind(p));
  });

  after(async () => {
    binder.abort();
    manager?.stop();
    await nodes?.stop();
    client?.close();
    await cc?.dispose();
  });

  test('3 replicas OrderedReady come up as web-0, web-1, web-2, each created only after the previous one is Ready', async () => {
    const created = await client.create(RESOURCES.statefulsets, statefulSet('web', 3));
    setUid = created.metadata?.uid ?? '';
    const s = await waitUntil(
      async () => {
        const st = await status();
        return st.readyReplicas === 3 && st.replicas === 3 && st.observedGeneration === 1 ? st : undefined;
      },
      { timeoutMs: 30_000, what: 'web 3/3 ready' },
    );
    const adds = seen.filter((x) => x.what === 'add').map((x) => x.name);
    assert.deepEqual(adds, ['web-0', 'web-1', 'web-2']);
    assert.ok(at('ready', 'web-0') >= 0 && at('ready', 'web-0') < at('add', 'web-1'), `web-1 created after web-0 Ready: ${JSON.stringify(seen)}`);
    assert.ok(at('ready', 'web-1') >= 0 && at('ready', 'web-1') < at('add', 'web-2'), `web-2 created after web-1 Ready: ${JSON.stringify(seen)}`);

    assert.equal(s.currentReplicas, 3);
    assert.equal(s.updatedReplicas, 3);
    assert.equal(s.availableReplicas, 3);
    assert.ok((s.updateRevision ?? '').startsWith('web-'));
    assert.equal(s.currentRevision, s.updateRevision);
    const rev = await client.get(RESOURCES.controllerrevisions, NS, s.updateRevision ?? '');
    assert.equal(rev.revision, 1);
    assert.ok((rev.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.uid === setUid));

    const pod = await client.get(RESOURCES.pods, NS, 'web-1');
    assert.equal(pod.metadata?.generateName, undefined);
    assert.deepEqual(pod.metadata?.labels, {
      app: 'web',
      'statefulset.kubernetes.io/pod-name': 'web-1',
      'apps.kubernetes.io/pod-index': '1',
      'controller-revision-hash': s.updateRevision,
    });
    assert.equal(pod.spec?.hostname, 'web-1');
    assert.equal(pod.spec?.subdomain, 'web');
    const ref = (pod.metadata?.ownerReferences ?? [])[0];
    assert.equal(ref?.kind, 'StatefulSet');
    assert.equal(ref?.name, 'web');
    assert.equal(ref?.controller, true);
    await waitUntil(
      async () => (await client.list(RESOURCES.events, { namespace: NS })).items.some((e) => e.involvedObject.name === 'web' && e.reason === 'SuccessfulCreate' && e.message === 'create Pod web-0 in StatefulSet web successful'),
      { timeoutMs: 10_000, what: 'the SuccessfulCreate event' },
    );
  });

  test('a deleted web-1 comes back with the same name', async () => {
    const old = await client.get(RESOURCES.pods, NS, 'web-1');
    const oldUid = old.metadata?.uid ?? '';
    await client.delete(RESOURCES.pods, NS, 'web-1');
    const back = await waitUntil(
      () => {
        const p = nodes.pods.get(NS, 'web-1');
        return p !== undefined && p.metadata?.uid !== oldUid && isLive(p) && isReady(p) ? p : undefined;
      },
      { timeoutMs: 30_000, what: 'a new web-1 Ready' },
    );
    assert.equal(back.spec?.hostname, 'web-1');
    assert.ok(at('gone', 'web-1', 0, oldUid) >= 0 && at('gone', 'web-1', 0, oldUid) < at('add', 'web-1', 0, back.metadata?.uid), 'the new web-1 made only after the old one was gone');
    assert.deepEqual(
      ownedPods()
        .filter(isLive)
        .map((p) => p.metadata?.name)
        .sort(),
      ['web-0', 'web-1', 'web-2'],
    );
    await waitUntil(async () => (await status()).readyReplicas === 3, { timeoutMs: 15_000, what: 'ready 3 again' });
  });

  test('an image change rolls the pods from the highest ordinal down, one at a time', async () => {
    const from = seen.length;
    const before = await status();
    await client.patch(RESOURCES.statefulsets, NS, 'web', { spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox:1.37', command: ['sleep', '3600'] }] } } } }, { type: 'strategic' });
    const s = await waitUntil(
      async () => {
        const st = await status();
        return st.observedGeneration === 2 && st.updatedReplicas === 3 && st.readyReplicas === 3 && st.currentRevision === st.updateRevision ? st : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'the rolling update to finish' },
    );
    assert.notEqual(s.updateRevision, before.updateRevision);
    const terminated = seen.slice(from).filter((x) => x.what === 'terminating').map((x) => x.name);
    assert.deepEqual(terminated, ['web-2', 'web-1', 'web-0']);
    // each pod goes only after the one above it is back, updated and Ready
    const newReady = (name: string): number => seen.findIndex((x, i) => i >= from && x.what === 'ready' && x.name === name && x.image === 'busybox:1.37');
    assert.ok(newReady('web-2') >= 0 && newReady('web-2') < at('terminating', 'web-1', from), JSON.stringify(seen.slice(from)));
    assert.ok(newReady('web-1') >= 0 && newReady('web-1') < at('terminating', 'web-0', from), JSON.stringify(seen.slice(from)));
    for (const p of ownedPods().filter(isLive)) {
      assert.equal(p.spec?.containers[0]?.image, 'busybox:1.37');
      assert.equal(p.metadata?.labels?.['controller-revision-hash'], s.updateRevision);
    }
    const revs = (await client.list(RESOURCES.controllerrevisions, { namespace: NS })).items.filter((r) => r.metadata?.name?.startsWith('web-') === true);
    assert.deepEqual(revs.map((r) => r.revision).sort(), [1, 2]);
    assert.equal(revs.find((r) => r.metadata?.name === s.updateRevision)?.revision, 2);
  });

  test('scaling to 1 removes web-2, then web-1 once web-2 is gone', async () => {
    const from = seen.length;
    await client.patch(RESOURCES.statefulsets, NS, 'web', { spec: { replicas: 1 } }, { type: 'merge' });
    await waitUntil(
      async () => {
        const st = await status();
        return st.replicas === 1 && st.readyReplicas === 1 && ownedPods().length === 1;
      },
      { timeoutMs: 30_000, what: 'web scaled to 1' },
    );
    assert.deepEqual(
      ownedPods().map((p) => p.metadata?.name),
      ['web-0'],
    );
    const order = seen.slice(from).filter((x) => x.what === 'terminating' || x.what === 'gone');
    assert.deepEqual(
      order.map((x) => `${x.what} ${x.name}`),
      ['terminating web-2', 'gone web-2', 'terminating web-1', 'gone web-1'],
    );
    await waitUntil(
      async () => (await client.list(RESOURCES.events, { namespace: NS })).items.some((e) => e.involvedObject.name === 'web' && e.reason === 'SuccessfulDelete' && e.message === 'delete Pod web-2 in StatefulSet web successful'),
      { timeoutMs: 10_000, what: 'the SuccessfulDelete event' },
    );
  });

  test('Parallel: all pods at once; a partitioned update only replaces the ordinals at or above the partition', async () => {
    const created = await client.create(RESOURCES.statefulsets, statefulSet('db', 3, 'Parallel'));
    const uid = created.metadata?.uid ?? '';
    const dbPods = (): V1Pod[] => nodes.pods.list().filter((p) => isLive(p) && (p.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.uid === uid));
    const first = await waitUntil(
      async () => {
        const st = await status('db');
        return st.readyReplicas === 3 && st.replicas === 3 ? st : undefined;
      },
      { timeoutMs: 30_000, what: 'db 3/3 ready' },
    );
    assert.deepEqual(
      dbPods()
        .map((p) => p.metadata?.name)
        .sort(),
      ['db-0', 'db-1', 'db-2'],
    );
    await client.patch(
      RESOURCES.statefulsets,
      NS,
      'db',
      { spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } }, template: { spec: { containers: [{ name: 'main', image: 'busybox:1.37', command: ['sleep', '3600'] }] } } } },
      { type: 'strategic' },
    );
    const s = await waitUntil(
      async () => {
        const st = await status('db');
        return st.observedGeneration === 2 && st.updatedReplicas === 1 && st.readyReplicas === 3 ? st : undefined;
      },
      { timeoutMs: 30_000, what: 'db-2 updated' },
    );
    assert.equal(s.currentRevision, first.currentRevision, 'a partitioned rollout does not finish');
    assert.equal(s.currentReplicas, 2);
    const images = (): Record<string, string> => Object.fromEntries(dbPods().map((p) => [p.metadata?.name ?? '', p.spec?.containers[0]?.image ?? '']));
    assert.deepEqual(images(), { 'db-0': 'busybox:1.36', 'db-1': 'busybox:1.36', 'db-2': 'busybox:1.37' });
    // a pod below the partition comes back at the current revision
    const old = await client.get(RESOURCES.pods, NS, 'db-0');
    await client.delete(RESOURCES.pods, NS, 'db-0');
    const back = await waitUntil(
      () => {
        const p = dbPods().find((x) => x.metadata?.name === 'db-0' && x.metadata.uid !== old.metadata?.uid);
        return p !== undefined && isReady(p) ? p : undefined;
      },
      { timeoutMs: 30_000, what: 'db-0 back' },
    );
    assert.equal(back.spec?.containers[0]?.image, 'busybox:1.36');
    assert.equal(back.metadata?.labels?.['controller-revision-hash'], first.currentRevision);
    // Parallel scale down removes both condemned pods without waiting for each other
    await client.patch(RESOURCES.statefulsets, NS, 'db', { spec: { replicas: 1 } }, { type: 'merge' });
    await waitUntil(async () => (await status('db')).replicas === 1 && dbPods().length === 1, { timeoutMs: 30_000, what: 'db scaled to 1' });
    assert.deepEqual(Object.keys(images()), ['db-0']);
  });

  test('a Failed pod is deleted and re-created with the same name', async () => {
    const old = await client.get(RESOURCES.pods, NS, 'db-0');
    const oldUid = old.metadata?.uid ?? '';
    await client.patch(RESOURCES.pods, NS, 'db-0', { status: { phase: 'Failed', conditions: [{ type: 'Ready', status: 'False' }] } }, { type: 'merge', subresource: 'status' });
    const back = await waitUntil(
      () => {
        const p = nodes.pods.get(NS, 'db-0');
        return p !== undefined && p.metadata?.uid !== oldUid && isLive(p) && isReady(p) ? p : undefined;
      },
      { timeoutMs: 30_000, what: 'a new db-0 Ready' },
    );
    assert.equal(back.spec?.hostname, 'db-0');
    await waitUntil(async () => (await status('db')).readyReplicas === 1, { timeoutMs: 15_000, what: 'db ready 1 again' });
  });
});
