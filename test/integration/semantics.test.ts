/**
 * Kubernetes API semantics of the embedded API server, over HTTPS with the admin client: object
 * metadata and optimistic concurrency, the status subresource, list selectors and paging, watch,
 * deletion (graceful pods, finalizers, garbage collection, namespace lifecycle), subresources,
 * the four patch types, and what survives a restart. The expectations are kube-apiserver's; where
 * ours differs, the test keeps the Kubernetes expectation.
 *
 * One cloudcore per describe block, one namespace per test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WIDGET_CRD, WIDGET_CRD_NAME, widget, widgetsPath } from '../fixtures/widget-crd.js';
import {
  arr,
  assertServingAndIntact,
  at,
  brief,
  createNamespace,
  isRecord,
  num,
  rec,
  rvOf,
  startCloudcore,
  str,
  waitForPath,
  waitUntil,
  type CloudcoreHandle,
  type HttpResponse,
  type HttpsClient,
  type JsonRecord,
  type WatchEvent,
  type WatchStream,
} from '../harness/index.js';

/** How long asynchronous server work (garbage collection, namespace cleanup) may take. */
const ASYNC_MS = 30_000;
const GENERATE_SUFFIX = /^[bcdfghjklmnpqrstvwxz2456789]{5}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

// ---------------------------------------------------------------------------------------------
// Small helpers

let nsSeq = 0;

/** A new namespace for one test. */
async function freshNamespace(cc: CloudcoreHandle, prefix: string): Promise<string> {
  const name = `${prefix}-${++nsSeq}`;
  await createNamespace(cc.client, name);
  return name;
}

function what(r: HttpResponse): string {
  return `${r.request} -> ${r.status} ${brief(r.text)}`;
}

/** Asserts a Kubernetes Status failure with this code (and reason, when given). */
function assertStatus(r: HttpResponse, code: number, reason?: string): void {
  assert.equal(r.status, code, what(r));
  assert.equal(r.jsonError, undefined, `${what(r)}: invalid JSON`);
  assert.equal(at(r.body, 'kind'), 'Status', what(r));
  assert.equal(at(r.body, 'status'), 'Failure', what(r));
  assert.equal(num(r.body, 'code'), code, what(r));
  if (reason !== undefined) assert.equal(at(r.body, 'reason'), reason, what(r));
}

/** Asserts the status code and returns the parsed body. */
function ok(r: HttpResponse, code = 200): unknown {
  assert.equal(r.status, code, what(r));
  assert.equal(r.jsonError, undefined, `${what(r)}: invalid JSON`);
  return r.body;
}

function rv(o: unknown): bigint {
  return rvOf(o);
}

function names(list: unknown): string[] {
  return arr(list, 'items')
    .map((i) => str(i, 'metadata.name') ?? '')
    .sort();
}

function cmPath(ns: string, name?: string): string {
  return `/api/v1/namespaces/${ns}/configmaps${name === undefined ? '' : `/${name}`}`;
}

function podPath(ns: string, name?: string): string {
  return `/api/v1/namespaces/${ns}/pods${name === undefined ? '' : `/${name}`}`;
}

function deployPath(ns: string, name?: string): string {
  return `/apis/apps/v1/namespaces/${ns}/deployments${name === undefined ? '' : `/${name}`}`;
}

function configMap(name: string, opts: { data?: Record<string, string>; labels?: Record<string, string>; finalizers?: string[]; ownerReferences?: JsonRecord[] } = {}): JsonRecord {
  const metadata: JsonRecord = { name };
  if (opts.labels !== undefined) metadata['labels'] = opts.labels;
  if (opts.finalizers !== undefined) metadata['finalizers'] = opts.finalizers;
  if (opts.ownerReferences !== undefined) metadata['ownerReferences'] = opts.ownerReferences;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: opts.data ?? { k: 'v' } };
}

function pod(name: string, opts: { nodeName?: string; labels?: Record<string, string> } = {}): JsonRecord {
  const spec: JsonRecord = { containers: [{ name: 'main', image: 'busybox:1.36' }] };
  if (opts.nodeName !== undefined) spec['nodeName'] = opts.nodeName;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, ...(opts.labels ? { labels: opts.labels } : {}) }, spec };
}

function deployment(name: string, replicas = 1): JsonRecord {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] } },
    },
  };
}

function node(name: string): JsonRecord {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } };
}

function ownerRef(kind: string, name: string, uid: string, blockOwnerDeletion?: boolean): JsonRecord {
  return { apiVersion: 'v1', kind, name, uid, ...(blockOwnerDeletion === undefined ? {} : { blockOwnerDeletion }) };
}

/** Creates and returns the created object (201 required). */
async function create(client: HttpsClient, path: string, body: unknown): Promise<unknown> {
  return ok(await client.post(path, body), 201);
}

