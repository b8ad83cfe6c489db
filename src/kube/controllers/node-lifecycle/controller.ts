/**
 * The node lifecycle controller, edge-aware (kube-controller-manager's node-lifecycle-controller and
 * taint-eviction-controller in one): watches Nodes, their Leases in kube-node-lease and the pods
 * bound to them.
 *   - A node whose kubelet was not heard of (Lease renewal or Ready heartbeat) for the grace period
 *     gets its kubelet conditions set to Unknown (NodeStatusUnknown) through nodes/status.
 *   - Ready Unknown / False / True ⇒ the unreachable / not-ready taints (NoSchedule + NoExecute)
 *     are added or removed.
 *   - Pods on NoExecute-tainted nodes are deleted when their toleration runs out (eviction.ts):
 *     on edge nodes only pods that opted in with tolerationSeconds, on cloud nodes as Kubernetes.
 * "Heard of" is when this controller SAW the lease or heartbeat change (its own clock), as
 * Kubernetes does, so clock skew between kubelet and controller does not matter. A periodic tick
 * re-examines every node.
 */
import {
  RESOURCES,
  WorkQueue,
  isConflict,
  isNotFound,
  rfc3339,
  runWorkers,
  type EventRecorder,
  type KubeClient,
  type SharedInformer,
  type V1Lease,
  type V1Node,
  type V1Pod,
} from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { evictionDecision } from './eviction.js';
import { desiredTaints, isEdgeNode, isSilent, readiness, readyCondition, unknownConditions, type NodeReadiness } from './taints.js';

export const LEASE_NAMESPACE = 'kube-node-lease';
/** Pods indexed by spec.nodeName. */
export const POD_NODE_INDEX = 'node-lifecycle/node-name';

/** What the controller needs from the API client (a fake in unit tests). */
export type NodeLifecycleClient = Pick<KubeClient, 'update' | 'updateStatus' | 'delete'>;

/** The controller's dependencies: a ControllerContext, or the same with a narrower client and recorder. */
export type NodeLifecycleDeps = Omit<ControllerContext, 'client' | 'recorder'> & {
  readonly client: NodeLifecycleClient;
  readonly recorder: (component: string) => Pick<EventRecorder, 'event'>;
};

interface Probe {
  readonly key: string;
  readonly atMs: number;
}

export function createNodeLifecycleController(): Controller {
  return {
    name: 'node-lifecycle-controller',
    start: (ctx, signal) => new NodeLifecycle(ctx).start(signal),
  };
}

/** The controller proper; `start` resolves once its informers have synced and its workers run. */
export class NodeLifecycle {
  readonly #ctx: NodeLifecycleDeps;
  readonly #nodes: SharedInformer<V1Node>;
  readonly #leases: SharedInformer<V1Lease>;
  readonly #pods: SharedInformer<V1Pod>;
  readonly #queue: WorkQueue<string>;
  readonly #nodeEvents: Pick<EventRecorder, 'event'>;
  readonly #evictionEvents: Pick<EventRecorder, 'event'>;
  readonly #probes = new Map<string, Probe>();
  readonly #lastReadiness = new Map<string, NodeReadiness>();
  readonly #graceMs: number;

  constructor(ctx: NodeLifecycleDeps) {
    this.#ctx = ctx;
    this.#graceMs = ctx.options.nodeMonitorGracePeriodSeconds * 1000;
    this.#queue = new WorkQueue<string>({ name: 'node-lifecycle', clock: ctx.clock });
    this.#nodeEvents = ctx.recorder('node-controller');
    this.#evictionEvents = ctx.recorder('taint-eviction-controller');
    this.#nodes = ctx.informers.informer(RESOURCES.nodes);
    this.#leases = ctx.informers.informer(RESOURCES.leases, { namespace: LEASE_NAMESPACE });
    this.#pods = ctx.informers.informer(RESOURCES.pods);
    if (!this.#pods.hasIndex(POD_NODE_INDEX)) this.#pods.addIndex(POD_NODE_INDEX, (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
  }

  async start(signal: AbortSignal): Promise<void> {
    const q = this.#queue;
    const nodeName = (o: { metadata?: { name?: string } }): string => o.metadata?.name ?? '';
    this.#nodes.onAdd((n) => q.add(nodeName(n)));
    this.#nodes.onUpdate((_o, n) => q.add(nodeName(n)));
    this.#nodes.onDelete((n) => {
      this.#probes.delete(nodeName(n));
      this.#lastReadiness.delete(nodeName(n));
    });
    this.#leases.onAdd((l) => q.add(nodeName(l)));
    this.#leases.onUpdate((_o, l) => q.add(nodeName(l)));
    const onPod = (p: V1Pod): void => {
      const name = p.spec?.nodeName;
      if (name === undefined || name === '' || p.metadata?.deletionTimestamp !== undefined) return;
      const node = this.#nodes.get(undefined, name);
      if ((node?.spec?.taints ?? []).some((t) => t.effect === 'NoExecute')) q.add(name);
    };
    this.#pods.onAdd(onPod);
    this.#pods.onUpdate((_o, p) => onPod(p));
    signal.addEventListener('abort', () => q.shutDown(), { once: true });

    await Promise.all([this.#nodes.synced, this.#leases.synced, this.#pods.synced]);
    if (signal.aborted) return;
    const log = this.#ctx.log;
    void runWorkers(q, this.#ctx.options.workers, (name, s) => this.#sync(name, s), signal, {
      onError: (name, err) => log.warn({ node: name, err }, 'node lifecycle sync failed; retrying'),
    });
    this.#tick(signal);
  }

