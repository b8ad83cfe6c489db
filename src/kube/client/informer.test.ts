import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deferred, isKeError, type Deferred } from '../../base/index.js';
import type { ListWatch } from './client.js';
import { KubeApiError } from './errors.js';
import { SharedInformer } from './informer.js';
import { FakeClock, flushMicrotasks } from './test-util.js';
import type { KubeList, V1Pod, WatchEvent } from './types.js';

function pod(name: string, rv: string, nodeName?: string): V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', resourceVersion: rv }, spec: { containers: [], ...(nodeName === undefined ? {} : { nodeName }) } };
}

/** A watch stream the test drives: push events, end it, or fail it. */
class Channel<T> implements AsyncIterable<WatchEvent<T>> {
  readonly #items: (WatchEvent<T> | { end: true } | { error: unknown })[] = [];
  #wake: Deferred<void> | undefined;

  constructor(
    readonly resourceVersion: string,
    readonly signal: AbortSignal,
  ) {
    signal.addEventListener('abort', () => this.end());
  }

  push(ev: WatchEvent<T>): void {
    this.#items.push(ev);
    this.#wake?.resolve();
  }

  end(): void {
    this.#items.push({ end: true });
    this.#wake?.resolve();
  }

  fail(error: unknown): void {
    this.#items.push({ error });
    this.#wake?.resolve();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<WatchEvent<T>> {
    for (;;) {
      const it = this.#items.shift();
      if (it === undefined) {
        this.#wake = deferred<void>();
        await this.#wake.promise;
        continue;
      }
      if ('end' in it) return;
      if ('error' in it) throw it.error;
      yield it;
    }
  }
}

class FakeSource<T> implements ListWatch<T> {
  readonly lists: (KubeList<T> | Error)[] = [];
  listCalls = 0;
  readonly watches: Channel<T>[] = [];
  #watchWaiters: ((c: Channel<T>) => void)[] = [];

  list(): Promise<KubeList<T>> {
    this.listCalls++;
    const next = this.lists.shift();
    if (next === undefined) return Promise.reject(new Error('no list prepared'));
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  }

  watch(resourceVersion: string, signal: AbortSignal): AsyncIterable<WatchEvent<T>> {
    const c = new Channel<T>(resourceVersion, signal);
    this.watches.push(c);
    for (const w of this.#watchWaiters.splice(0)) w(c);
    return c;
  }

  /** The watch number `n` (0-based), once the informer opens it. */
  async watchNo(n: number): Promise<Channel<T>> {
    for (;;) {
      const c = this.watches[n];
      if (c !== undefined) return c;
      await new Promise<Channel<T>>((resolve) => this.#watchWaiters.push(resolve));
    }
  }
}

function recorder(inf: SharedInformer<V1Pod>): string[] {
  const log: string[] = [];
  inf.onAdd((p) => log.push(`add ${p.metadata?.name}@${p.metadata?.resourceVersion}`));
  inf.onUpdate((o, n) => log.push(`update ${n.metadata?.name}@${o.metadata?.resourceVersion}->${n.metadata?.resourceVersion}`));
  inf.onDelete((p) => log.push(`delete ${p.metadata?.name}@${p.metadata?.resourceVersion}`));
  return log;
}

const gone = (): WatchEvent<V1Pod> => ({
  type: 'ERROR',
  object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: 'too old resource version' } as unknown as V1Pod,
});

describe('SharedInformer', () => {
  test('lists, syncs, then applies watch events from the list resourceVersion', async () => {
    const src = new FakeSource<V1Pod>();
    src.lists.push({ items: [pod('a', '5', 'n1'), pod('b', '6', 'n2')], resourceVersion: '10' });
    const inf = new SharedInformer<V1Pod>(src, { clock: new FakeClock() });
    inf.addIndex('node', (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
    const log = recorder(inf);
    const ac = new AbortController();
    inf.start(ac.signal);
    await inf.synced;
    assert.deepEqual(log, ['add a@5', 'add b@6']);
    assert.equal(inf.lastSyncResourceVersion, '10');
    assert.equal(inf.get('ns', 'a')?.metadata?.resourceVersion, '5');
    const w = await src.watchNo(0);
    assert.equal(w.resourceVersion, '10');
    w.push({ type: 'ADDED', object: pod('c', '11', 'n1') });
    w.push({ type: 'MODIFIED', object: pod('a', '12', 'n2') });
    w.push({ type: 'DELETED', object: pod('b', '13', 'n2') });
    w.push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '20' } } });
    await flushMicrotasks(20);
    assert.deepEqual(log.slice(2), ['add c@11', 'update a@5->12', 'delete b@13']);
    assert.equal(inf.lastSyncResourceVersion, '20');
    assert.deepEqual(inf.byIndex('node', 'n1').map((p) => p.metadata?.name), ['c']);
    assert.deepEqual(inf.byIndex('node', 'n2').map((p) => p.metadata?.name), ['a']);
    // a watch that ends normally is resumed from the last resourceVersion, without a list
    w.end();
    const w2 = await src.watchNo(1);
    assert.equal(w2.resourceVersion, '20');
    assert.equal(src.listCalls, 1);
    await inf.stop();
  });