async function waitGone(client: HttpsClient, path: string, label: string): Promise<void> {
  let last = '';
  try {
    await waitUntil(
      async () => {
        const r = await client.get(path);
        last = `${r.status} ${brief(r.text, 400)}`;
        return r.status === 404;
      },
      { timeoutMs: ASYNC_MS, intervalMs: 100, what: label },
    );
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}; last GET ${path}: ${last}`, { cause: err });
  }
}

function eventsFor(w: WatchStream, name: string): { type: string; rv: bigint }[] {
  return w.events.filter((e) => str(e.object, 'metadata.name') === name).map((e) => ({ type: e.type, rv: rv(e.object) }));
}

function isEvent(type: string, name: string): (e: WatchEvent) => boolean {
  return (e) => e.type === type && str(e.object, 'metadata.name') === name;
}

function finalizers(o: unknown): string[] {
  return arr(o, 'metadata.finalizers').filter((f): f is string => typeof f === 'string');
}

function containerNames(o: unknown): string[] {
  return arr(o, 'spec.template.spec.containers')
    .map((c) => str(c, 'name') ?? '')
    .sort();
}

// ---------------------------------------------------------------------------------------------

describe('semantics: object metadata, resourceVersion, generation, concurrency', { timeout: 180_000 }, () => {
  let cc: CloudcoreHandle;
  before(async () => {
    cc = await startCloudcore();
  });
  after(async () => {
    await cc?.dispose();
  });

  it('create with generateName: prefix + 5 characters, uid and creationTimestamp set', async () => {
    const ns = await freshNamespace(cc, 'meta');
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const created = await create(cc.client, cmPath(ns), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' }, data: { i: String(i) } });
      const name = str(created, 'metadata.name') ?? '';
      assert.ok(name.startsWith('gen-'), `generated name ${name}`);
      assert.match(name.slice('gen-'.length), GENERATE_SUFFIX, `generated name ${name}`);
      assert.equal(str(created, 'metadata.generateName'), 'gen-', brief(created));
      assert.match(str(created, 'metadata.uid') ?? '', /^[0-9a-f-]{36}$/, brief(created));
      assert.match(str(created, 'metadata.creationTimestamp') ?? '', RFC3339, brief(created));
      assert.ok(rv(created) > 0n, brief(created));
      seen.add(name);
      const got = ok(await cc.client.get(cmPath(ns, name)));
      assert.equal(str(got, 'metadata.uid'), str(created, 'metadata.uid'));
    }
    assert.equal(seen.size, 3, `three distinct generated names: ${[...seen].join(', ')}`);
  });

  it('resourceVersion strictly increases across writes of different objects', async () => {
    const ns = await freshNamespace(cc, 'meta');
    const rvs: bigint[] = [];
    rvs.push(rv(await create(cc.client, cmPath(ns), configMap('a'))));
    rvs.push(rv(await create(cc.client, cmPath(ns), configMap('b'))));
    rvs.push(rv(ok(await cc.client.patch(cmPath(ns, 'a'), { data: { k: 'a2' } }, 'application/merge-patch+json'))));
    rvs.push(rv(await create(cc.client, podPath(ns), pod('p'))));
    rvs.push(rv(ok(await cc.client.patch(cmPath(ns, 'b'), { data: { k: 'b2' } }, 'application/merge-patch+json'))));
    for (let i = 1; i < rvs.length; i++) assert.ok(rvs[i]! > rvs[i - 1]!, `resourceVersions must strictly increase: ${rvs.join(' -> ')}`);
  });

  it('generation is 1 on create, +1 on a spec change of a Deployment, unchanged by a label change', async () => {
    const ns = await freshNamespace(cc, 'meta');
    const created = await create(cc.client, deployPath(ns), deployment('web'));
    assert.equal(num(created, 'metadata.generation'), 1, brief(at(created, 'metadata')));
    const labelled = ok(await cc.client.patch(deployPath(ns, 'web'), { metadata: { labels: { extra: 'yes' } } }, 'application/merge-patch+json'));
    assert.equal(str(labelled, 'metadata.labels.extra'), 'yes');
    assert.equal(num(labelled, 'metadata.generation'), 1, `a label change must not bump generation: ${brief(at(labelled, 'metadata'))}`);
    const scaled = ok(await cc.client.patch(deployPath(ns, 'web'), { spec: { replicas: 3 } }, 'application/merge-patch+json'));
    assert.equal(num(scaled, 'metadata.generation'), 2, `a spec change bumps generation: ${brief(at(scaled, 'metadata'))}`);
    const annotated = ok(await cc.client.patch(deployPath(ns, 'web'), { metadata: { annotations: { note: 'x' } } }, 'application/merge-patch+json'));
    assert.equal(num(annotated, 'metadata.generation'), 2, brief(at(annotated, 'metadata')));
    const image = ok(await cc.client.patch(deployPath(ns, 'web'), { spec: { template: { spec: { containers: [{ name: 'main', image: 'nginx:1.28' }] } } } }, 'application/strategic-merge-patch+json'));
    assert.equal(num(image, 'metadata.generation'), 3, brief(at(image, 'metadata')));
  });

  it('PUT with a stale resourceVersion is 409 Conflict; PUT without resourceVersion is an unconditional update', async () => {
    const ns = await freshNamespace(cc, 'meta');
    const created = await create(cc.client, cmPath(ns), configMap('cm', { data: { v: '1' } }));
    const rv1 = str(created, 'metadata.resourceVersion') ?? '';
    const first = ok(await cc.client.put(cmPath(ns, 'cm'), { ...configMap('cm', { data: { v: '2' } }), metadata: { name: 'cm', resourceVersion: rv1 } }));
    assert.ok(rv(first) > rv(created));

    const stale = await cc.client.put(cmPath(ns, 'cm'), { ...configMap('cm', { data: { v: '3' } }), metadata: { name: 'cm', resourceVersion: rv1 } });
    assertStatus(stale, 409, 'Conflict');
    assert.equal(str(stale.body, 'details.name'), 'cm', brief(stale.body));
    assert.equal(str(stale.body, 'details.kind'), 'configmaps', brief(stale.body));

    const unconditional = ok(await cc.client.put(cmPath(ns, 'cm'), configMap('cm', { data: { v: '4' } })));
    assert.equal(str(unconditional, 'data.v'), '4');
    assert.ok(rv(unconditional) > rv(first), `${String(rv(unconditional))} > ${String(rv(first))}`);
    assert.equal(str(unconditional, 'metadata.uid'), str(created, 'metadata.uid'), 'uid is kept by an update');
    assert.equal(str(unconditional, 'metadata.creationTimestamp'), str(created, 'metadata.creationTimestamp'));
    const now = ok(await cc.client.get(cmPath(ns, 'cm')));
    assert.equal(str(now, 'data.v'), '4');
  });

  it('a no-op PUT keeps the resourceVersion', async () => {
    const ns = await freshNamespace(cc, 'meta');
    await create(cc.client, cmPath(ns), configMap('same', { data: { v: '1' }, labels: { a: 'b' } }));
    const current = ok(await cc.client.get(cmPath(ns, 'same')));
    const put = ok(await cc.client.put(cmPath(ns, 'same'), current));
    assert.equal(str(put, 'metadata.resourceVersion'), str(current, 'metadata.resourceVersion'), `no-op PUT: ${brief(at(put, 'metadata'))}`);
    // without the resourceVersion too
    const meta = { ...rec(current, 'metadata') };
    delete meta['resourceVersion'];
    const put2 = ok(await cc.client.put(cmPath(ns, 'same'), { ...(current as JsonRecord), metadata: meta }));
    assert.equal(str(put2, 'metadata.resourceVersion'), str(current, 'metadata.resourceVersion'), `no-op PUT without resourceVersion: ${brief(at(put2, 'metadata'))}`);
    const after = ok(await cc.client.get(cmPath(ns, 'same')));
    assert.equal(str(after, 'metadata.resourceVersion'), str(current, 'metadata.resourceVersion'));
  });
});

// ---------------------------------------------------------------------------------------------

describe('semantics: the status subresource (Deployment)', { timeout: 180_000 }, () => {
  let cc: CloudcoreHandle;
  before(async () => {
    cc = await startCloudcore();
  });
  after(async () => {
    await cc?.dispose();
  });

  it('PUT /status changes only status, and not generation', async () => {
    const ns = await freshNamespace(cc, 'status');
    await create(cc.client, deployPath(ns), deployment('web', 1));
    const current = ok(await cc.client.get(deployPath(ns, 'web'))) as JsonRecord;
    const body: JsonRecord = {
      ...current,
      metadata: { ...rec(current, 'metadata'), labels: { app: 'web', sneaky: 'label' } },
      spec: { ...rec(current, 'spec'), replicas: 9 },
      status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1 },
    };
    const put = ok(await cc.client.put(`${deployPath(ns, 'web')}/status`, body));
    assert.equal(num(put, 'status.replicas'), 1, brief(at(put, 'status')));
    assert.equal(num(put, 'status.observedGeneration'), 1, brief(at(put, 'status')));
    assert.equal(num(put, 'spec.replicas'), 1, `PUT /status must not change spec: ${brief(at(put, 'spec'))}`);
    assert.equal(str(put, 'metadata.labels.sneaky'), undefined, `PUT /status must not change labels: ${brief(at(put, 'metadata'))}`);
    assert.equal(num(put, 'metadata.generation'), 1, brief(at(put, 'metadata')));
    assert.ok(rv(put) > rv(current));
    const got = ok(await cc.client.get(deployPath(ns, 'web')));
    assert.equal(num(got, 'spec.replicas'), 1);
    assert.equal(num(got, 'status.replicas'), 1);
  });

  it('PATCH /status changes only status, and not generation', async () => {
    const ns = await freshNamespace(cc, 'status');
    await create(cc.client, deployPath(ns), deployment('web', 2));
    const patched = ok(await cc.client.patch(`${deployPath(ns, 'web')}/status`, { spec: { replicas: 7 }, status: { replicas: 2, updatedReplicas: 2 } }, 'application/merge-patch+json'));
    assert.equal(num(patched, 'status.replicas'), 2, brief(at(patched, 'status')));
    assert.equal(num(patched, 'status.updatedReplicas'), 2, brief(at(patched, 'status')));
    assert.equal(num(patched, 'spec.replicas'), 2, `PATCH /status must not change spec: ${brief(at(patched, 'spec'))}`);
    assert.equal(num(patched, 'metadata.generation'), 1, brief(at(patched, 'metadata')));
    const smp = ok(await cc.client.patch(`${deployPath(ns, 'web')}/status`, { status: { observedGeneration: 1 } }, 'application/strategic-merge-patch+json'));
    assert.equal(num(smp, 'status.observedGeneration'), 1, brief(at(smp, 'status')));
    assert.equal(num(smp, 'status.replicas'), 2, brief(at(smp, 'status')));
    assert.equal(num(smp, 'metadata.generation'), 1);
  });

  it('a main-resource update does not change status', async () => {
    const ns = await freshNamespace(cc, 'status');
    await create(cc.client, deployPath(ns), deployment('web', 1));
    ok(await cc.client.patch(`${deployPath(ns, 'web')}/status`, { status: { replicas: 1, updatedReplicas: 1, observedGeneration: 1 } }, 'application/merge-patch+json'));
    const current = ok(await cc.client.get(deployPath(ns, 'web'))) as JsonRecord;
    const put = ok(
      await cc.client.put(deployPath(ns, 'web'), {
        ...current,
        spec: { ...rec(current, 'spec'), replicas: 2 },
        status: { replicas: 5, updatedReplicas: 5, observedGeneration: 9 },
      }),
    );
    assert.equal(num(put, 'spec.replicas'), 2);
    assert.equal(num(put, 'metadata.generation'), 2, brief(at(put, 'metadata')));
    assert.deepEqual(at(put, 'status'), at(current, 'status'), 'PUT on the main resource must keep the stored status');
    const merge = ok(await cc.client.patch(deployPath(ns, 'web'), { status: { replicas: 8 } }, 'application/merge-patch+json'));
    assert.deepEqual(at(merge, 'status'), at(current, 'status'), 'PATCH on the main resource must keep the stored status');
    const got = ok(await cc.client.get(deployPath(ns, 'web')));
    assert.deepEqual(at(got, 'status'), at(current, 'status'));
  });
});

// ---------------------------------------------------------------------------------------------

describe('semantics: list selectors and paging', { timeout: 180_000 }, () => {
  let cc: CloudcoreHandle;
  before(async () => {
    cc = await startCloudcore();
  });
  after(async () => {
    await cc?.dispose();
  });

  it('labelSelector: =, !=, in, notin, exists, !key', async () => {
    const ns = await freshNamespace(cc, 'list');
    await create(cc.client, cmPath(ns), configMap('a', { labels: { env: 'prod', tier: 'web' } }));
    await create(cc.client, cmPath(ns), configMap('b', { labels: { env: 'dev', tier: 'db' } }));
    await create(cc.client, cmPath(ns), configMap('c', { labels: { env: 'prod' } }));
    await create(cc.client, cmPath(ns), configMap('d', { labels: { other: 'x' } }));
    const cases: [string, string[]][] = [
      ['env=prod', ['a', 'c']],
      ['env==prod', ['a', 'c']],
      ['env!=prod', ['b', 'd']],
      ['env in (prod,dev)', ['a', 'b', 'c']],
      ['env notin (prod)', ['b', 'd']],
      ['tier', ['a', 'b']],
      ['!tier', ['c', 'd']],
      ['env=prod,tier', ['a']],
      ['env in (prod),!tier', ['c']],
      ['env=staging', []],
    ];
    for (const [selector, want] of cases) {
      const r = await cc.client.get(cmPath(ns), { labelSelector: selector });
      assert.deepEqual(names(ok(r)), want, `labelSelector=${selector}: ${what(r)}`);
    }
    const bad = await cc.client.get(cmPath(ns), { labelSelector: 'env in (prod' });
    assertStatus(bad, 400, 'BadRequest');
  });

  it('fieldSelector: metadata.name, spec.nodeName (also empty), status.phase; an unsupported field is 400', async () => {
    const ns = await freshNamespace(cc, 'list');
    await create(cc.client, cmPath(ns), configMap('one'));
    await create(cc.client, cmPath(ns), configMap('two'));
    const byName = await cc.client.get(cmPath(ns), { fieldSelector: 'metadata.name=one' });
    assert.deepEqual(names(ok(byName)), ['one'], what(byName));
    const notName = await cc.client.get(cmPath(ns), { fieldSelector: 'metadata.name!=one' });
    assert.deepEqual(names(ok(notName)), ['two'], what(notName));

    await create(cc.client, podPath(ns), pod('bound', { nodeName: 'node-a' }));
    await create(cc.client, podPath(ns), pod('bound-b', { nodeName: 'node-b' }));
    await create(cc.client, podPath(ns), pod('unbound'));
    const onA = await cc.client.get(podPath(ns), { fieldSelector: 'spec.nodeName=node-a' });
    assert.deepEqual(names(ok(onA)), ['bound'], what(onA));
    const unbound = await cc.client.get(podPath(ns), { fieldSelector: 'spec.nodeName=' });
    assert.deepEqual(names(ok(unbound)), ['unbound'], what(unbound));
    const anyNode = await cc.client.get(podPath(ns), { fieldSelector: 'spec.nodeName!=' });
    assert.deepEqual(names(ok(anyNode)), ['bound', 'bound-b'], what(anyNode));

    const pending = await cc.client.get(podPath(ns), { fieldSelector: 'status.phase=Pending' });
    assert.deepEqual(names(ok(pending)), ['bound', 'bound-b', 'unbound'], what(pending));
    ok(await cc.client.patch(`${podPath(ns, 'bound')}/status`, { status: { phase: 'Running' } }, 'application/merge-patch+json'));
    const running = await cc.client.get(podPath(ns), { fieldSelector: 'status.phase=Running' });
    assert.deepEqual(names(ok(running)), ['bound'], what(running));
    const notRunning = await cc.client.get(podPath(ns), { fieldSelector: 'status.phase!=Running,spec.nodeName!=' });
    assert.deepEqual(names(ok(notRunning)), ['bound-b'], what(notRunning));

    // the pods-by-node index: paging, other selectors, a node change and a delete are all seen at once
    await create(cc.client, podPath(ns), pod('bound-a2', { nodeName: 'node-a', labels: { tier: 'x' } }));
    await create(cc.client, podPath(ns), pod('bound-a3', { nodeName: 'node-a' }));
    const page1 = ok(await cc.client.get(podPath(ns), { fieldSelector: 'spec.nodeName=node-a', limit: 2 }));
    assert.deepEqual(names(page1), ['bound', 'bound-a2']);
    assert.equal(num(page1, 'metadata.remainingItemCount'), 1);
    const page2 = ok(await cc.client.get(podPath(ns), { fieldSelector: 'spec.nodeName=node-a', limit: 2, continue: str(page1, 'metadata.continue') ?? '' }));
    assert.deepEqual(names(page2), ['bound-a3']);
    assert.deepEqual(names(ok(await cc.client.get(podPath(ns), { fieldSelector: 'spec.nodeName=node-a', labelSelector: 'tier=x' }))), ['bound-a2']);
    assert.deepEqual(names(ok(await cc.client.get('/api/v1/pods', { fieldSelector: `spec.nodeName=node-a,metadata.namespace=${ns}` }))), ['bound', 'bound-a2', 'bound-a3']);
    ok(await cc.client.delete(podPath(ns, 'bound-a3'), { gracePeriodSeconds: 0 }));
    ok(await cc.client.post(`${podPath(ns, 'unbound')}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'unbound' }, target: { kind: 'Node', name: 'node-a' } }), 201);
    assert.deepEqual(names(ok(await cc.client.get(podPath(ns), { fieldSelector: 'spec.nodeName=node-a' }))), ['bound', 'bound-a2', 'unbound']);
    assert.deepEqual(names(ok(await cc.client.get(podPath(ns), { fieldSelector: 'spec.nodeName=' }))), []);

    const unsupported = await cc.client.get(cmPath(ns), { fieldSelector: 'data.k=v' });
    assertStatus(unsupported, 400, 'BadRequest');
    const unsupportedPod = await cc.client.get(podPath(ns), { fieldSelector: 'spec.containers=main' });
    assertStatus(unsupportedPod, 400, 'BadRequest');
  });

  it('limit + continue pages through everything exactly once, with remainingItemCount', async () => {
    const ns = await freshNamespace(cc, 'list');
    const all = Array.from({ length: 7 }, (_, i) => `item-${i}`);
    for (const n of all) await create(cc.client, cmPath(ns), configMap(n));
    const seen: string[] = [];
    const remaining: (number | undefined)[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const r = await cc.client.get(cmPath(ns), { limit: 3, ...(cont === undefined ? {} : { continue: cont }) });
      const body = ok(r);
      const items = arr(body, 'items');
      assert.ok(items.length <= 3, `a page holds at most limit items: ${what(r)}`);
      seen.push(...items.map((i) => str(i, 'metadata.name') ?? ''));
      remaining.push(num(body, 'metadata.remainingItemCount'));
      const next = str(body, 'metadata.continue');
      cont = next === undefined || next === '' ? undefined : next;
      pages++;
      assert.ok(pages <= 5, `paging does not end: ${seen.join(',')}`);
    } while (cont !== undefined);
    assert.deepEqual([...seen].sort(), all, 'every item exactly once');
    assert.equal(new Set(seen).size, seen.length, `no duplicates: ${seen.join(',')}`);
    assert.equal(pages, 3);
    assert.deepEqual(remaining, [4, 1, undefined], 'remainingItemCount counts what is left after each page, and is absent on the last page');

    // a selector applies before the limit
    await create(cc.client, cmPath(ns), configMap('labelled-1', { labels: { pick: 'me' } }));
    await create(cc.client, cmPath(ns), configMap('labelled-2', { labels: { pick: 'me' } }));
    const sel = ok(await cc.client.get(cmPath(ns), { limit: 1, labelSelector: 'pick=me' }));
    assert.deepEqual(names(sel), ['labelled-1']);
    const cont2 = str(sel, 'metadata.continue') ?? '';
    assert.notEqual(cont2, '', brief(at(sel, 'metadata')));
    const sel2 = ok(await cc.client.get(cmPath(ns), { limit: 1, labelSelector: 'pick=me', continue: cont2 }));
    assert.deepEqual(names(sel2), ['labelled-2']);
    assert.equal(str(sel2, 'metadata.continue') ?? '', '', brief(at(sel2, 'metadata')));
  });

  it('a garbage continue token is 400', async () => {
    const ns = await freshNamespace(cc, 'list');
    await create(cc.client, cmPath(ns), configMap('x'));
    for (const token of ['garbage', 'bm90LWpzb24', Buffer.from('{"v":"meta.k8s.io/v1","rv":1,"start":"/elsewhere/"}').toString('base64url')]) {
      const r = await cc.client.get(cmPath(ns), { limit: 1, continue: token });
      assertStatus(r, 400, 'BadRequest');
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('semantics: watch', { timeout: 180_000 }, () => {
  let cc: CloudcoreHandle;
  const open: WatchStream[] = [];
  before(async () => {
    cc = await startCloudcore({ extraArgs: ['--watch-bookmark-interval', '0.2'] });
  });
  after(async () => {
    for (const w of open) w.close();
    await cc?.dispose();
  });

  async function watch(path: string, query: Record<string, string | number | boolean>): Promise<WatchStream> {
    const w = await cc.client.watch(path, query);
    open.push(w);
    assert.equal(w.status, 200, `WATCH ${path} ${JSON.stringify(query)}: ${w.status} ${w.errorText}`);
    return w;
  }

  it('from a list resourceVersion: ADDED, MODIFIED, DELETED in order for later writes', async () => {
    const ns = await freshNamespace(cc, 'watch');
    await create(cc.client, cmPath(ns), configMap('before'));
    const list = ok(await cc.client.get(cmPath(ns)));
    const listRv = str(list, 'metadata.resourceVersion') ?? '';
    const w = await watch(cmPath(ns), { resourceVersion: listRv });
    const created = await create(cc.client, cmPath(ns), configMap('x', { data: { v: '1' } }));
    const updated = ok(await cc.client.patch(cmPath(ns, 'x'), { data: { v: '2' } }, 'application/merge-patch+json'));
    ok(await cc.client.delete(cmPath(ns, 'x')));
    await w.next(isEvent('DELETED', 'x'));
    const evs = eventsFor(w, 'x');
    assert.deepEqual(
      evs.map((e) => e.type),
      ['ADDED', 'MODIFIED', 'DELETED'],
      `events: ${brief(w.events)}`,
    );
    assert.equal(evs[0]?.rv, rv(created));
    assert.equal(evs[1]?.rv, rv(updated));
    assert.ok(evs[2]!.rv > evs[1]!.rv, `DELETED carries the revision of the delete: ${brief(evs.map((e) => String(e.rv)))}`);
    assert.equal(str(w.events.find(isEvent('MODIFIED', 'x'))?.object, 'data.v'), '2');
    assert.deepEqual(eventsFor(w, 'before'), [], 'nothing for an object unchanged since the list');
  });

  it('a labelSelector watch sees an object that stops matching as DELETED and one that starts matching as ADDED', async () => {
    const ns = await freshNamespace(cc, 'watch');
    const listRv = str(ok(await cc.client.get(cmPath(ns))), 'metadata.resourceVersion') ?? '';
    const w = await watch(cmPath(ns), { resourceVersion: listRv, labelSelector: 'app=match' });
    await create(cc.client, cmPath(ns), configMap('leaver', { labels: { app: 'match' } }));
    await create(cc.client, cmPath(ns), configMap('joiner', { labels: { app: 'other' } }));
    ok(await cc.client.patch(cmPath(ns, 'leaver'), { metadata: { labels: { app: 'other' } } }, 'application/merge-patch+json'));
    ok(await cc.client.patch(cmPath(ns, 'joiner'), { metadata: { labels: { app: 'match' } } }, 'application/merge-patch+json'));
    ok(await cc.client.patch(cmPath(ns, 'joiner'), { data: { k: 'changed' } }, 'application/merge-patch+json'));
    await w.next(isEvent('MODIFIED', 'joiner'));
    assert.deepEqual(
      eventsFor(w, 'leaver').map((e) => e.type),
      ['ADDED', 'DELETED'],
      `events: ${brief(w.events)}`,
    );
    assert.deepEqual(
      eventsFor(w, 'joiner').map((e) => e.type),
      ['ADDED', 'MODIFIED'],
      `events: ${brief(w.events)}`,
    );
    // as kube-apiserver's watch cache does: the last state the watcher saw, with the event's revision
    const deleted = w.events.find(isEvent('DELETED', 'leaver'))?.object;
    assert.equal(str(deleted, 'metadata.labels.app'), 'match', 'the DELETED object is the previous (matching) state');
    const relabel = await cc.client.get(`${cmPath(ns)}/leaver`);
    assert.equal(str(deleted, 'metadata.resourceVersion'), str(relabel.body, 'metadata.resourceVersion'), 'with the revision of the change');
    assert.equal(str(w.events.find(isEvent('ADDED', 'joiner'))?.object, 'metadata.labels.app'), 'match');
  });

  it('resourceVersion=0 starts with ADDED events for the existing objects', async () => {
    const ns = await freshNamespace(cc, 'watch');
    await create(cc.client, cmPath(ns), configMap('old-1'));
    await create(cc.client, cmPath(ns), configMap('old-2'));
    const w = await watch(cmPath(ns), { resourceVersion: '0' });
    await w.next(isEvent('ADDED', 'old-2'));
    await create(cc.client, cmPath(ns), configMap('new'));
    await w.next(isEvent('ADDED', 'new'));
    assert.deepEqual(
      w.events.slice(0, 2).map((e) => `${e.type} ${str(e.object, 'metadata.name') ?? ''}`).sort(),
      ['ADDED old-1', 'ADDED old-2'],
      `the existing objects come first: ${brief(w.events)}`,
    );
    assert.equal(w.events.length, 3, brief(w.events));
  });

  it('timeoutSeconds=1 ends the stream', async () => {
    const ns = await freshNamespace(cc, 'watch');
    const w = await watch(cmPath(ns), { timeoutSeconds: 1 });
    let guard: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      w.ended.then(() => 'ended'),
      new Promise<string>((resolve) => {
        guard = setTimeout(() => resolve('still open'), ASYNC_MS);
      }),
    ]);
    clearTimeout(guard);
    assert.equal(outcome, 'ended', 'a watch with timeoutSeconds=1 is closed by the server');
  });

  it('sendInitialEvents=true with allowWatchBookmarks ends the initial events with a k8s.io/initial-events-end BOOKMARK', async () => {
    const ns = await freshNamespace(cc, 'watch');
    await create(cc.client, cmPath(ns), configMap('init-1'));
    await create(cc.client, cmPath(ns), configMap('init-2'));
    const w = await watch(cmPath(ns), { sendInitialEvents: true, allowWatchBookmarks: true, resourceVersionMatch: 'NotOlderThan', resourceVersion: '' });
    const bm = await w.next((e) => e.type === 'BOOKMARK');
    assert.equal(str(bm.object, ['metadata', 'annotations', 'k8s.io/initial-events-end']), 'true', brief(bm));
    const idx = w.events.indexOf(bm);
    assert.deepEqual(
      w.events.slice(0, idx).map((e) => `${e.type} ${str(e.object, 'metadata.name') ?? ''}`).sort(),
      ['ADDED init-1', 'ADDED init-2'],
      brief(w.events),
    );
  });

  it('periodic BOOKMARK events with allowWatchBookmarks=true carry the last revision sent', async () => {
    const ns = await freshNamespace(cc, 'watch');
    const list = await cc.client.get(cmPath(ns));
    const w = await watch(cmPath(ns), { resourceVersion: str(list.body, 'metadata.resourceVersion') ?? '', allowWatchBookmarks: true });
    await create(cc.client, cmPath(ns), configMap('bm'));
    const added = await w.next(isEvent('ADDED', 'bm'));
    const bm = await w.next((e) => e.type === 'BOOKMARK' && w.events.indexOf(e) > w.events.indexOf(added));
    assert.equal(str(bm.object, 'metadata.resourceVersion'), str(added.object, 'metadata.resourceVersion'), brief(bm));
    const plain = await watch(cmPath(ns), { resourceVersion: str(added.object, 'metadata.resourceVersion') ?? '' });
    await create(cc.client, cmPath(ns), configMap('bm-2'));
    await plain.next(isEvent('ADDED', 'bm-2'));
    await new Promise((resolve) => setTimeout(resolve, 1000)); // five bookmark intervals
    await w.next((e) => e.type === 'BOOKMARK' && w.events.indexOf(e) > w.events.indexOf(bm)); // the other watch kept getting them
    assert.equal(plain.events.some((e) => e.type === 'BOOKMARK'), false, 'no bookmarks unless asked for');
  });
});

// ---------------------------------------------------------------------------------------------

describe('semantics: deletion, finalizers, garbage collection, namespace lifecycle', { timeout: 300_000 }, () => {
  let cc: CloudcoreHandle;
  before(async () => {
    cc = await startCloudcore();
  });
  after(async () => {
    await cc?.dispose();
  });

  it('an unbound pod is deleted at once', async () => {
    const ns = await freshNamespace(cc, 'del');
    await create(cc.client, podPath(ns), pod('free'));
    const r = await cc.client.delete(podPath(ns, 'free'));
    ok(r);
    const got = await cc.client.get(podPath(ns, 'free'));
    assertStatus(got, 404, 'NotFound');
  });

  it('a pod bound to a node terminates gracefully (30 s), and a zero-grace DELETE removes it', async () => {
    const ns = await freshNamespace(cc, 'del');
    await create(cc.client, podPath(ns), pod('bound', { nodeName: 'edge-node-1' }));
    const r = await cc.client.delete(podPath(ns, 'bound'));
    const body = ok(r);
    assert.equal(at(body, 'kind'), 'Pod', what(r));
    assert.equal(num(body, 'metadata.deletionGracePeriodSeconds'), 30, brief(at(body, 'metadata')));
    assert.match(str(body, 'metadata.deletionTimestamp') ?? '', RFC3339, brief(at(body, 'metadata')));
    const still = ok(await cc.client.get(podPath(ns, 'bound')));
    assert.equal(num(still, 'metadata.deletionGracePeriodSeconds'), 30);
    assert.ok(str(still, 'metadata.deletionTimestamp') !== undefined, brief(at(still, 'metadata')));

    const again = ok(await cc.client.delete(podPath(ns, 'bound'), { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 }));
    assert.equal(at(again, 'kind'), 'Pod', brief(again));
    assertStatus(await cc.client.get(podPath(ns, 'bound')), 404, 'NotFound');
  });

  it('an object with a custom finalizer stays until a PATCH removes the finalizer', async () => {
    const ns = await freshNamespace(cc, 'del');
    await create(cc.client, cmPath(ns), configMap('held', { finalizers: ['example.com/hold'] }));
    const r = await cc.client.delete(cmPath(ns, 'held'));
    const body = ok(r);
    assert.ok(str(body, 'metadata.deletionTimestamp') !== undefined, `DELETE returns the object being deleted: ${what(r)}`);
    const still = ok(await cc.client.get(cmPath(ns, 'held')));
    assert.deepEqual(finalizers(still), ['example.com/hold']);
    assert.ok(str(still, 'metadata.deletionTimestamp') !== undefined);
    // a deleting object cannot gain finalizers
    const add = await cc.client.patch(cmPath(ns, 'held'), { metadata: { finalizers: ['example.com/hold', 'example.com/more'] } }, 'application/merge-patch+json');
    assertStatus(add, 403, 'Forbidden');
    ok(await cc.client.patch(cmPath(ns, 'held'), { metadata: { finalizers: null } }, 'application/merge-patch+json'));
    assertStatus(await cc.client.get(cmPath(ns, 'held')), 404, 'NotFound');
  });

  it('background propagation: a dependent is garbage-collected after its owner is deleted', async () => {
    const ns = await freshNamespace(cc, 'del');
    const owner = await create(cc.client, cmPath(ns), configMap('owner'));
    await create(cc.client, cmPath(ns), configMap('dependent', { ownerReferences: [ownerRef('ConfigMap', 'owner', str(owner, 'metadata.uid') ?? '')] }));
    await create(cc.client, cmPath(ns), configMap('bystander'));
    ok(await cc.client.delete(cmPath(ns, 'owner'), { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' }));
    assertStatus(await cc.client.get(cmPath(ns, 'owner')), 404, 'NotFound');
    await waitGone(cc.client, cmPath(ns, 'dependent'), 'the dependent to be garbage-collected');
    ok(await cc.client.get(cmPath(ns, 'bystander')));
  });

  it('default propagation for a ConfigMap is background', async () => {
    const ns = await freshNamespace(cc, 'del');
    const owner = await create(cc.client, cmPath(ns), configMap('owner'));
    await create(cc.client, cmPath(ns), configMap('dependent', { ownerReferences: [ownerRef('ConfigMap', 'owner', str(owner, 'metadata.uid') ?? '')] }));
    ok(await cc.client.delete(cmPath(ns, 'owner')));
    await waitGone(cc.client, cmPath(ns, 'dependent'), 'the dependent to be garbage-collected');
  });

  it('orphan propagation leaves the dependent, with its ownerReference removed', async () => {
    const ns = await freshNamespace(cc, 'del');
    const owner = await create(cc.client, cmPath(ns), configMap('owner'));
    const uid = str(owner, 'metadata.uid') ?? '';
    await create(cc.client, cmPath(ns), configMap('dependent', { ownerReferences: [ownerRef('ConfigMap', 'owner', uid)] }));
    ok(await cc.client.delete(cmPath(ns, 'owner'), { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Orphan' }));
    await waitGone(cc.client, cmPath(ns, 'owner'), 'the orphaning owner to go');
    const dep = ok(await cc.client.get(cmPath(ns, 'dependent')));
    assert.deepEqual(arr(dep, 'metadata.ownerReferences'), [], `the dependent lost its ownerReference: ${brief(at(dep, 'metadata'))}`);
    assert.equal(str(dep, 'metadata.deletionTimestamp'), undefined, 'the dependent is not being deleted');
  });

  it('foreground propagation: the owner stays with the foregroundDeletion finalizer until the dependent is gone', async () => {
    const ns = await freshNamespace(cc, 'del');
    const owner = await create(cc.client, cmPath(ns), configMap('owner'));
    const uid = str(owner, 'metadata.uid') ?? '';
    // the dependent blocks its owner's deletion and holds itself with a finalizer
    await create(cc.client, cmPath(ns), configMap('dependent', { finalizers: ['example.com/hold'], ownerReferences: [ownerRef('ConfigMap', 'owner', uid, true)] }));
    const r = await cc.client.delete(cmPath(ns, 'owner'), { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Foreground' });
    assert.ok(r.status === 200 || r.status === 202, what(r)); // the exact code is checked in its own test
    assert.ok(finalizers(r.body).includes('foregroundDeletion'), what(r));

    // the GC deletes the dependent; its finalizer keeps it, so the owner waits
    await waitUntil(
      async () => {
        const d = await cc.client.get(cmPath(ns, 'dependent'));
        return d.status === 200 && str(d.body, 'metadata.deletionTimestamp') !== undefined;
      },
      { timeoutMs: ASYNC_MS, what: 'the dependent to be marked for deletion' },
    );
    const waiting = ok(await cc.client.get(cmPath(ns, 'owner')));
    assert.ok(finalizers(waiting).includes('foregroundDeletion'), brief(at(waiting, 'metadata')));
    assert.ok(str(waiting, 'metadata.deletionTimestamp') !== undefined, brief(at(waiting, 'metadata')));

    ok(await cc.client.patch(cmPath(ns, 'dependent'), { metadata: { finalizers: null } }, 'application/merge-patch+json'));
    await waitGone(cc.client, cmPath(ns, 'dependent'), 'the dependent to go');
    await waitGone(cc.client, cmPath(ns, 'owner'), 'the foreground owner to go after its dependent');
  });

  it('a DELETE with propagationPolicy=Foreground that is still pending answers 200 (202 only for orphanDependents=false)', async () => {
    const ns = await freshNamespace(cc, 'del');
    const owner = await create(cc.client, cmPath(ns), configMap('owner'));
    await create(cc.client, cmPath(ns), configMap('dependent', { finalizers: ['example.com/hold'], ownerReferences: [ownerRef('ConfigMap', 'owner', str(owner, 'metadata.uid') ?? '', true)] }));
    const r = await cc.client.delete(cmPath(ns, 'owner'), { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Foreground' });
    // kube-apiserver (endpoints/handlers/delete.go): 202 only when !wasDeleted && orphanDependents == false
    assert.equal(r.status, 200, what(r));
    ok(await cc.client.patch(cmPath(ns, 'dependent'), { metadata: { finalizers: null } }, 'application/merge-patch+json'));
    await waitGone(cc.client, cmPath(ns, 'owner'), 'the owner to go');
  });

  it('deleting a namespace removes its content (incl. a pod bound to a node that does not exist), then the namespace', async () => {
    const ns = await freshNamespace(cc, 'nsdel');
    for (let i = 0; i < 3; i++) await create(cc.client, cmPath(ns), configMap(`cm-${i}`));
    await create(cc.client, `/api/v1/namespaces/${ns}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'x' } });
    await create(cc.client, podPath(ns), pod('ghost', { nodeName: 'no-such-node' }));
    await create(cc.client, podPath(ns), pod('unbound'));
    const r = await cc.client.delete(`/api/v1/namespaces/${ns}`);
    const body = ok(r);
    assert.equal(at(body, 'kind'), 'Namespace', what(r));
    assert.equal(str(body, 'status.phase'), 'Terminating', what(r));
    assert.ok(str(body, 'metadata.deletionTimestamp') !== undefined, what(r));
    await waitGone(cc.client, `/api/v1/namespaces/${ns}`, `namespace ${ns} to go`);
    for (const res of ['configmaps', 'secrets', 'pods']) {
      const list = ok(await cc.client.get(`/api/v1/namespaces/${ns}/${res}`));
      assert.deepEqual(names(list), [], `${res} left in the deleted namespace ${ns}`);
    }
    await assertServingAndIntact(cc, 'namespace deletion');
  });

  it('a namespace held in Terminating by a pod on a live node refuses creates with 403, and goes once the pod is force-deleted', async () => {
    const ns = await freshNamespace(cc, 'nsterm');
    const nodeName = `${ns}-node`;
    await create(cc.client, '/api/v1/nodes', node(nodeName));
    await create(cc.client, podPath(ns), pod('held', { nodeName }));
    await create(cc.client, cmPath(ns), configMap('cm'));
    const del = await cc.client.delete(`/api/v1/namespaces/${ns}`);
    assert.equal(at(ok(del), 'kind'), 'Namespace', `DELETE of a namespace returns the Namespace, now Terminating: ${what(del)}`);
    const terminating = await cc.client.get(`/api/v1/namespaces/${ns}`);
    assert.equal(str(ok(terminating), 'status.phase'), 'Terminating', `the namespace (spec.finalizers [kubernetes]) stays until its content is gone: ${what(terminating)}`);
    await waitUntil(
      async () => {
        const p = await cc.client.get(podPath(ns, 'held'));
        const c = await cc.client.get(cmPath(ns, 'cm'));
        return p.status === 200 && str(p.body, 'metadata.deletionTimestamp') !== undefined && c.status === 404;
      },
      { timeoutMs: ASYNC_MS, what: 'the namespace content to be deleted, the pod gracefully' },
    );
    const nsNow = ok(await cc.client.get(`/api/v1/namespaces/${ns}`));
    assert.equal(str(nsNow, 'status.phase'), 'Terminating', brief(nsNow));

    const refused = await cc.client.post(cmPath(ns), configMap('late'));
    assertStatus(refused, 403, 'Forbidden');
    assert.ok(
      arr(refused.body, 'details.causes').some((c) => str(c, 'reason') === 'NamespaceTerminating' && str(c, 'field') === 'metadata.namespace'),
      `causes: ${brief(at(refused.body, 'details'))}`,
    );
    // updates of existing content are still allowed
    ok(await cc.client.patch(podPath(ns, 'held'), { metadata: { labels: { touched: 'yes' } } }, 'application/merge-patch+json'));

    ok(await cc.client.delete(podPath(ns, 'held'), { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 }));
    await waitGone(cc.client, `/api/v1/namespaces/${ns}`, `namespace ${ns} to go after the pod was force-deleted`);
    ok(await cc.client.get(`/api/v1/nodes/${nodeName}`));
    ok(await cc.client.delete(`/api/v1/nodes/${nodeName}`));
    await assertServingAndIntact(cc, 'a held namespace deletion');
  });
});

// ---------------------------------------------------------------------------------------------

describe('semantics: subresources (binding, eviction, scale)', { timeout: 180_000 }, () => {
  let cc: CloudcoreHandle;
  before(async () => {
    cc = await startCloudcore();
  });
  after(async () => {
    await cc?.dispose();
  });

  function binding(podName: string, nodeName: string): JsonRecord {
    return { apiVersion: 'v1', kind: 'Binding', metadata: { name: podName }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } };
  }

  it('pods/binding sets spec.nodeName and PodScheduled=True; a second binding is 409', async () => {
    const ns = await freshNamespace(cc, 'sub');
    await create(cc.client, podPath(ns), pod('p'));
    const r = await cc.client.post(`${podPath(ns, 'p')}/binding`, binding('p', 'node-1'));
    const body = ok(r, 201);
    assert.equal(at(body, 'kind'), 'Status', what(r));
    assert.equal(at(body, 'status'), 'Success', what(r));
    const got = ok(await cc.client.get(podPath(ns, 'p')));
    assert.equal(str(got, 'spec.nodeName'), 'node-1');
    const scheduled = arr(got, 'status.conditions').find((c) => str(c, 'type') === 'PodScheduled');
    assert.equal(str(scheduled, 'status'), 'True', brief(at(got, 'status')));
    const second = await cc.client.post(`${podPath(ns, 'p')}/binding`, binding('p', 'node-2'));
    assertStatus(second, 409, 'Conflict');
    assert.equal(str(ok(await cc.client.get(podPath(ns, 'p'))), 'spec.nodeName'), 'node-1');
  });

  it('pods/eviction deletes an unbound pod (201)', async () => {
    const ns = await freshNamespace(cc, 'sub');
    await create(cc.client, podPath(ns), pod('evictee'));
    const r = await cc.client.post(`${podPath(ns, 'evictee')}/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'evictee', namespace: ns } });
    const body = ok(r, 201);
    assert.equal(at(body, 'kind'), 'Status', what(r));
    assert.equal(at(body, 'status'), 'Success', what(r));
    assertStatus(await cc.client.get(podPath(ns, 'evictee')), 404, 'NotFound');
  });

  it('deployments/scale: GET is an autoscaling/v1 Scale; PUT and merge PATCH change spec.replicas; negative replicas is 422', async () => {
    const ns = await freshNamespace(cc, 'sub');
    await create(cc.client, deployPath(ns), deployment('web', 2));
    const scalePath = `${deployPath(ns, 'web')}/scale`;
    const scale = ok(await cc.client.get(scalePath));
    assert.equal(at(scale, 'kind'), 'Scale', brief(scale));
    assert.equal(at(scale, 'apiVersion'), 'autoscaling/v1', brief(scale));
    assert.equal(str(scale, 'metadata.name'), 'web');
    assert.equal(str(scale, 'metadata.namespace'), ns);
    assert.equal(num(scale, 'spec.replicas'), 2, brief(scale));
    assert.equal(str(scale, 'status.selector'), 'app=web', brief(scale));

    const put = ok(await cc.client.put(scalePath, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: ns }, spec: { replicas: 3 } }));
    assert.equal(at(put, 'kind'), 'Scale');
    assert.equal(num(put, 'spec.replicas'), 3, brief(put));
    const d1 = ok(await cc.client.get(deployPath(ns, 'web')));
    assert.equal(num(d1, 'spec.replicas'), 3);
    assert.equal(num(d1, 'metadata.generation'), 2, brief(at(d1, 'metadata')));

    const patched = ok(await cc.client.patch(scalePath, { spec: { replicas: 5 } }, 'application/merge-patch+json'));
    assert.equal(num(patched, 'spec.replicas'), 5, brief(patched));
    assert.equal(num(ok(await cc.client.get(deployPath(ns, 'web'))), 'spec.replicas'), 5);

    const stale = await cc.client.put(scalePath, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: ns, resourceVersion: str(scale, 'metadata.resourceVersion') ?? '' }, spec: { replicas: 4 } });
    assertStatus(stale, 409, 'Conflict');

    const negative = await cc.client.put(scalePath, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: ns }, spec: { replicas: -1 } });
    assertStatus(negative, 422, 'Invalid');
    assert.ok(
      arr(negative.body, 'details.causes').some((c) => str(c, 'field') === 'spec.replicas'),
      `causes: ${brief(at(negative.body, 'details'))}`,
    );
    const negPatch = await cc.client.patch(scalePath, { spec: { replicas: -3 } }, 'application/merge-patch+json');
    assertStatus(negPatch, 422, 'Invalid');
    assert.equal(num(ok(await cc.client.get(deployPath(ns, 'web'))), 'spec.replicas'), 5);
  });
});

// ---------------------------------------------------------------------------------------------

describe('semantics: patches over HTTP', { timeout: 180_000 }, () => {
  let cc: CloudcoreHandle;
  before(async () => {
    cc = await startCloudcore();
    await cc.client.expect(201, { method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: WIDGET_CRD });
  });
  after(async () => {
    await cc?.dispose();
  });

  it('strategic merge on a Deployment merges containers by name, and $patch: delete removes one', async () => {
    const ns = await freshNamespace(cc, 'patch');
    await create(cc.client, deployPath(ns), deployment('web'));
    const added = ok(
      await cc.client.patch(deployPath(ns, 'web'), { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox:1.36' }] } } } }, 'application/strategic-merge-patch+json'),
    );
    assert.deepEqual(containerNames(added), ['main', 'sidecar'], brief(at(added, 'spec.template.spec.containers')));
    const main = arr(added, 'spec.template.spec.containers').find((c) => str(c, 'name') === 'main');
    assert.equal(str(main, 'image'), 'nginx:1.27', 'the first container is kept as it was');

    const changed = ok(
      await cc.client.patch(deployPath(ns, 'web'), { spec: { template: { spec: { containers: [{ name: 'main', image: 'nginx:1.28' }] } } } }, 'application/strategic-merge-patch+json'),
    );
    assert.deepEqual(containerNames(changed), ['main', 'sidecar']);
    assert.equal(str(arr(changed, 'spec.template.spec.containers').find((c) => str(c, 'name') === 'main'), 'image'), 'nginx:1.28');

    const removed = ok(
      await cc.client.patch(deployPath(ns, 'web'), { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } }, 'application/strategic-merge-patch+json'),
    );
    assert.deepEqual(containerNames(removed), ['main'], brief(at(removed, 'spec.template.spec.containers')));

    // a merge patch replaces the list as a whole, for contrast
    const replaced = ok(await cc.client.patch(deployPath(ns, 'web'), { spec: { template: { spec: { containers: [{ name: 'only', image: 'busybox:1.36' }] } } } }, 'application/merge-patch+json'));
    assert.deepEqual(containerNames(replaced), ['only']);
  });

  it('merge patch with null deletes a key', async () => {
    const ns = await freshNamespace(cc, 'patch');
    await create(cc.client, cmPath(ns), configMap('cm', { data: { a: '1', b: '2' }, labels: { x: 'y', keep: 'me' } }));
    const r = ok(await cc.client.patch(cmPath(ns, 'cm'), { data: { a: null, c: '3' }, metadata: { labels: { x: null } } }, 'application/merge-patch+json'));
    assert.deepEqual(at(r, 'data'), { b: '2', c: '3' });
    assert.deepEqual(at(r, 'metadata.labels'), { keep: 'me' });
  });

  it('a json patch whose test fails is 422 and changes nothing', async () => {
    const ns = await freshNamespace(cc, 'patch');
    const created = await create(cc.client, cmPath(ns), configMap('cm', { data: { k: 'v' } }));
    const failing = await cc.client.patch(
      cmPath(ns, 'cm'),
      [
        { op: 'test', path: '/data/k', value: 'not-v' },
        { op: 'replace', path: '/data/k', value: 'changed' },
      ],
      'application/json-patch+json',
    );
    assertStatus(failing, 422, 'Invalid');
    const now = ok(await cc.client.get(cmPath(ns, 'cm')));
    assert.equal(str(now, 'data.k'), 'v');
    assert.equal(str(now, 'metadata.resourceVersion'), str(created, 'metadata.resourceVersion'));
    const passing = ok(
      await cc.client.patch(
        cmPath(ns, 'cm'),
        [
          { op: 'test', path: '/data/k', value: 'v' },
          { op: 'replace', path: '/data/k', value: 'changed' },
        ],
        'application/json-patch+json',
      ),
    );
    assert.equal(str(passing, 'data.k'), 'changed');
  });

  it('strategic merge on a custom resource is 415', async () => {
    const ns = await freshNamespace(cc, 'patch');
    await waitForPath(cc.client, widgetsPath(ns));
    await create(cc.client, widgetsPath(ns), widget(ns, 'w', { size: 2, color: 'red' }));
    const r = await cc.client.patch(`${widgetsPath(ns)}/w`, { spec: { size: 3 } }, 'application/strategic-merge-patch+json');
    assertStatus(r, 415, 'UnsupportedMediaType');
    const merge = ok(await cc.client.patch(`${widgetsPath(ns)}/w`, { spec: { size: 3 } }, 'application/merge-patch+json'));
    assert.equal(num(merge, 'spec.size'), 3);
  });

  it('server-side apply: create, a conflicting manager gets 409 FieldManagerConflict, force=true takes over', async () => {
    const ns = await freshNamespace(cc, 'patch');
    const path = cmPath(ns, 'applied');
    const apply = (value: string, manager: string, force?: boolean): Promise<HttpResponse> =>
      cc.client.patch(path, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: ${ns}\ndata:\n  key: ${value}\n`, 'application/apply-patch+yaml', {
        query: { fieldManager: manager, ...(force === undefined ? {} : { force }) },
      });

    const created = await apply('from-a', 'a');
    const body = ok(created, 201);
    assert.equal(str(body, 'data.key'), 'from-a');
    const mfA = arr(body, 'metadata.managedFields').find((m) => str(m, 'manager') === 'a');
    assert.equal(str(mfA, 'operation'), 'Apply', brief(at(body, 'metadata.managedFields')));

    const again = ok(await apply('from-a', 'a'));
    assert.equal(str(again, 'metadata.resourceVersion'), str(body, 'metadata.resourceVersion'), 'the same apply again is a no-op');

    const conflict = await apply('from-b', 'b');
    assertStatus(conflict, 409, 'Conflict');
    const causes = arr(conflict.body, 'details.causes');
    assert.ok(causes.length > 0, brief(conflict.body));
    assert.ok(
      causes.every((c) => str(c, 'reason') === 'FieldManagerConflict'),
      `causes: ${brief(causes)}`,
    );
    assert.ok(
      causes.some((c) => str(c, 'field') === '.data.key'),
      `a cause names .data.key: ${brief(causes)}`,
    );
    assert.equal(str(ok(await cc.client.get(path)), 'data.key'), 'from-a');

    const forced = await apply('from-b', 'b', true);
    assert.equal(str(ok(forced), 'data.key'), 'from-b');
    const managers = arr(ok(await cc.client.get(path)), 'metadata.managedFields');
    const mfB = managers.find((m) => str(m, 'manager') === 'b');
    assert.ok(mfB !== undefined && isRecord(at(mfB, 'fieldsV1')), brief(managers));
    const ownedByA = managers.find((m) => str(m, 'manager') === 'a');
    assert.equal(at(ownedByA, ['fieldsV1', 'f:data', 'f:key']), undefined, `a lost .data.key to b: ${brief(managers)}`);
  });
});

// ---------------------------------------------------------------------------------------------

describe('semantics: restart', { timeout: 240_000 }, () => {
  let cc: CloudcoreHandle;
  let w: WatchStream | undefined;
  before(async () => {
    cc = await startCloudcore();
  });
  after(async () => {
    w?.close();
    await cc?.dispose();
  });

  it('objects survive a restart, resourceVersion keeps increasing, and a watch from a pre-restart resourceVersion replays what came after', async () => {
    const ns = await freshNamespace(cc, 'restart');
    const rvs: bigint[] = [];
    const uids = new Map<string, string>();
    for (const n of ['r1', 'r2']) {
      const c = await create(cc.client, cmPath(ns), configMap(n, { data: { v: '1' } }));
      rvs.push(rv(c));
      uids.set(n, str(c, 'metadata.uid') ?? '');
    }
    const listRv = str(ok(await cc.client.get(cmPath(ns))), 'metadata.resourceVersion') ?? '';
    const modified = ok(await cc.client.patch(cmPath(ns, 'r1'), { data: { v: '2' } }, 'application/merge-patch+json'));
    rvs.push(rv(modified));
    const added = await create(cc.client, cmPath(ns), configMap('r3'));
    rvs.push(rv(added));
    uids.set('r3', str(added, 'metadata.uid') ?? '');
    ok(await cc.client.delete(cmPath(ns, 'r2')));
    uids.delete('r2');
    const maxBefore = rvs.reduce((a, b) => (b > a ? b : a), 0n);

    await cc.restart();

    const list = ok(await cc.client.get(cmPath(ns)));
    assert.deepEqual(names(list), ['r1', 'r3'], brief(list));
    for (const [n, uid] of uids) {
      const got = ok(await cc.client.get(cmPath(ns, n)));
      assert.equal(str(got, 'metadata.uid'), uid, `${n} keeps its uid`);
    }
    assert.equal(str(ok(await cc.client.get(cmPath(ns, 'r1'))), 'data.v'), '2');
    assert.ok(rv(at(list, 'metadata.resourceVersion')) > maxBefore, `list resourceVersion after restart ${String(at(list, 'metadata.resourceVersion'))} > ${String(maxBefore)}`);

    const fresh = await create(cc.client, cmPath(ns), configMap('after'));
    assert.ok(rv(fresh) > maxBefore, `a write after the restart (${String(rv(fresh))}) is above every earlier one (${String(maxBefore)})`);

    w = await cc.client.watch(cmPath(ns), { resourceVersion: listRv });
    assert.equal(w.status, 200, `${w.status} ${w.errorText}`);
    await w.next(isEvent('ADDED', 'after'));
    const seq = w.events.map((e) => `${e.type} ${str(e.object, 'metadata.name') ?? ''}`);
    assert.deepEqual(seq, ['MODIFIED r1', 'ADDED r3', 'DELETED r2', 'ADDED after'], `replayed events: ${brief(w.events)}`);
    const evRvs = w.events.map((e) => rv(e.object));
    for (let i = 1; i < evRvs.length; i++) assert.ok(evRvs[i]! > evRvs[i - 1]!, `event resourceVersions increase: ${evRvs.join(', ')}`);
    assert.equal(evRvs[0], rv(modified));
    assert.equal(evRvs[1], rv(added));
    await assertServingAndIntact(cc, 'restart');
  });
});

describe('semantics: immutable fields and CRD lifecycle', { timeout: 120_000 }, () => {
  let cc: CloudcoreHandle;
  before(async () => {
    cc = await startCloudcore();
  });
  after(async () => {
    await cc?.dispose();
  });

  it('keeps a pod on its node and its spec fixed, except the image', async () => {
    const ns = await freshNamespace(cc, 'immut');
    ok(await cc.client.post(podPath(ns), pod('fixed', { nodeName: 'n1' })), 201);
    assertStatus(await cc.client.patch(podPath(ns, 'fixed'), { spec: { nodeName: 'n2' } }, 'application/merge-patch+json'), 422, 'Invalid');
    assertStatus(await cc.client.patch(podPath(ns, 'fixed'), { spec: { restartPolicy: 'Never' } }, 'application/merge-patch+json'), 422, 'Invalid');
    const image = ok(await cc.client.patch(podPath(ns, 'fixed'), { spec: { containers: [{ name: 'main', image: 'busybox:1.37' }] } }));
    assert.equal(str(image, ['spec', 'containers', 0, 'image']), 'busybox:1.37');
  });

  it('keeps a service cluster IP across updates that omit it, and refuses to change it', async () => {
    const ns = await freshNamespace(cc, 'immut');
    const svcPath = `/api/v1/namespaces/${ns}/services`;
    const created = ok(await cc.client.post(svcPath, { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } }), 201);
    const ip = str(created, 'spec.clusterIP');
    assert.ok(ip !== undefined && ip.startsWith('10.'), brief(created));
    const replaced = ok(await cc.client.put(`${svcPath}/s`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 81 }] } }));
    assert.equal(str(replaced, 'spec.clusterIP'), ip);
    assertStatus(await cc.client.patch(`${svcPath}/s`, { spec: { clusterIP: '10.96.99.99' } }, 'application/merge-patch+json'), 422, 'Invalid');
    assertStatus(await cc.client.post(svcPath, { apiVersion: 'v1', kind: 'Service', metadata: { name: 't' }, spec: { clusterIP: ip, ports: [{ port: 80 }] } }), 422, 'Invalid');
    assertStatus(await cc.client.post(svcPath, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'u' }, spec: { clusterIP: '1.2.3.4', ports: [{ port: 80 }] } }), 422, 'Invalid');
  });

  it('refuses a CRD that would shadow a built-in resource, and a change of scope', async () => {
    const shadow = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'leases.coordination.k8s.io' },
      spec: {
        group: 'coordination.k8s.io',
        scope: 'Cluster',
        names: { plural: 'leases', singular: 'lease', kind: 'Lease' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    };
    assertStatus(await cc.client.post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', shadow), 422, 'Invalid');
    ok(await cc.client.post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', WIDGET_CRD), 201);
    await waitForPath(cc.client, widgetsPath('default'));
    assertStatus(
      await cc.client.patch(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${WIDGET_CRD_NAME}`, { spec: { scope: 'Cluster' } }, 'application/merge-patch+json'),
      422,
      'Invalid',
    );
  });

  it('deleting a CRD deletes its custom resources through their finalizers', async () => {
    const ns = await freshNamespace(cc, 'crd');
    await waitForPath(cc.client, widgetsPath(ns));
    const held = { ...widget(ns, 'held', { size: 2 }), metadata: { name: 'held', namespace: ns, finalizers: ['example.com/hold'] } };
    ok(await cc.client.post(widgetsPath(ns), held), 201);
    ok(await cc.client.delete(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${WIDGET_CRD_NAME}`));
    await waitUntil(async () => str((await cc.client.get(`${widgetsPath(ns)}/held`)).body, 'metadata.deletionTimestamp') !== undefined, { what: 'the custom resource is marked for deletion' });
    assert.equal((await cc.client.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${WIDGET_CRD_NAME}`)).status, 200, 'the CRD waits for its custom resources');
    ok(await cc.client.patch(`${widgetsPath(ns)}/held`, { metadata: { finalizers: null } }, 'application/merge-patch+json'));
    await waitUntil(async () => (await cc.client.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${WIDGET_CRD_NAME}`)).status === 404, { what: 'the CRD is gone' });
  });
});