  /** Re-examines every node every min(1 s, grace / 4). */
  #tick(signal: AbortSignal): void {
    const everyMs = Math.max(50, Math.min(1000, this.#graceMs / 4));
    let timer: { cancel(): void } | undefined;
    const loop = (): void => {
      if (signal.aborted) return;
      for (const key of this.#nodes.keys()) this.#queue.add(key);
      timer = this.#ctx.clock.setTimeout(loop, everyMs);
    };
    signal.addEventListener('abort', () => timer?.cancel(), { once: true });
    loop();
  }

  /** When the kubelet was last heard of: the time this controller saw its lease or Ready heartbeat change. */
  #probe(node: V1Node, lease: V1Lease | undefined, nowMs: number): number {
    const name = node.metadata?.name ?? '';
    const key = `${lease?.spec?.renewTime ?? ''}|${readyCondition(node)?.lastHeartbeatTime ?? ''}`;
    const seen = this.#probes.get(name);
    if (seen !== undefined && seen.key === key) return seen.atMs;
    this.#probes.set(name, { key, atMs: nowMs });
    return nowMs;
  }

  async #sync(name: string, signal: AbortSignal): Promise<void> {
    const node = this.#nodes.get(undefined, name);
    if (node === undefined) return;
    const { client, clock } = this.#ctx;
    const now = clock.now();
    const nowIso = rfc3339(now);
    const lastProbe = this.#probe(node, this.#leases.get(LEASE_NAMESPACE, name), now);
    let cur = node;
    if (isSilent(lastProbe, now, this.#graceMs)) {
      const conditions = unknownConditions(cur, nowIso);
      if (conditions !== undefined) {
        cur = await client.updateStatus(RESOURCES.nodes, { ...cur, status: { ...cur.status, conditions } }, { signal });
        this.#ctx.log.info({ node: name, silentMs: now - lastProbe }, 'node stopped posting status; marked Unknown');
        this.#markPodsNotReady(cur, signal);
      }
    }
    if (readyCondition(cur) === undefined) return; // not yet reported: nothing to taint
    const ready = readiness(cur);
    this.#recordTransition(cur, ready);
    const taints = desiredTaints(cur, ready, nowIso);
    if (taints !== undefined) {
      cur = await client.update(RESOURCES.nodes, { ...cur, spec: { ...cur.spec, taints } }, { signal });
    }
    await this.#evict(cur, now, signal);
  }

  #recordTransition(node: V1Node, ready: NodeReadiness): void {
    const name = node.metadata?.name ?? '';
    const prev = this.#lastReadiness.get(name);
    this.#lastReadiness.set(name, ready);
    if (prev === undefined || prev === ready) return;
    if (ready === 'True') this.#nodeEvents.event(node, 'Normal', 'NodeReady', `Node ${name} status is now: NodeReady`);
    else if (prev === 'True') this.#nodeEvents.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
  }

  /**
   * Kubernetes' MarkPodsNotReady: the pods of a silent node get a NodeNotReady event, and on cloud
   * nodes their Ready condition turns False (so Services stop sending them traffic). Pods on edge
   * nodes are left as they are: they keep running at the edge and serve edge-local traffic.
   */
  #markPodsNotReady(node: V1Node, signal: AbortSignal): void {
    const edge = isEdgeNode(node);
    for (const pod of this.#pods.byIndex(POD_NODE_INDEX, node.metadata?.name ?? '')) {
      if (pod.metadata?.deletionTimestamp !== undefined) continue;
      this.#nodeEvents.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
      if (edge) continue;
      const conds = pod.status?.conditions ?? [];
      if (!conds.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
      const nowIso = rfc3339(this.#ctx.clock.now());
      const conditions = conds.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', reason: 'NodeNotReady', lastTransitionTime: nowIso } : c));
      void this.#ctx.client.updateStatus(RESOURCES.pods, { ...pod, status: { ...pod.status, conditions } }, { signal }).catch((err: unknown) => {
        if (!isNotFound(err) && !isConflict(err)) this.#ctx.log.warn({ pod: pod.metadata?.name, err }, 'marking pod not ready failed');
      });
    }
  }

  async #evict(node: V1Node, now: number, signal: AbortSignal): Promise<void> {
    const taints = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (taints.length === 0) return;
    const name = node.metadata?.name ?? '';
    const edge = isEdgeNode(node);
    const defaultEvictionSeconds = this.#ctx.options.defaultEvictionSeconds;
    let next: number | undefined;
    for (const pod of this.#pods.byIndex(POD_NODE_INDEX, name)) {
      const meta = pod.metadata ?? {};
      if (meta.deletionTimestamp !== undefined) continue;
      const d = evictionDecision({ pod, taints, edge, defaultEvictionSeconds, nowMs: now });
      if (d.kind === 'keep') continue;
      if (d.atMs > now) {
        next = next === undefined ? d.atMs : Math.min(next, d.atMs);
        continue;
      }
      const ns = meta.namespace ?? '';
      const podName = meta.name ?? '';
      this.#evictionEvents.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${ns}/${podName}`);
      this.#ctx.log.info({ node: name, pod: `${ns}/${podName}`, taint: d.taint.key }, 'evicting pod');
      try {
        await this.#ctx.client.delete(RESOURCES.pods, ns, podName, { preconditions: meta.uid === undefined ? {} : { uid: meta.uid }, signal });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    if (next !== undefined) this.#queue.addAfter(name, next - now);
  }
}
