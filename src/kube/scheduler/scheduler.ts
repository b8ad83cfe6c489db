/**
 * The scheduler: binds pending pods (schedulerName 'default-scheduler' or unset, no nodeName, not
 * being deleted) to nodes through pods/binding. One scheduling loop takes the most important pod
 * from the queue, filters the nodes (stopping after kube-scheduler's adaptive number of feasible
 * ones, starting where the previous pod stopped), scores the feasible ones, assumes the pod on the
 * winner in the cache and hands the bind to one of `bindConcurrency` requests in flight, then goes
 * on with the next pod. When nothing fits it tries preemption, otherwise it records
 * PodScheduled=False / Unschedulable and a FailedScheduling event and parks the pod until the
 * cluster changes. Everything it knows comes from the pods, nodes and priorityclasses informers.
 */
import { setMaxListeners } from 'node:events';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { errorMessage } from '../../base/index.js';
import { isConflict, isNotFound, RESOURCES, rfc3339, type EventRecorder, type KubeClient, type SharedInformer, type V1Pod, type V1PodCondition, type V1PriorityClass } from '../client/index.js';
import type { Logger } from '../../platform/log/index.js';
import type { Controller, ControllerContext } from '../controllers/index.js';
import { SchedulerCache } from './cache.js';
import { filterNode, unschedulableMessage } from './filters.js';
import { makePodInfo, nodeChangeMatters, podKey, type NodeInfo, type PodInfo } from './node-info.js';
import { findPreemptionCandidates, pickPreemptionCandidate } from './preemption.js';
import { podPriority, type PriorityClassLookup } from './priority.js';
import { SchedulingQueue, type SchedulingQueueOptions } from './queue.js';
import { selectHost } from './scoring.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export interface SchedulerOptions {
  readonly schedulerName?: string;
  /** Binds in flight at once (default 32). */
  readonly bindConcurrency?: number;
  /** Fixed percentage of nodes to look at per pod; default adaptive as kube-scheduler (50% - n/125, at least 5%, at least 100 nodes). */
  readonly percentageOfNodesToScore?: number;
  readonly queue?: SchedulingQueueOptions;
  /** Called with the scheduler's state once started (for tests and the benchmark). */
  readonly onStarted?: (s: SchedulerHandle) => void;
}

export interface SchedulerStats {
  readonly attempts: number;
  readonly bound: number;
  readonly bindErrors: number;
  readonly unschedulable: number;
  readonly preemptions: number;
  /** Time spent filtering and scoring (the scheduling loop's own work), ms. */
  readonly decideMs: number;
  /** Sum of the bind requests' latencies, ms (divide by bound + bindErrors for the mean). */
  readonly bindMs: number;
}

export interface SchedulerHandle {
  stats(): SchedulerStats;
  queueStats(): ReturnType<SchedulingQueue['stats']>;
}

export function numFeasibleNodesToFind(total: number, percentage?: number): number {
  if (total < 100) return total;
  let pct = percentage ?? Math.max(5, 50 - Math.floor(total / 125));
  if (pct <= 0 || pct >= 100) pct = 100;
  return Math.min(total, Math.max(100, Math.floor((total * pct) / 100)));
}

