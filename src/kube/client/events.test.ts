import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deferred, type Deferred } from '../../base/index.js';
import type { KubeClient } from './client.js';
import { errorFromStatus } from './errors.js';
import { EventRecorder } from './events.js';
import { FakeClock, flushMicrotasks } from './test-util.js';
import type { KubeObject, V1Event } from './types.js';

interface Call {
  readonly op: 'create' | 'patch';
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly body: unknown;
  readonly done: Deferred<void>;
}

/** Records calls; each stays pending until the test settles it (or settles at once in auto mode). */
class FakeEvents {
  readonly calls: Call[] = [];
  auto = true;
  failNextPatchWith: unknown;

  readonly client: Pick<KubeClient, 'create' | 'patch'> = {
    create: async <T extends KubeObject>(_ref: unknown, obj: T): Promise<T> => {
      await this.#call('create', obj.metadata?.namespace, obj.metadata?.name, obj);
      return obj;
    },
    patch: async <T extends KubeObject>(_ref: unknown, namespace: string | undefined, name: string, patch: unknown): Promise<T> => {
      if (this.failNextPatchWith !== undefined) {
        const err = this.failNextPatchWith;
        this.failNextPatchWith = undefined;
        throw err;
      }
      await this.#call('patch', namespace, name, patch);
      const out: KubeObject = {};
      return out as T;
    },
  };

  #call(op: 'create' | 'patch', namespace: string | undefined, name: string | undefined, body: unknown): Promise<void> {
    const done = deferred<void>();
    this.calls.push({ op, namespace, name, body, done });
    if (this.auto) done.resolve();
    return done.promise;
  }
}

const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'prod', uid: 'u-1', resourceVersion: '7' } };

describe('EventRecorder', () => {
  test('creates an Event with the object reference, source and timestamps', async () => {
    const fake = new FakeEvents();
    const clock = new FakeClock();
    const rec = new EventRecorder(fake.client, 'default-scheduler', { clock, host: 'cp-1' });
    rec.event(pod, 'Normal', 'Scheduled', 'Successfully assigned prod/web-1 to node-1');
    await rec.flush();
    assert.equal(fake.calls.length, 1);
    const c = fake.calls[0];
    assert.equal(c?.op, 'create');
    const ev = c?.body as V1Event;
    assert.match(ev.metadata?.name ?? '', /^web-1\.[0-9a-f]+$/);
    assert.equal(ev.metadata?.namespace, 'prod');
    assert.deepEqual(ev.involvedObject, { kind: 'Pod', name: 'web-1', apiVersion: 'v1', namespace: 'prod', uid: 'u-1', resourceVersion: '7' });
    assert.deepEqual(ev.source, { component: 'default-scheduler', host: 'cp-1' });
    assert.equal(ev.type, 'Normal');
    assert.equal(ev.reason, 'Scheduled');
    assert.equal(ev.count, 1);
    assert.equal(ev.firstTimestamp, new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    assert.equal(ev.reportingComponent, 'default-scheduler');
    assert.equal(rec.stats.sent, 1);
  });

  test('cluster-scoped objects get their events in default', async () => {
    const fake = new FakeEvents();
    const rec = new EventRecorder(fake.client, 'node-controller', { clock: new FakeClock() });
    rec.event({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u' } }, 'Warning', 'NodeNotReady', 'down');
    await rec.flush();
    assert.equal(fake.calls[0]?.namespace, 'default');
  });

  test('identical events within 10 minutes patch count and lastTimestamp; later ones create anew', async () => {
    const fake = new FakeEvents();
    const clock = new FakeClock();
    const rec = new EventRecorder(fake.client, 'c', { clock });
    rec.event(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available');
    await rec.flush();
    clock.advance(60_000);
    rec.event(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available');
    await rec.flush();
    const [create, patch] = fake.calls;
    assert.equal(patch?.op, 'patch');
    assert.equal(patch?.name, (create?.body as V1Event).metadata?.name);
    assert.deepEqual(patch?.body, { count: 2, lastTimestamp: new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z') });
    // a different message is a different event
    rec.event(pod, 'Warning', 'FailedScheduling', '0/4 nodes are available');
    await rec.flush();
    assert.equal(fake.calls[2]?.op, 'create');
    clock.advance(11 * 60_000);
    rec.event(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available');
    await rec.flush();
    assert.equal(fake.calls[3]?.op, 'create');
    assert.notEqual(fake.calls[3]?.name, create?.name);
  });

  test('repeats while a request is in flight coalesce into one patch with the latest count', async () => {
    const fake = new FakeEvents();
    fake.auto = false;
    const rec = new EventRecorder(fake.client, 'c', { clock: new FakeClock() });
    rec.event(pod, 'Normal', 'Pulled', 'x');
    rec.event(pod, 'Normal', 'Pulled', 'x');
    rec.event(pod, 'Normal', 'Pulled', 'x');
    await flushMicrotasks();
    assert.equal(fake.calls.length, 1);
    fake.calls[0]?.done.resolve();
    await flushMicrotasks(20);
    assert.equal(fake.calls.length, 2);
    assert.deepEqual((fake.calls[1]?.body as { count: number }).count, 3);
    fake.calls[1]?.done.resolve();
    await rec.flush();
    assert.equal(rec.stats.sent, 2);
  });

  test('a patch of an Event that has gone creates it again', async () => {
    const fake = new FakeEvents();
    const rec = new EventRecorder(fake.client, 'c', { clock: new FakeClock() });
    rec.event(pod, 'Normal', 'R', 'm');
    await rec.flush();
    fake.failNextPatchWith = errorFromStatus(404, { kind: 'Status', reason: 'NotFound', code: 404 });
    rec.event(pod, 'Normal', 'R', 'm');
    await rec.flush();
    assert.deepEqual(fake.calls.map((c) => c.op), ['create', 'create']);
    assert.equal((fake.calls[1]?.body as V1Event).count, 2);
  });

  test('over the bound, events are dropped and counted; event() never throws', async () => {
    const fake = new FakeEvents();
    fake.auto = false;
    const errors: unknown[] = [];
    const rec = new EventRecorder(fake.client, 'c', { clock: new FakeClock(), maxQueued: 3, concurrency: 1, onError: (e) => errors.push(e) });
    for (let i = 0; i < 10; i++) rec.event({ kind: 'Pod', metadata: { name: `p${i}`, namespace: 'ns' } }, 'Normal', 'R', 'm');
    assert.equal(rec.stats.dropped, 7);
    assert.equal(rec.stats.pending, 3);
    for (let i = 0; i < 3; i++) {
      await flushMicrotasks();
      fake.calls[i]?.done.reject(new Error('server down'));
    }
    await rec.flush();
    assert.equal(rec.stats.failed, 3);
    assert.equal(errors.length, 3);
    const broken = new EventRecorder(
      {
        create: () => {
          throw new Error('sync throw');
        },
        patch: () => {
          throw new Error('sync throw');
        },
      },
      'c',
    );
    assert.doesNotThrow(() => broken.event(pod, 'Normal', 'R', 'm'));
    await broken.flush();
    assert.equal(broken.stats.failed, 1);
  });
});
