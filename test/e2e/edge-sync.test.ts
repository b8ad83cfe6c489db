/**
 * Issue 4, acceptance 2: a pod bound to edge A (nodeName, and a Deployment with nodeSelector
 * kubernetes.io/hostname=A) reaches A's SQLite and is Running in kubectl; the ConfigMap it uses is in
 * A's SQLite and not in B's; deleting the pod removes it from A's SQLite.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  arr,
  createNamespace,
  joinEdge,
  kubectlSession,
  requireKubectl,
  startCloudcore,
  str,
  waitUntil,
  type CloudcoreHandle,
  type EdgeHandle,
  type KubectlSession,
} from '../harness/index.js';

const kubectl = await requireKubectl();
const NS = 'edge-sync';

describe('objects for an edge node reach that node only', { skip: kubectl.skip, timeout: 600_000 }, () => {
  let cloud: CloudcoreHandle;
  let a: EdgeHandle;
  let b: EdgeHandle;
  let k: KubectlSession;
  const cleanups: (() => unknown)[] = [];
  const owner = { after: (fn: () => unknown) => cleanups.push(fn) };

  before(async () => {
    cloud = await startCloudcore({ controllers: true, owner });
    [a, b] = await Promise.all([joinEdge(cloud, { nodeName: 'edge-a', owner }), joinEdge(cloud, { nodeName: 'edge-b', owner })]);
    k = await kubectlSession({ kubeconfig: cloud.kubeconfigPath, ...(kubectl.path ? { kubectl: kubectl.path } : {}), owner });
    await createNamespace(cloud.client, NS);
  });

  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });

  async function phase(name: string): Promise<string> {
    return (await k.ok(['get', 'pod', name, '-n', NS, '-o', 'jsonpath={.status.phase}'])).trim();
  }

  it('a pod with nodeName and its ConfigMap reach A only; the pod is Running', async () => {
    const objects = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: NS }, data: { greeting: 'hello edge' } },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web', namespace: NS },
        spec: {
          nodeName: 'edge-a',
          containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }],
          volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }],
        },
      },
    ];
    for (const o of objects) await k.ok(['apply', '-f', '-'], { input: JSON.stringify(o) });
    await waitUntil(() => a.dbKeys('pod').includes(`${NS}/pod/web`), { timeoutMs: 30_000, what: `${NS}/pod/web in A's SQLite (has ${a.dbKeys().join(', ')})` });
    await waitUntil(() => a.dbKeys('configmap').includes(`${NS}/configmap/cfg`), { timeoutMs: 30_000, what: `${NS}/configmap/cfg in A's SQLite` });
    await waitUntil(async () => (await phase('web')) === 'Running', { timeoutMs: 30_000, what: 'pod web Running in kubectl' });
    const stored = a.dbObject(`${NS}/configmap/cfg`);
    assert.equal(str(stored, 'data.greeting'), 'hello edge');
    assert.equal(str(a.dbObject(`${NS}/pod/web`), 'spec.nodeName'), 'edge-a');
    // B never gets A's pod or the ConfigMap only A's pod uses.
    assert.deepEqual(
      b.dbKeys().filter((key) => key.startsWith(`${NS}/`)),
      [],
      `B's SQLite holds objects of ${NS}: ${b.dbKeys().join(', ')}`,
    );
  });

  it('a Deployment with nodeSelector kubernetes.io/hostname=edge-a runs on A', async () => {
    await k.ok(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'dep', namespace: NS },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'dep' } },
          template: {
            metadata: { labels: { app: 'dep' } },
            spec: { nodeSelector: { 'kubernetes.io/hostname': 'edge-a' }, containers: [{ name: 'c', image: 'busybox' }] },
          },
        },
      }),
    });
    const pods = await waitUntil(
      async () => {
        const list = await k.json(['get', 'pods', '-n', NS, '-l', 'app=dep']);
        const items = arr(list, 'items');
        if (items.length !== 2) return false;
        if (!items.every((p) => str(p, 'status.phase') === 'Running' && str(p, 'spec.nodeName') === 'edge-a')) return false;
        return items.map((p) => str(p, 'metadata.name') ?? '');
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'two dep pods Running on edge-a' },
    );
    await waitUntil(() => pods.every((p) => a.dbKeys('pod').includes(`${NS}/pod/${p}`)), { timeoutMs: 30_000, what: `dep pods in A's SQLite (${a.dbKeys('pod').join(', ')})` });
    assert.equal(
      b.dbKeys('pod').filter((key) => key.startsWith(`${NS}/`)).length,
      0,
      `B got pods of ${NS}: ${b.dbKeys('pod').join(', ')}`,
    );
  });

  it('deleting the pod removes it from A', async () => {
    await k.ok(['delete', 'pod', 'web', '-n', NS, '--wait=false']);
    await waitUntil(() => !a.dbKeys('pod').includes(`${NS}/pod/web`), { timeoutMs: 30_000, what: `${NS}/pod/web gone from A's SQLite` });
    await waitUntil(async () => (await cloud.client.get(`/api/v1/namespaces/${NS}/pods/web`)).status === 404, { timeoutMs: 30_000, what: 'pod web gone from the API' });
    assert.ok(a.running && b.running, 'edgecore processes still running');
  });
});
