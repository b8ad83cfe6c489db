/**
 * Issue 2, acceptance 2: a @kubernetes/client-node 1.4.0 informer over pods sees add, update and
 * delete, and keeps working across an API server restart, both when it can resume its watch and
 * when its resourceVersion has fallen out of the server's watch history (410 Gone -> relist).
 *
 * Informers in client-node stop on a connection error and report it on 'error'; restarting them
 * from there is the documented pattern, which is what a client does here.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { brief, createNamespace, num, sleep, startCloudcore, waitUntil, type CloudcoreHandle } from '../harness/index.js';

type Verb = 'add' | 'update' | 'delete';

interface Seen {
  readonly verb: Verb;
  readonly name: string;
  readonly rv: string;
  readonly labels: Readonly<Record<string, string>>;
}

interface WatchedPods {
  readonly informer: k8s.Informer<k8s.V1Pod> & k8s.ObjectCache<k8s.V1Pod>;
  readonly seen: Seen[];
  readonly errors: unknown[];
  /** How many times the informer listed (1 at start; more means it relisted). */
  listCalls(): number;
  /** While false, the informer is not restarted after an error. */
  setReconnect(on: boolean): void;
  waitFor(verb: Verb, name: string, pred?: (s: Seen) => boolean, timeoutMs?: number): Promise<Seen>;
  names(): string[];
}

function pod(name: string, labels: Record<string, string> = {}): k8s.V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'] }] } };
}

async function watchPods(t: TestContext, cc: CloudcoreHandle, namespace: string): Promise<WatchedPods> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cc.kubeconfigPath);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let lists = 0;
  const informer = k8s.makeInformer<k8s.V1Pod>(kc, `/api/v1/namespaces/${namespace}/pods`, () => {
    lists++;
    return core.listNamespacedPod({ namespace });
  });
  const seen: Seen[] = [];
  const errors: unknown[] = [];
  let reconnect = true;
  let stopped = false;
  const record = (verb: Verb) => (obj: k8s.V1Pod) => {
    seen.push({ verb, name: obj.metadata?.name ?? '', rv: obj.metadata?.resourceVersion ?? '', labels: obj.metadata?.labels ?? {} });
  };
  informer.on('add', record('add'));
  informer.on('update', record('update'));
  informer.on('delete', record('delete'));
  const restartLater = (): void => {
    setTimeout(() => {
      if (stopped) return;
      if (!reconnect) {
        restartLater();
        return;
      }
      informer.start().catch(() => restartLater());
    }, 250);
  };
  informer.on('error', (err) => {
    errors.push(err);
    if (!stopped) restartLater();
  });
  t.after(async () => {
    stopped = true;
    await informer.stop();
  });
  // start() resolves once the list is done and the watch request has its response headers.
  let timer: NodeJS.Timeout | undefined;
  const started = await Promise.race([
    informer.start().then(() => 'started' as const),
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), 20_000);
    }),
  ]);
  clearTimeout(timer);
  assert.equal(started, 'started', `informer.start() did not resolve within 20 s (lists: ${lists}, errors: ${brief(errors.map(String))}): did the list answer, and does the watch send its response headers before the first event?`);
  return {
    informer,
    seen,
    errors,
    listCalls: () => lists,
    setReconnect: (on) => {
      reconnect = on;
    },
    names: () => informer.list(namespace).map((p) => p.metadata?.name ?? '').sort(),
    waitFor: (verb, name, pred = () => true, timeoutMs = 30_000) =>
      waitUntil(() => seen.find((s) => s.verb === verb && s.name === name && pred(s)), {
        timeoutMs,
        what: `informer '${verb}' of pod ${name}; seen so far: ${brief(seen.map((s) => `${s.verb}:${s.name}@${s.rv}`))}; errors: ${brief(errors.map(String))}`,
      }),
  };
}

async function stopCleanly(cc: CloudcoreHandle): Promise<void> {
  const exit = await cc.stop();
  assert.equal(exit.forced, false, `cloudcore did not exit within 15 s of SIGTERM (with open watches). Log tail:\n${cc.logs({ tail: 30 })}`);
  assert.equal(exit.code, 0, `cloudcore exit after SIGTERM: ${JSON.stringify(exit)}. Log tail:\n${cc.logs({ tail: 30 })}`);
}

