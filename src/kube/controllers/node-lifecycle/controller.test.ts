/**
 * The node lifecycle controller on a fake clock, fake informers and a fake client: nothing sleeps
 * for real, so hours of an offline node pass in milliseconds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Clock } from '../../../base/index.js';
import {
  InformerFactory,
  RESOURCES,
  rfc3339,
  type EventRecorder,
  type KubeList,
  type KubeObject,
  type ListWatch,
  type ListWatchProvider,
  type ResourceRef,
  type SharedInformer,
  type V1Lease,
  type V1Node,
  type V1Pod,
  type WatchEvent,
} from '../../client/index.js';
import { silentLogger } from '../../../platform/log/index.js';
import { DEFAULT_CONTROL_PLANE_OPTIONS } from '../types.js';
import { NodeLifecycle, type NodeLifecycleClient } from './controller.js';
import { EDGE_ROLE_LABEL, TAINT_NOT_READY, TAINT_UNREACHABLE } from './taints.js';

class FakeClock implements Clock {
  #now = Date.parse('2026-01-01T00:00:00Z');
  #seq = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.#now;
  }
  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return { cancel: () => this.#timers.delete(id) };
  }
  /** Moves time forward in `stepMs` steps, firing due timers and letting the workers run after each. */
  async advance(ms: number, stepMs = 250): Promise<void> {
    const end = this.#now + ms;
    while (this.#now < end) {
      this.#now = Math.min(end, this.#now + stepMs);
      for (const [id, t] of [...this.#timers].sort((a, b) => a[1].at - b[1].at)) {
        if (t.at > this.#now) continue;
        this.#timers.delete(id);
        t.fn();
      }
      await settle();
    }
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Serves fixed lists and watches that stay silent; changes are applied to the informers directly. */
class FakeSource implements ListWatchProvider {
  constructor(private readonly objects: Record<string, KubeObject[]>) {}
  listWatch<T extends KubeObject>(ref: ResourceRef<T>): ListWatch<T> {
    const items = (this.objects[ref.plural] ?? []) as T[];
    return {
      list: (): Promise<KubeList<T>> => Promise.resolve({ items, resourceVersion: '1' }),
      watch: (_rv: string, signal: AbortSignal): AsyncIterable<WatchEvent<T>> => ({
        [Symbol.asyncIterator]: () => ({
          next: () => new Promise<IteratorResult<WatchEvent<T>>>((resolve) => signal.addEventListener('abort', () => resolve({ done: true, value: undefined }), { once: true })),
        }),
      }),
    };
  }
}

const iso = (ms: number): string => rfc3339(ms);

function node(name: string, edge: boolean, now: number): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, resourceVersion: '1', labels: edge ? { [EDGE_ROLE_LABEL]: '' } : {} },
    spec: {},
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: iso(now), lastTransitionTime: iso(now) }] },
  };
}

function lease(name: string, renewMs: number): V1Lease {
  return { metadata: { name, namespace: 'kube-node-lease', resourceVersion: String(renewMs) }, spec: { holderIdentity: name, renewTime: new Date(renewMs).toISOString() } };
}

function pod(name: string, nodeName: string, tolerationSeconds?: number): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: '1' },
    spec: {
      nodeName,
      containers: [],
      ...(tolerationSeconds === undefined ? {} : { tolerations: [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds }] }),
    },
  };
}

interface Harness {
  readonly clock: FakeClock;
  readonly nodes: SharedInformer<V1Node>;
  readonly pods: SharedInformer<V1Pod>;
  readonly leases: SharedInformer<V1Lease>;
  readonly writes: string[];
  readonly deletedAt: Map<string, number>;
  readonly events: string[];
  nextRv(): string;
  stop(): Promise<void>;
}