  test('410 relists and turns the differences into add, update and delete', async () => {
    const src = new FakeSource<V1Pod>();
    src.lists.push({ items: [pod('same', '1'), pod('changed', '2'), pod('removed', '3')], resourceVersion: '3' });
    src.lists.push({ items: [pod('same', '1'), pod('changed', '7'), pod('new', '8')], resourceVersion: '9' });
    const inf = new SharedInformer<V1Pod>(src, { clock: new FakeClock() });
    inf.addIndex('name', (p) => [p.metadata?.name ?? '']);
    const log = recorder(inf);
    inf.start();
    await inf.synced;
    log.length = 0;
    (await src.watchNo(0)).push(gone());
    const w = await src.watchNo(1);
    assert.equal(w.resourceVersion, '9');
    assert.deepEqual(log, ['add new@8', 'update changed@2->7', 'delete removed@3']);
    assert.deepEqual(inf.keys().sort(), ['ns/changed', 'ns/new', 'ns/same']);
    assert.deepEqual(inf.byIndex('name', 'removed'), []);
    assert.equal(inf.stats.relists, 1);
    await inf.stop();
  });

  test('an HTTP 410 from the watch relists too', async () => {
    const src = new FakeSource<V1Pod>();
    src.lists.push({ items: [], resourceVersion: '1' }, { items: [pod('x', '4')], resourceVersion: '4' });
    const inf = new SharedInformer<V1Pod>(src, { clock: new FakeClock() });
    const log = recorder(inf);
    inf.start();
    (await src.watchNo(0)).fail(new KubeApiError({ status: 410, reason: 'Expired', message: 'gone' }));
    await src.watchNo(1);
    assert.deepEqual(log, ['add x@4']);
    await inf.stop();
  });

  test('transport errors back off on the clock and resume the watch without a list', async () => {
    const clock = new FakeClock();
    const src = new FakeSource<V1Pod>();
    src.lists.push({ items: [pod('a', '1')], resourceVersion: '2' });
    const errors: string[] = [];
    const inf = new SharedInformer<V1Pod>(src, { clock, random: () => 0.5, backoff: { baseMs: 100 }, onError: (_e, site) => errors.push(site) });
    inf.start();
    const w0 = await src.watchNo(0);
    w0.push({ type: 'MODIFIED', object: pod('a', '5') });
    w0.fail(new KubeApiError({ status: 0, reason: 'Unavailable', message: 'ECONNREFUSED' }));
    await flushMicrotasks(20);
    assert.deepEqual(errors, ['watch']);
    assert.deepEqual(clock.delays(), [100]);
    assert.equal(src.watches.length, 1);
    clock.advance(100);
    const w1 = await src.watchNo(1);
    assert.equal(w1.resourceVersion, '5');
    // a second failure in a row waits twice as long
    w1.fail(new KubeApiError({ status: 0, reason: 'Unavailable', message: 'ECONNREFUSED' }));
    await flushMicrotasks(20);
    assert.deepEqual(clock.delays(), [200]);
    assert.equal(src.listCalls, 1);
    await inf.stop();
  });

