/**
 * The ReplicaSet controller (kube-controller-manager's replicaset-controller): keeps spec.replicas
 * active pods from spec.template, adopts matching orphans, releases pods that stopped matching,
 * deletes surplus pods (unscheduled / not ready / newest first), creates in slow-start batches and
 * writes status. Expectations keep the informer lag from causing double creates or deletes.
 */
import {
  RESOURCES,
  WorkQueue,
  isConflict,
  isNotFound,
  objectKey,
  rfc3339,
  runWorkers,
  splitKey,
  type EventRecorder,
  type SharedInformer,
  type V1OwnerReference,
  type V1Pod,
  type V1ReplicaSet,
} from '../../client/index.js';
import { slowStartBatch } from '../common/slow-start.js';
import type { Controller, ControllerContext } from '../types.js';
import { adopt, canAdopt as canAdoptFresh, CONTROLLER_UID_INDEX, ensureIndexes, NAMESPACE_INDEX, ORPHAN_INDEX, ownerRefFor, release } from './replicaset-ownership.js';
import { Expectations } from './replicaset-expectations.js';
import {
  calculateReplicaSetStatus,
  controllerRefOf,
  isPodActive,
  isPodReady,
  isTerminating,
  podsToDelete,
  sameReplicaSetStatus,
  selectorMatches,
  withReplicaFailure,
} from './replicaset-util.js';

/** At most this many creates or deletes per sync (replicaset.BurstReplicas). */
export const BURST_REPLICAS = 500;
export function createReplicaSetController(): Controller {
  return { name: 'replicaset-controller', start: (ctx, signal) => new ReplicaSetController(ctx).start(signal) };
}