async function setup(objects: (t0: number) => Record<string, KubeObject[]>): Promise<Harness> {
  const clock = new FakeClock();
  const factory = new InformerFactory(new FakeSource(objects(clock.now())));
  const nodes = factory.informer(RESOURCES.nodes);
  const pods = factory.informer(RESOURCES.pods);
  const leases = factory.informer(RESOURCES.leases, { namespace: 'kube-node-lease' });
  let rv = 100;
  const writes: string[] = [];
  const deletedAt = new Map<string, number>();
  const client: NodeLifecycleClient = {
    update<T extends KubeObject>(ref: ResourceRef<T>, obj: T): Promise<T> {
      const out = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) } };
      writes.push(`update ${ref.plural}/${obj.metadata?.name ?? ''}`);
      if (ref.plural === 'nodes') nodes.apply({ type: 'MODIFIED', object: out as V1Node });
      return Promise.resolve(out);
    },
    updateStatus<T extends KubeObject>(ref: ResourceRef<T>, obj: T): Promise<T> {
      const out = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) } };
      writes.push(`status ${ref.plural}/${obj.metadata?.name ?? ''}`);
      if (ref.plural === 'nodes') nodes.apply({ type: 'MODIFIED', object: out as V1Node });
      if (ref.plural === 'pods') pods.apply({ type: 'MODIFIED', object: out as V1Pod });
      return Promise.resolve(out);
    },
    delete(_ref, namespace, name): Promise<unknown> {
      deletedAt.set(name, clock.now());
      const p = pods.get(namespace, name);
      if (p !== undefined) pods.apply({ type: 'MODIFIED', object: { ...p, metadata: { ...p.metadata, resourceVersion: String(++rv), deletionTimestamp: iso(clock.now()) } } });
      return Promise.resolve({});
    },
  };
  const events: string[] = [];
  const recorder = (): Pick<EventRecorder, 'event'> => ({
    event: (obj, _type, reason, message) => {
      events.push(`${reason} ${obj.metadata?.name ?? ''}: ${message}`);
    },
  });
  const abort = new AbortController();
  const controller = new NodeLifecycle({
    client,
    informers: factory,
    recorder,
    log: silentLogger(),
    clock,
    options: { ...DEFAULT_CONTROL_PLANE_OPTIONS, nodeMonitorGracePeriodSeconds: 40, defaultEvictionSeconds: 300 },
  });
  const started = controller.start(abort.signal);
  factory.start(abort.signal);
  await started;
  return {
    clock,
    nodes,
    pods,
    leases,
    writes,
    deletedAt,
    events,
    nextRv: () => String(++rv),
    stop: async () => {
      abort.abort();
      await factory.stop();
    },
  };
}