function isTerminal(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export function createScheduler(opts: SchedulerOptions = {}): Controller {
  return {
    name: 'scheduler',
    start: async (ctx, outer) => {
      // one listener on the caller's signal; the binds and patches in flight listen on this one
      const inner = new AbortController();
      setMaxListeners(0, inner.signal);
      if (outer.aborted) inner.abort(outer.reason);
      else outer.addEventListener('abort', () => inner.abort(outer.reason), { once: true });
      const s = new Scheduler(ctx, opts);
      await s.start(inner.signal);
    },
  };
}

class Scheduler {
  readonly #client: KubeClient;
  readonly #log: Logger;
  readonly #recorder: EventRecorder;
  readonly #pods: SharedInformer<V1Pod>;
  readonly #classes: SharedInformer<V1PriorityClass>;
  readonly #cache = new SchedulerCache();
  readonly #queue: SchedulingQueue;
  readonly #name: string;
  readonly #bindConcurrency: number;
  readonly #opts: SchedulerOptions;
  readonly #lookup: PriorityClassLookup;
  readonly #stats = { attempts: 0, bound: 0, bindErrors: 0, unschedulable: 0, preemptions: 0, decideMs: 0, bindMs: 0 };
  readonly #slotWaiters: (() => void)[] = [];
  #inFlight = 0;
  #nextStart = 0;
  #defaultClass: V1PriorityClass | null | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    opts: SchedulerOptions,
  ) {
    this.#client = ctx.client;
    this.#log = ctx.log;
    this.#recorder = ctx.recorder('default-scheduler');
    this.#opts = opts;
    this.#name = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.#bindConcurrency = Math.max(1, opts.bindConcurrency ?? 32);
    this.#queue = new SchedulingQueue({ clock: ctx.clock, ...opts.queue });
    this.#pods = ctx.informers.informer(RESOURCES.pods);
    this.#classes = ctx.informers.informer(RESOURCES.priorityclasses);
    this.#lookup = {
      get: (name) => this.#classes.get(undefined, name),
      globalDefault: () => {
        if (this.#defaultClass === undefined) {
          let best: V1PriorityClass | null = null;
          for (const pc of this.#classes.list()) if (pc.globalDefault === true && (best === null || pc.value > best.value)) best = pc;
          this.#defaultClass = best;
        }
        return this.#defaultClass ?? undefined;
      },
    };
  }

  async start(signal: AbortSignal): Promise<void> {
    const nodes = this.ctx.informers.informer(RESOURCES.nodes);
    const resetDefault = (): void => {
      this.#defaultClass = undefined;
    };
    this.#classes.onAdd(resetDefault);
    this.#classes.onUpdate(resetDefault);
    this.#classes.onDelete(resetDefault);
    nodes.onAdd((n) => {
      this.#cache.setNode(n);
      this.#queue.moveAllToActive();
    });
    nodes.onUpdate((_old, n) => {
      const info = this.#cache.node(n.metadata?.name ?? '');
      const matters = info === undefined || nodeChangeMatters(info, n);
      this.#cache.setNode(n);
      if (matters) this.#queue.moveAllToActive();
    });
    nodes.onDelete((n) => this.#cache.removeNode(n.metadata?.name ?? ''));
    this.#pods.onAdd((p) => this.#onPod(undefined, p));
    this.#pods.onUpdate((old, p) => this.#onPod(old, p));
    this.#pods.onDelete((p) => {
      const key = podKey(p);
      this.#queue.delete(key);
      this.#cache.removePod(key);
      this.#queue.moveAllToActive();
    });
    await Promise.all([this.#pods.synced, nodes.synced, this.#classes.synced]);
    // priorities of pods seen before the priority classes were listed
    for (const p of this.#pods.list()) this.#onPod(undefined, p);
    this.#opts.onStarted?.({ stats: () => ({ ...this.#stats }), queueStats: () => this.#queue.stats() });
    signal.addEventListener('abort', () => this.#queue.close(), { once: true });
    void this.#loop(signal).catch((err: unknown) => this.#log.error({ err: errorMessage(err) }, 'scheduler loop failed'));
  }

  #responsible(p: V1Pod): boolean {
    const sn = p.spec?.schedulerName;
    return (sn === undefined || sn === '' || sn === this.#name) && (p.spec?.nodeName ?? '') === '' && p.metadata?.deletionTimestamp === undefined && !isTerminal(p);
  }

  #onPod(old: V1Pod | undefined, p: V1Pod): void {
    const key = podKey(p);
    const nodeName = p.spec?.nodeName ?? '';
    if (isTerminal(p)) {
      this.#queue.delete(key);
      if (this.#cache.removePod(key)) this.#queue.moveAllToActive();
      return;
    }
    if (nodeName !== '') {
      this.#queue.delete(key);
      this.#cache.addBoundPod(makePodInfo(p, podPriority(p, this.#lookup)), nodeName);
      return;
    }
    if (!this.#responsible(p)) {
      this.#queue.delete(key);
      return;
    }
    if (this.#cache.isAssumed(key)) return;
    const priority = podPriority(p, this.#lookup);
    if (!this.#queue.has(key)) {
      this.#queue.add(key, priority);
      return;
    }
    this.#queue.add(key, priority); // refreshes the priority
    if (old !== undefined && (JSON.stringify(old.spec) !== JSON.stringify(p.spec) || JSON.stringify(old.metadata?.labels) !== JSON.stringify(p.metadata?.labels))) {
      this.#queue.activate(key);
    }
  }

  async #loop(signal: AbortSignal): Promise<void> {
    let n = 0;
    for (;;) {
      const key = await this.#queue.pop(signal);
      if (key === undefined || signal.aborted) return;
      try {
        await this.#scheduleOne(key, signal);
      } catch (err) {
        this.#log.warn({ pod: key, err: errorMessage(err) }, 'scheduling attempt failed');
        this.#queue.requeueBackoff(key);
      }
      // let informer events and bind answers in between decisions
      if (++n % 4 === 0) await yieldToLoop();
    }
  }

  async #scheduleOne(key: string, signal: AbortSignal): Promise<void> {
    const pod = this.#pods.getByKey(key);
    if (pod === undefined || !this.#responsible(pod) || this.#cache.isAssumed(key)) {
      this.#queue.delete(key);
      return;
    }
    this.#stats.attempts++;
    const info = makePodInfo(pod, podPriority(pod, this.#lookup));
    const t0 = performance.now();
    const { host, failures, resolvable } = this.#findHost(info);
    this.#stats.decideMs += performance.now() - t0;
    if (host !== undefined) {
      this.#cache.assume(info, host.name);
      this.#queue.delete(key);
      await this.#acquireSlot(signal);
      void this.#bind(info, host.name, signal);
      return;
    }
    // nothing fits: preempt, or report
    const message = unschedulableMessage(this.#cache.nodeCount, failures);
    if (resolvable.length > 0 && pod.spec?.preemptionPolicy !== 'Never') await this.#preempt(info, resolvable, signal);
    this.#stats.unschedulable++;
    this.#queue.markUnschedulable(key);
    this.#recorder.event(pod, 'Warning', 'FailedScheduling', message);
    void this.#setUnschedulable(pod, message, signal);
  }

  /** Filters from where the last pod stopped until enough feasible nodes are found, then scores them. */
  #findHost(info: PodInfo): { host: NodeInfo | undefined; failures: Map<string, number>; resolvable: NodeInfo[] } {
    const nodes = this.#cache.nodeList();
    const failures = new Map<string, number>();
    const resolvable: NodeInfo[] = [];
    const total = nodes.length;
    if (total === 0) return { host: undefined, failures, resolvable };
    // the node a preemption made room on is tried first
    const nominatedName = this.#cache.nominatedNode(info.key) ?? info.pod.status?.nominatedNodeName;
    const nominated = nominatedName === undefined ? undefined : this.#cache.node(nominatedName);
    if (nominated !== undefined && filterNode(info, nominated) === undefined) return { host: nominated, failures, resolvable };
    const want = numFeasibleNodesToFind(total, this.#opts.percentageOfNodesToScore);
    const feasible: NodeInfo[] = [];
    const start = this.#nextStart % total;
    let i = 0;
    for (; i < total && feasible.length < want; i++) {
      const node = nodes[(start + i) % total];
      if (node === undefined) continue;
      const f = filterNode(info, node);
      if (f === undefined) {
        feasible.push(node);
        continue;
      }
      for (const r of f.reasons) failures.set(r, (failures.get(r) ?? 0) + 1);
      if (f.resolvable) resolvable.push(node);
    }
    this.#nextStart = (start + i) % total;
    return { host: selectHost(info, feasible)?.node, failures, resolvable };
  }

  async #preempt(info: PodInfo, resolvable: readonly NodeInfo[], signal: AbortSignal): Promise<boolean> {
    const already = this.#cache.nominatedNode(info.key) ?? info.pod.status?.nominatedNodeName;
    if (already !== undefined && already !== '') {
      // victims already on their way out there: wait for them rather than evict more
      const node = this.#cache.node(already);
      if (node !== undefined && [...node.pods.values()].some((p) => p.terminating && p.priority < info.priority)) {
        this.#cache.nominate(info, already);
        return true;
      }
    }
    const best = pickPreemptionCandidate(findPreemptionCandidates(info, resolvable));
    if (best === undefined) return false;
    this.#stats.preemptions++;
    const nodeName = best.node.name;
    this.#cache.nominate(info, nodeName);
    this.#log.info({ pod: info.key, node: nodeName, victims: best.victims.map((v) => v.key) }, 'preempting');
    await Promise.all(
      best.victims.map(async (v) => {
        const [ns, name] = splitKey(v.key);
        this.#recorder.event(v.pod, 'Normal', 'Preempted', `Preempted by pod ${info.uid} on node ${nodeName}`);
        try {
          await this.#client.delete(RESOURCES.pods, ns, name, { preconditions: { uid: v.uid }, signal });
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
      }),
    );
    const [ns, name] = splitKey(info.key);
    try {
      await this.#client.patch(RESOURCES.pods, ns, name, { status: { nominatedNodeName: nodeName } }, { type: 'merge', subresource: 'status', signal });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return true;
  }

  async #setUnschedulable(pod: V1Pod, message: string, signal: AbortSignal): Promise<void> {
    const conditions = pod.status?.conditions ?? [];
    const cur = conditions.find((c) => c.type === 'PodScheduled');
    if (cur?.status === 'False' && cur.reason === 'Unschedulable' && cur.message === message) return;
    const now = rfc3339(this.ctx.clock.now());
    const cond: V1PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastTransitionTime: cur?.status === 'False' ? (cur.lastTransitionTime ?? now) : now,
      lastProbeTime: now,
    };
    const [ns, name] = splitKey(podKey(pod));
    try {
      await this.#client.patch(RESOURCES.pods, ns, name, { status: { conditions: [...conditions.filter((c) => c.type !== 'PodScheduled'), cond] } }, { type: 'merge', subresource: 'status', signal });
    } catch (err) {
      if (!signal.aborted && !isNotFound(err)) this.#log.warn({ pod: podKey(pod), err: errorMessage(err) }, 'cannot set PodScheduled=False');
    }
  }

  async #bind(info: PodInfo, nodeName: string, signal: AbortSignal): Promise<void> {
    const [ns, name] = splitKey(info.key);
    const t0 = performance.now();
    try {
      await this.#client.bindPod(ns, name, nodeName, { ...(info.uid === '' ? {} : { uid: info.uid }), signal });
      this.#stats.bound++;
      this.#recorder.event(info.pod, 'Normal', 'Scheduled', `Successfully assigned ${info.key} to ${nodeName}`);
    } catch (err) {
      if (signal.aborted) return;
      this.#stats.bindErrors++;
      this.#cache.forget(info.key);
      if (isNotFound(err)) return;
      this.#log.warn({ pod: info.key, node: nodeName, err: errorMessage(err) }, 'bind failed');
      const cur = this.#pods.getByKey(info.key);
      if (cur !== undefined && this.#responsible(cur)) {
        this.#queue.add(info.key, info.priority);
        this.#queue.requeueBackoff(info.key);
      }
    } finally {
      this.#stats.bindMs += performance.now() - t0;
      this.#releaseSlot();
    }
  }

  #acquireSlot(signal: AbortSignal): Promise<void> {
    if (this.#inFlight < this.#bindConcurrency || signal.aborted) {
      this.#inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#slotWaiters.push(() => {
        this.#inFlight++;
        resolve();
      });
    });
  }

  #releaseSlot(): void {
    this.#inFlight--;
    const next = this.#slotWaiters.shift();
    if (next !== undefined) next();
  }
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}