class ReplicaSetController {
  readonly #ctx: ControllerContext;
  readonly #pods: SharedInformer<V1Pod>;
  readonly #rss: SharedInformer<V1ReplicaSet>;
  readonly #queue: WorkQueue<string>;
  readonly #events: EventRecorder;
  readonly #expectations: Expectations;

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    const { pods, rss } = ensureIndexes(ctx);
    this.#pods = pods;
    this.#rss = rss;
    this.#queue = new WorkQueue<string>({ name: 'replicaset', clock: ctx.clock });
    this.#events = ctx.recorder('replicaset-controller');
    this.#expectations = new Expectations(ctx.clock);
  }

  async start(signal: AbortSignal): Promise<void> {
    const q = this.#queue;
    this.#rss.onAdd((rs) => q.add(objectKey(rs)));
    this.#rss.onUpdate((_o, rs) => q.add(objectKey(rs)));
    this.#rss.onDelete((rs) => {
      this.#expectations.delete(objectKey(rs));
      q.add(objectKey(rs));
    });
    this.#pods.onAdd((p) => this.#podAdded(p));
    this.#pods.onUpdate((o, p) => this.#podUpdated(o, p));
    this.#pods.onDelete((p) => this.#podDeleted(p));
    signal.addEventListener('abort', () => q.shutDown(), { once: true });
    await Promise.all([this.#pods.synced, this.#rss.synced]);
    if (signal.aborted) return;
    const log = this.#ctx.log;
    void runWorkers(q, this.#ctx.options.workers, (key, s) => this.#sync(key, s), signal, {
      onError: (key, err) => log.warn({ replicaSet: key, err }, 'replica set sync failed; retrying'),
    });
  }

  /** The ReplicaSet a controller reference points to, if it is in the cache with that uid. */
  #resolve(namespace: string, ref: V1OwnerReference | undefined): V1ReplicaSet | undefined {
    if (ref?.kind !== 'ReplicaSet') return undefined;
    const rs = this.#rss.get(namespace, ref.name);
    return rs?.metadata?.uid === ref.uid ? rs : undefined;
  }

  #enqueueMatching(pod: V1Pod): void {
    const ns = pod.metadata?.namespace ?? '';
    for (const rs of this.#rss.byIndex(NAMESPACE_INDEX, ns)) if (selectorMatches(rs.spec?.selector, pod.metadata?.labels)) this.#queue.add(objectKey(rs));
  }

  #podAdded(pod: V1Pod): void {
    if (isTerminating(pod)) {
      this.#podDeleted(pod);
      return;
    }
    const rs = this.#resolve(pod.metadata?.namespace ?? '', controllerRefOf(pod));
    if (rs !== undefined) {
      this.#expectations.creationObserved(objectKey(rs));
      this.#queue.add(objectKey(rs));
      return;
    }
    if (controllerRefOf(pod) === undefined) this.#enqueueMatching(pod);
  }

  #podUpdated(old: V1Pod, cur: V1Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const ns = cur.metadata?.namespace ?? '';
    const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
    if (isTerminating(cur)) {
      this.#podDeleted(cur);
      if (labelsChanged) this.#podDeleted(old);
      return;
    }
    const oldRef = controllerRefOf(old);
    const curRef = controllerRefOf(cur);
    const refChanged = oldRef?.uid !== curRef?.uid;
    if (refChanged && oldRef !== undefined) {
      const oldRs = this.#resolve(ns, oldRef);
      if (oldRs !== undefined) this.#queue.add(objectKey(oldRs));
    }
    if (curRef !== undefined) {
      const rs = this.#resolve(ns, curRef);
      if (rs === undefined) return;
      this.#queue.add(objectKey(rs));
      const minReady = rs.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0) this.#queue.addAfter(objectKey(rs), minReady * 1000 + 1000);
      return;
    }
    if (labelsChanged || refChanged) this.#enqueueMatching(cur);
  }

  #podDeleted(pod: V1Pod): void {
    const rs = this.#resolve(pod.metadata?.namespace ?? '', controllerRefOf(pod));
    if (rs === undefined) return;
    const key = objectKey(rs);
    this.#expectations.deletionObserved(key, objectKey(pod));
    this.#queue.add(key);
  }

  async #sync(key: string, signal: AbortSignal): Promise<void> {
    const rs = this.#rss.getByKey(key);
    if (rs === undefined) {
      this.#expectations.delete(key);
      return;
    }
    const satisfied = this.#expectations.satisfied(key);
    const { namespace } = splitKey(key);
    // the pods it owns plus the orphans of its namespace: nobody else's pods can be claimed
    const uid = rs.metadata?.uid ?? '';
    const candidates = [...this.#pods.byIndex(CONTROLLER_UID_INDEX, uid), ...this.#pods.byIndex(ORPHAN_INDEX, namespace)].filter(isPodActive);
    const owned = await this.#claimPods(rs, candidates, signal);
    let failure: { reason: 'FailedCreate' | 'FailedDelete'; message: string; err: unknown } | undefined;
    if (satisfied && !isTerminating(rs)) {
      try {
        await this.#manageReplicas(rs, owned, signal);
      } catch (err) {
        if (signal.aborted) throw err;
        const reason = owned.length < (rs.spec?.replicas ?? 1) ? 'FailedCreate' : 'FailedDelete';
        failure = { reason, message: err instanceof Error ? err.message : String(err), err };
      }
    }
    const now = this.#ctx.clock.now();
    const status = await this.#updateStatus(rs, owned, now, failure, signal);
    if (failure !== undefined) throw failure.err;
    const minReady = rs.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && status.readyReplicas === (rs.spec?.replicas ?? 1) && status.availableReplicas !== status.readyReplicas) {
      this.#queue.addAfter(key, minReady * 1000);
    }
  }

  /** controller.PodControllerRefManager.ClaimPods: owned pods that still match, plus adopted orphans. */
  async #claimPods(rs: V1ReplicaSet, pods: readonly V1Pod[], signal: AbortSignal): Promise<V1Pod[]> {
    const uid = rs.metadata?.uid ?? '';
    const owned: V1Pod[] = [];
    let canAdopt: boolean | undefined;
    for (const pod of pods) {
      const ref = controllerRefOf(pod);
      const matches = selectorMatches(rs.spec?.selector, pod.metadata?.labels);
      if (ref !== undefined) {
        if (ref.uid !== uid) continue;
        if (matches) owned.push(pod);
        else if (!isTerminating(rs)) await release(this.#ctx.client, RESOURCES.pods, pod, uid, signal);
        continue;
      }
      if (!matches || isTerminating(pod) || isTerminating(rs)) continue;
      // adopt only if the RS is still there and not being deleted (a fresh read, not the cache)
      canAdopt ??= await canAdoptFresh(this.#ctx.client, RESOURCES.replicasets, rs, signal);
      if (!canAdopt) continue;
      const adopted = await adopt(this.#ctx.client, RESOURCES.pods, pod, ownerRefFor(rs, 'apps/v1', 'ReplicaSet'), signal);
      if (adopted !== undefined) owned.push(adopted);
    }
    return owned;
  }

  async #manageReplicas(rs: V1ReplicaSet, owned: readonly V1Pod[], signal: AbortSignal): Promise<void> {
    const key = objectKey(rs);
    const diff = owned.length - (rs.spec?.replicas ?? 1);
    if (diff < 0) {
      const n = Math.min(-diff, BURST_REPLICAS);
      this.#expectations.expectCreations(key, n);
      const { done, error } = await slowStartBatch(n, () => this.#createPod(rs, signal), Number.POSITIVE_INFINITY);
      const skipped = n - done;
      if (skipped > 0) this.#expectations.lowerCreations(key, skipped);
      if (error !== undefined) throw error;
      return;
    }
    if (diff > 0) {
      const victims = podsToDelete(owned, Math.min(diff, BURST_REPLICAS));
      this.#expectations.expectDeletions(key, victims.map(objectKey));
      const results = await Promise.allSettled(victims.map((p) => this.#deletePod(rs, p, signal)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    }
  }

  async #createPod(rs: V1ReplicaSet, signal: AbortSignal): Promise<void> {
    const template = rs.spec?.template ?? {};
    const tm = template.metadata ?? {};
    const pod: V1Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata?.name ?? ''}-`,
        namespace: rs.metadata?.namespace ?? 'default',
        labels: { ...tm.labels },
        ...(tm.annotations === undefined ? {} : { annotations: { ...tm.annotations } }),
        ...(tm.finalizers === undefined ? {} : { finalizers: [...tm.finalizers] }),
        ownerReferences: [ownerRefFor(rs, 'apps/v1', 'ReplicaSet')],
      },
      spec: structuredClone(template.spec ?? { containers: [] }),
    };
    try {
      const created = await this.#ctx.client.create(RESOURCES.pods, pod, { signal });
      this.#events.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name ?? ''}`);
    } catch (err) {
      this.#events.event(rs, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  async #deletePod(rs: V1ReplicaSet, pod: V1Pod, signal: AbortSignal): Promise<void> {
    const name = pod.metadata?.name ?? '';
    const key = objectKey(rs);
    try {
      await this.#ctx.client.delete(RESOURCES.pods, pod.metadata?.namespace, name, { preconditions: { uid: pod.metadata?.uid ?? '' }, signal });
      this.#events.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
    } catch (err) {
      // gone already, or a different pod by now: its deletion will not be observed for this one
      this.#expectations.deletionObserved(key, objectKey(pod));
      if (isNotFound(err) || isConflict(err)) return;
      this.#events.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  /** Writes status when it changed; one retry on a conflict with a fresh read (as Kubernetes). */
  async #updateStatus(
    rs: V1ReplicaSet,
    owned: readonly V1Pod[],
    nowMs: number,
    failure: { reason: 'FailedCreate' | 'FailedDelete'; message: string } | undefined,
    signal: AbortSignal,
  ): Promise<ReturnType<typeof calculateReplicaSetStatus>> {
    let cur = rs;
    for (let attempt = 0; ; attempt++) {
      const status = withReplicaFailure(calculateReplicaSetStatus(cur, owned, nowMs), failure, rfc3339(nowMs));
      if (sameReplicaSetStatus(cur.status, status)) return status;
      try {
        await this.#ctx.client.updateStatus(RESOURCES.replicasets, { ...cur, status }, { signal });
        return status;
      } catch (err) {
        if (!isConflict(err) || attempt > 0) {
          if (isNotFound(err)) return status;
          throw err;
        }
        cur = await this.#ctx.client.get(RESOURCES.replicasets, rs.metadata?.namespace, rs.metadata?.name ?? '', { signal });
      }
    }
  }
}