test('client-node informer sees add, update, delete, and survives an API server restart', { timeout: 180_000 }, async (t) => {
  const cc = await startCloudcore({ owner: t });
  const ns = 'informer';
  await createNamespace(cc.client, ns);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cc.kubeconfigPath);
  const core = kc.makeApiClient(k8s.CoreV1Api);

  const w = await watchPods(t, cc, ns);
  assert.deepEqual(w.names(), [], 'the namespace starts empty');

  await core.createNamespacedPod({ namespace: ns, body: pod('p1') });
  const added = await w.waitFor('add', 'p1');
  assert.ok(/^\d+$/.test(added.rv), `resourceVersion of the added pod: ${added.rv}`);

  await cc.client.expect(200, { method: 'PATCH', path: `/api/v1/namespaces/${ns}/pods/p1`, body: { metadata: { labels: { stage: 'two' } } }, contentType: 'application/merge-patch+json' });
  const updated = await w.waitFor('update', 'p1', (s) => s.labels['stage'] === 'two');
  assert.ok(BigInt(updated.rv) > BigInt(added.rv), `update rv ${updated.rv} > add rv ${added.rv}`);

  await core.deleteNamespacedPod({ namespace: ns, name: 'p1' });
  await w.waitFor('delete', 'p1');
  assert.deepEqual(w.names(), [], 'cache is empty after the delete');

  // Restart the API server on the same data dir and port; the informer must carry on.
  await stopCleanly(cc);
  await cc.start();

  await cc.client.expect(201, { method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: pod('p2') });
  await w.waitFor('add', 'p2', () => true, 60_000);
  await cc.client.expect(200, { method: 'PATCH', path: `/api/v1/namespaces/${ns}/pods/p2`, body: { metadata: { labels: { after: 'restart' } } }, contentType: 'application/merge-patch+json' });
  await w.waitFor('update', 'p2', (s) => s.labels['after'] === 'restart');
  await cc.client.expect([200, 202], { method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/p2` });
  await w.waitFor('delete', 'p2');

  assert.deepEqual(w.names(), [], 'cache is empty at the end');
  const ghosts = w.seen.filter((s) => s.name === 'p1' && s.verb !== 'delete' && BigInt(s.rv || '0') > BigInt(updated.rv));
  assert.deepEqual(ghosts, [], 'the deleted pod p1 never came back');
  t.diagnostic(`informer lists: ${w.listCalls()}, errors seen: ${w.errors.length}`);
});

test('after a restart beyond the watch history the informer gets 410 and relists', { timeout: 180_000 }, async (t) => {
  const history = 5;
  const cc = await startCloudcore({ owner: t, watchHistory: history });
  const ns = 'gone';
  await createNamespace(cc.client, ns);
  const podsPath = `/api/v1/namespaces/${ns}/pods`;

  const w = await watchPods(t, cc, ns);
  await cc.client.expect(201, { method: 'POST', path: podsPath, body: pod('p0') });
  const p0 = await w.waitFor('add', 'p0');
  assert.equal(w.listCalls(), 1);

  // Hold the informer back while the server restarts and moves well past its watch history.
  w.setReconnect(false);
  await stopCleanly(cc);
  await cc.start();
  // The informer's resourceVersion is that of the last event it saw (p0's ADDED).
  const stale = p0.rv;
  assert.ok(/^\d+$/.test(stale), `informer resourceVersion: ${stale}`);

  const created: string[] = [];
  for (let i = 1; i <= 3 * history; i++) {
    const name = `g${i}`;
    await cc.client.expect(201, { method: 'POST', path: podsPath, body: pod(name) });
    created.push(name);
  }
  await cc.client.expect([200, 202], { method: 'DELETE', path: `${podsPath}/p0` });

  // What the informer will run into: a watch from its resourceVersion is gone (HTTP 410, or an
  // ERROR event carrying a 410 Status, as Kubernetes does).
  const probe = await cc.client.watch(podsPath, { resourceVersion: stale });
  try {
    if (probe.status === 200) {
      const ev = await probe.next(() => true, 10_000);
      assert.equal(ev.type, 'ERROR', `first event of a watch from rv ${stale} with --watch-history ${history}: ${brief(ev)}`);
      assert.equal(num(ev.object, 'code'), 410, brief(ev));
    } else {
      assert.equal(probe.status, 410, `watch from rv ${stale}: HTTP ${probe.status} ${brief(probe.errorText)}`);
    }
  } finally {
    probe.close();
  }

  w.setReconnect(true);
  await waitUntil(() => w.listCalls() >= 2, { timeoutMs: 60_000, what: `the informer to relist (lists: ${w.listCalls()}, errors: ${brief(w.errors.map(String))})` });
  await w.waitFor('delete', 'p0', () => true, 30_000);
  await waitUntil(() => created.every((n) => w.names().includes(n)), { timeoutMs: 30_000, what: `the relisted cache to hold ${created.join(',')} (has ${w.names().join(',')})` });
  assert.deepEqual(w.names(), [...created].sort(), 'cache equals the server state after the relist');

  // And the watch that follows the relist is live.
  await cc.client.expect(201, { method: 'POST', path: podsPath, body: pod('fresh') });
  await w.waitFor('add', 'fresh');
  await sleep(200);
  assert.ok(!w.names().includes('p0'), 'p0 stays deleted');
});
