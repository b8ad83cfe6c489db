/**
 * Issue 4, acceptance 3: offline and back.
 *
 * The control plane runs in one cloudcore (`--cloudhub-enable false`); the hub runs in a second one
 * (`--kubeconfig <first>/admin.kubeconfig`), so the hub can be stopped while the API stays up.
 *  (a) Stop the hub, change a ConfigMap, delete a pod and create another for the node, start the hub:
 *      the edge's SQLite converges to exactly the cloud's pods and configmaps for the node, with the
 *      cloud's resourceVersions (ObjectSync deltas).
 *  (b) Stop the hub; a hollow pod (created while online) finishes while offline; edgecore is
 *      restarted while still offline; the hub comes back: the pod's final phase reaches the API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  arr,
  brief,
  createNamespace,
  joinEdge,
  nodeReady,
  OUTCOME_ANNOTATION,
  RUN_MS_ANNOTATION,
  startCloudcore,
  str,
  tokenFromSecret,
  waitUntil,
  type CloudcoreHandle,
  type EdgeHandle,
  type HttpsClient,
} from '../harness/index.js';

const NS = 'offline';
const NODE = 'edge-o';

function pod(name: string, opts: { readonly configMap?: string; readonly annotations?: Record<string, string>; readonly restartPolicy?: string } = {}): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, annotations: opts.annotations ?? {} },
    spec: {
      nodeName: NODE,
      restartPolicy: opts.restartPolicy ?? 'Always',
      containers: [{ name: 'c', image: 'busybox' }],
      volumes: opts.configMap === undefined ? [] : [{ name: 'cfg', configMap: { name: opts.configMap } }],
    },
  };
}

/** ConfigMap names a pod refers to (volumes, projected sources, env). */
function configMapsOf(p: unknown): string[] {
  const out = new Set<string>();
  for (const v of arr(p, 'spec.volumes')) {
    const n = str(v, 'configMap.name');
    if (n !== undefined) out.add(n);
    for (const s of arr(v, 'projected.sources')) {
      const m = str(s, 'configMap.name');
      if (m !== undefined) out.add(m);
    }
  }
  for (const c of [...arr(p, 'spec.containers'), ...arr(p, 'spec.initContainers')]) {
    for (const e of arr(c, 'env')) {
      const m = str(e, 'valueFrom.configMapKeyRef.name');
      if (m !== undefined) out.add(m);
    }
    for (const e of arr(c, 'envFrom')) {
      const m = str(e, 'configMapRef.name');
      if (m !== undefined) out.add(m);
    }
  }
  return [...out];
}

/** key → resourceVersion of the node's pods in NS and the configmaps they use, as the API has them. */
async function cloudState(client: HttpsClient): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const pods = await client.get(`/api/v1/namespaces/${NS}/pods`, { fieldSelector: `spec.nodeName=${NODE}` });
  assert.equal(pods.status, 200, pods.text);
  const cms = new Set<string>();
  for (const p of arr(pods.body, 'items')) {
    out.set(`${NS}/pod/${str(p, 'metadata.name') ?? ''}`, str(p, 'metadata.resourceVersion') ?? '');
    for (const c of configMapsOf(p)) cms.add(c);
  }
  for (const c of cms) {
    const r = await client.get(`/api/v1/namespaces/${NS}/configmaps/${c}`);
    if (r.status === 200) out.set(`${NS}/configmap/${c}`, str(r.body, 'metadata.resourceVersion') ?? '');
  }
  return out;
}

/** The same for the edge's SQLite. */
function edgeState(edge: EdgeHandle): Map<string, string> {
  const out = new Map<string, string>();
  for (const row of [...edge.dbRows('pod'), ...edge.dbRows('configmap')]) {
    if (!row.key.startsWith(`${NS}/`)) continue;
    let rv: string;
    try {
      const v: unknown = JSON.parse(row.value);
      rv = str(v, 'metadata.resourceVersion') ?? '';
    } catch {
      rv = '<bad json>';
    }
    out.set(row.key, rv);
  }
  return out;
}