test('offline edge node keeps its pods for hours; opt-in and cloud pods go on time; taints leave on return', async () => {
  const h = await setup((t0) => ({
    nodes: [node('edge', true, t0), node('cloud', false, t0)],
    leases: [lease('edge', t0), lease('cloud', t0)],
    pods: [pod('edge-stays', 'edge'), pod('edge-opt-in', 'edge', 60), pod('cloud-default', 'cloud'), pod('cloud-short', 'cloud', 10)],
  }));
  const { clock, nodes, pods, writes, deletedAt, events } = h;
  try {
    // both kubelets are silent from the start (their leases are never renewed)
    await clock.advance(39_000);
    assert.deepEqual(writes, [], 'nothing happens within the grace period');
    await clock.advance(2_000);
    const taintedAt = clock.now();
    for (const name of ['edge', 'cloud']) {
      const n = nodes.get(undefined, name);
      assert.equal(n?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'Unknown', name);
      assert.deepEqual(
        (n?.spec?.taints ?? []).map((t) => `${t.key ?? ''}:${t.effect ?? ''}`),
        [`${TAINT_UNREACHABLE}:NoSchedule`, `${TAINT_UNREACHABLE}:NoExecute`],
      );
    }
    assert.ok(events.includes('NodeNotReady edge: Node edge status is now: NodeNotReady'), events.join('\n'));
    assert.equal(pods.get('ns', 'cloud-default')?.status?.conditions, undefined, 'no Ready condition to flip on a pod that had none');

    await clock.advance(12_000);
    assert.ok(deletedAt.has('cloud-short'), 'cloud pod with a 10 s toleration evicted');
    assert.ok((deletedAt.get('cloud-short') ?? 0) - taintedAt >= 9_000);
    assert.ok(!deletedAt.has('edge-opt-in'));
    await clock.advance(50_000);
    assert.ok(deletedAt.has('edge-opt-in'), 'edge pod that opted in with 60 s evicted');
    assert.ok(!deletedAt.has('cloud-default'));
    await clock.advance(240_000);
    assert.ok(deletedAt.has('cloud-default'), 'cloud pod evicted after the default 300 s');
    assert.ok(events.includes('TaintManagerEviction cloud-default: Marking for deletion Pod ns/cloud-default'));

    await clock.advance(6 * 3600_000, 60_000);
    assert.ok(!deletedAt.has('edge-stays'), 'the edge pod is kept however long the node is away');

    // the edge kubelet is back: lease renewed and Ready posted
    h.leases.apply({ type: 'MODIFIED', object: lease('edge', clock.now()) });
    const back = nodes.get(undefined, 'edge');
    assert.ok(back);
    nodes.apply({ type: 'MODIFIED', object: { ...back, metadata: { ...back.metadata, resourceVersion: h.nextRv() }, status: node('edge', true, clock.now()).status ?? {} } });
    await clock.advance(1_000);
    const edge = nodes.get(undefined, 'edge');
    assert.equal(edge?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.deepEqual(edge?.spec?.taints ?? [], []);
    assert.ok(events.includes('NodeReady edge: Node edge status is now: NodeReady'));
    assert.equal(pods.get('ns', 'edge-stays')?.metadata?.deletionTimestamp, undefined);
  } finally {
    await h.stop();
  }
});

test('a kubelet reporting Ready=False gets the not-ready taints; edge pods stay, cloud pods go after the default', async () => {
  const h = await setup((t0) => ({
    nodes: [node('edge', true, t0), node('cloud', false, t0)],
    leases: [lease('edge', t0), lease('cloud', t0)],
    pods: [pod('edge-pod', 'edge'), pod('cloud-pod', 'cloud')],
  }));
  const { clock, nodes, deletedAt } = h;
  try {
    const renew = (): void => {
      for (const n of ['edge', 'cloud']) h.leases.apply({ type: 'MODIFIED', object: lease(n, clock.now()) });
    };
    for (const name of ['edge', 'cloud']) {
      const n = nodes.get(undefined, name);
      assert.ok(n);
      const conditions = [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', lastHeartbeatTime: iso(clock.now()), lastTransitionTime: iso(clock.now()) }];
      nodes.apply({ type: 'MODIFIED', object: { ...n, metadata: { ...n.metadata, resourceVersion: h.nextRv() }, status: { conditions } } });
    }
    await clock.advance(1_000);
    for (const name of ['edge', 'cloud']) {
      assert.deepEqual(
        (nodes.get(undefined, name)?.spec?.taints ?? []).map((t) => `${t.key ?? ''}:${t.effect ?? ''}`),
        [`${TAINT_NOT_READY}:NoSchedule`, `${TAINT_NOT_READY}:NoExecute`],
      );
    }
    // the kubelets keep their leases: the nodes stay False, never Unknown
    for (let i = 0; i < 31; i++) {
      renew();
      await clock.advance(10_000, 1_000);
    }
    assert.equal(nodes.get(undefined, 'edge')?.status?.conditions?.[0]?.status, 'False');
    assert.ok(deletedAt.has('cloud-pod'), 'cloud pod evicted after 300 s');
    assert.ok(!deletedAt.has('edge-pod'), 'edge pod kept');
  } finally {
    await h.stop();
  }
});