  test('a watch refused as ResourceVersionTooLarge relists after the backoff', async () => {
    const clock = new FakeClock();
    const src = new FakeSource<V1Pod>();
    src.lists.push({ items: [pod('a', '1'), pod('b', '1')], resourceVersion: '90' }, { items: [pod('a', '1')], resourceVersion: '3' });
    const inf = new SharedInformer<V1Pod>(src, { clock, random: () => 0.5, backoff: { baseMs: 100 } });
    const log = recorder(inf);
    inf.start();
    (await src.watchNo(0)).fail(
      new KubeApiError({ status: 504, reason: 'Timeout', message: 'Too large resource version', causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] }),
    );
    await flushMicrotasks(20);
    assert.equal(src.listCalls, 1, 'not before the backoff');
    clock.advance(100);
    const w = await src.watchNo(1);
    assert.equal(w.resourceVersion, '3');
    assert.deepEqual(log, ['add a@1', 'add b@1', 'delete b@1']);
    await inf.stop();
  });

  test('a failing list is retried with backoff; synced resolves after the first success', async () => {
    const clock = new FakeClock();
    const src = new FakeSource<V1Pod>();
    src.lists.push(new KubeApiError({ status: 0, reason: 'Unavailable', message: 'down' }), { items: [pod('a', '1')], resourceVersion: '1' });
    const inf = new SharedInformer<V1Pod>(src, { clock, random: () => 0.5, backoff: { baseMs: 50 } });
    inf.start();
    await flushMicrotasks(20);
    assert.equal(inf.hasSynced, false);
    clock.advance(50);
    await inf.synced;
    assert.equal(inf.size, 1);
    await inf.stop();
  });

  test('handler exceptions are reported and do not stop the stream', async () => {
    const src = new FakeSource<V1Pod>();
    src.lists.push({ items: [], resourceVersion: '1' });
    const sites: string[] = [];
    const inf = new SharedInformer<V1Pod>(src, { clock: new FakeClock(), onError: (_e, site) => sites.push(site) });
    const names: string[] = [];
    inf.onAdd(() => {
      throw new Error('handler bug');
    });
    inf.onAdd((p) => names.push(p.metadata?.name ?? ''));
    inf.start();
    const w = await src.watchNo(0);
    w.push({ type: 'ADDED', object: pod('a', '2') });
    w.push({ type: 'ADDED', object: pod('b', '3') });
    await flushMicrotasks(20);
    assert.deepEqual(names, ['a', 'b']);
    assert.deepEqual(sites, ['handler', 'handler']);
    await inf.stop();
  });

  test('onAdd after sync replays the cache; transform applies to cached objects', async () => {
    const src = new FakeSource<V1Pod>();
    src.lists.push({ items: [pod('a', '1')], resourceVersion: '1' });
    const inf = new SharedInformer<V1Pod>(src, { clock: new FakeClock(), transform: (p) => ({ ...p, spec: { containers: [], nodeName: 'stamped' } }) });
    inf.start();
    await inf.synced;
    const seen: string[] = [];
    inf.onAdd((p) => seen.push(`${p.metadata?.name}:${p.spec?.nodeName}`));
    assert.deepEqual(seen, ['a:stamped']);
    await inf.stop();
  });

  test('stopping before the first list rejects synced with KE_KUBE_INFORMER_STOPPED', async () => {
    const src = new FakeSource<V1Pod>();
    const inf = new SharedInformer<V1Pod>(src, { clock: new FakeClock() });
    inf.start();
    await inf.stop();
    await assert.rejects(inf.synced, (err) => isKeError(err, 'KE_KUBE_INFORMER_STOPPED'));
  });

  test('replace() on its own: unchanged resourceVersions fire nothing', () => {
    const inf = new SharedInformer<V1Pod>(new FakeSource<V1Pod>());
    const log = recorder(inf);
    inf.replace([pod('a', '1'), pod('b', '2')], '2');
    inf.replace([pod('a', '1'), pod('b', '2')], '3');
    assert.deepEqual(log, ['add a@1', 'add b@2']);
    assert.equal(inf.lastSyncResourceVersion, '3');
  });
});