function sameState(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

describe('offline and back', { timeout: 900_000 }, () => {
  let cp: CloudcoreHandle;
  let hub: CloudcoreHandle;
  let edge: EdgeHandle;
  const cleanups: (() => unknown)[] = [];
  const owner = { after: (fn: () => unknown) => cleanups.push(fn) };

  before(async () => {
    cp = await startCloudcore({ hub: false, controllers: true, owner });
    hub = await startCloudcore({ kubeconfig: cp.kubeconfigPath, owner });
    const token = await waitUntil(() => tokenFromSecret(cp.client), { timeoutMs: 30_000, what: 'join token secret' });
    edge = await joinEdge(hub, { nodeName: NODE, token, owner });
    await createNamespace(cp.client, NS);
  });

  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });

  async function create(body: unknown, kind: 'pods' | 'configmaps'): Promise<void> {
    const r = await cp.client.post(`/api/v1/namespaces/${NS}/${kind}`, body);
    assert.equal(r.status, 201, `create ${kind}: ${r.status} ${brief(r.text)}`);
  }

  async function converge(what: string): Promise<void> {
    let last = '';
    await waitUntil(
      async () => {
        const c = await cloudState(cp.client);
        const e = edgeState(edge);
        last = `cloud ${JSON.stringify([...c])}\nedge  ${JSON.stringify([...e])}`;
        return sameState(c, e);
      },
      { timeoutMs: 120_000, intervalMs: 500, what },
    ).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${last}\nedgecore tail:\n${edge.logs({ tail: 40 })}`, { cause: err });
    });
  }

  it('(a) changes made while the hub is down reach the edge through ObjectSync', async () => {
    await create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: NS }, data: { v: '1' } }, 'configmaps');
    await create(pod('p1', { configMap: 'cfg' }), 'pods');
    await create(pod('p2', { configMap: 'cfg' }), 'pods');
    await converge('edge has p1, p2, cfg as the cloud');
    // The hub records what the edge acknowledged in ObjectSyncs; only what is recorded is reconciled after a restart.
    await waitUntil(
      async () => {
        const r = await cp.client.get(`/apis/reliablesyncs.kubeedge.io/v1alpha1/namespaces/${NS}/objectsyncs`);
        const names = arr(r.body, 'items').map((o) => str(o, 'spec.objectName'));
        return ['p1', 'p2', 'cfg'].every((n) => names.includes(n));
      },
      { timeoutMs: 30_000, what: 'ObjectSyncs for p1, p2 and cfg' },
    );

    await hub.stop();
    const cm = await cp.client.patch(`/api/v1/namespaces/${NS}/configmaps/cfg`, { data: { v: '2' } }, 'application/merge-patch+json');
    assert.equal(cm.status, 200, cm.text);
    const del = await cp.client.delete(`/api/v1/namespaces/${NS}/pods/p1`, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 });
    assert.ok(del.status === 200 || del.status === 202, del.text);
    await waitUntil(async () => (await cp.client.get(`/api/v1/namespaces/${NS}/pods/p1`)).status === 404, { timeoutMs: 30_000, what: 'p1 gone from the API' });
    await create(pod('p3', { configMap: 'cfg' }), 'pods');
    // While the hub is down the edge still has the old state.
    assert.ok(edge.dbKeys('pod').includes(`${NS}/pod/p1`), 'p1 left the edge before the hub came back');

    await hub.start();
    await converge('edge converges to p2, p3 and cfg v2 with the cloud resourceVersions');
    const stored = edge.dbObject(`${NS}/configmap/cfg`);
    assert.equal(str(stored, 'data.v'), '2');
    assert.ok(!edge.dbKeys('pod').includes(`${NS}/pod/p1`));
  });

  it('(b) a pod that finishes while offline, across an edgecore restart, reaches the API when the hub is back', async () => {
    await create(pod('fin', { restartPolicy: 'Never', annotations: { [OUTCOME_ANNOTATION]: 'Succeeded', [RUN_MS_ANNOTATION]: '4000' } }), 'pods');
    await waitUntil(async () => str((await cp.client.get(`/api/v1/namespaces/${NS}/pods/fin`)).body, 'status.phase') === 'Running', {
      timeoutMs: 60_000,
      what: 'pod fin Running in the API',
    });
    await hub.stop();
    // The edge records the final status while offline in its durable upstream queue (SQLite table `upstream`).
    await waitUntil(() => edge.upstreamRows().some((r) => Object.values(r).some((v) => typeof v === 'string' && v.includes('fin') && v.includes('Succeeded'))), {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: 'the final status of fin queued in the edge upstream table',
    });
    const apiPhase = str((await cp.client.get(`/api/v1/namespaces/${NS}/pods/fin`)).body, 'status.phase');
    assert.equal(apiPhase, 'Running', 'the final phase cannot reach the API while the hub is down');

    await edge.stop();
    await edge.restart();
    // Still offline: edgecore runs on its SQLite.
    await new Promise((r) => setTimeout(r, 2_000));
    assert.ok(edge.running, `edgecore exited while offline:\n${edge.logs({ tail: 40 })}`);

    await hub.start();
    await waitUntil(async () => str((await cp.client.get(`/api/v1/namespaces/${NS}/pods/fin`)).body, 'status.phase') === 'Succeeded', {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: 'pod fin Succeeded in the API',
    }).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\nedgecore tail:\n${edge.logs({ tail: 60 })}`, { cause: err });
    });
    await waitUntil(() => nodeReady(hub, NODE), { timeoutMs: 60_000, what: 'node Ready again' });
    // Answered reports leave the durable queue.
    await waitUntil(() => !edge.upstreamRows().some((r) => Object.values(r).some((v) => typeof v === 'string' && v.includes('fin') && v.includes('Succeeded'))), {
      timeoutMs: 30_000,
      what: "fin's report to leave the upstream queue",
    });
  });
});
