/**
 * The StatefulSet controller (kube-controller-manager's `statefulset-controller`), through the API
 * only: shared informers on StatefulSets, pods and ControllerRevisions; one work queue of StatefulSet
 * keys; each sync keeps the ControllerRevision of the current template (`<sts>-<hash>`), runs
 * planStatefulSet, creates and deletes the pods it decides on (waiting through expectations until
 * the informer has seen them), and writes the status.
 *
 * Pods are found by their controller ownerReference (an index on the shared pod informer); live
 * orphans of the namespace matching the selector and named `<sts>-<ordinal>` are adopted, owned pods
 * that stop matching are released.
 */
import { errorMessage, KeError } from '../../../base/index.js';
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  objectKey,
  RESOURCES,
  runWorkers,
  WorkQueue,
  type EventRecorder,
  type SharedInformer,
  type V1ControllerRevision,
  type V1LabelSelector,
  type V1Pod,
  type V1StatefulSet,
  type V1StatefulSetStatus,
} from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { PodExpectations } from './expectations.js';
import { controllerKey, indexByControllerUid, labelSelectorMatches } from '../common/matching.js';
import { isAvailable, isRunningAndReady, isTerminating, planStatefulSet } from './plan.js';
import { ordinalOf, statefulPodFor } from './pod.js';
import { revisionName, statefulSetRevision, STS_REVISION_LABEL, templateOfRevision } from './revision.js';

export const STATEFULSET_CONTROLLER_NAME = 'statefulset-controller';
const OWNER_INDEX = 'statefulset-controller/owner-uid';
const NAMESPACE_INDEX = 'statefulset-controller/namespace';

type Owned = { metadata?: { ownerReferences?: { kind: string; uid: string; controller?: boolean; name: string }[] } };

function controllerRef(obj: Owned): { kind: string; uid: string; name: string } | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

function setKeyOf(pod: V1Pod): string | undefined {
  return controllerKey(pod, 'StatefulSet');
}

/** metav1.LabelSelector semantics; an empty or missing selector matches nothing (as for workloads). */
export function selectorMatches(selector: V1LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  const empty = Object.keys(selector?.matchLabels ?? {}).length === 0 && (selector?.matchExpressions ?? []).length === 0;
  return !empty && labelSelectorMatches(selector, labels);
}

function statusChanged(a: V1StatefulSetStatus | undefined, b: V1StatefulSetStatus): boolean {
  const keys = ['replicas', 'readyReplicas', 'availableReplicas', 'currentReplicas', 'updatedReplicas', 'observedGeneration', 'currentRevision', 'updateRevision'] as const;
  return keys.some((k) => (a?.[k] ?? 0) !== (b[k] ?? 0));
}

class StatefulSetController {
  readonly #ctx: ControllerContext;
  readonly #recorder: EventRecorder;
  readonly #queue = new WorkQueue<string>({ name: STATEFULSET_CONTROLLER_NAME });
  readonly #expectations: PodExpectations;
  readonly #sets: SharedInformer<V1StatefulSet>;
  readonly #pods: SharedInformer<V1Pod>;
  readonly #revisions: SharedInformer<V1ControllerRevision>;

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    this.#recorder = ctx.recorder(STATEFULSET_CONTROLLER_NAME);
    this.#expectations = new PodExpectations(ctx.clock);
    this.#sets = ctx.informers.informer(RESOURCES.statefulsets);
    this.#pods = ctx.informers.informer(RESOURCES.pods);
    this.#revisions = ctx.informers.informer(RESOURCES.controllerrevisions);
    indexByControllerUid(this.#pods, OWNER_INDEX, 'StatefulSet');
    if (!this.#pods.hasIndex(NAMESPACE_INDEX)) this.#pods.addIndex(NAMESPACE_INDEX, (p) => [p.metadata?.namespace ?? '']);
    indexByControllerUid(this.#revisions, OWNER_INDEX, 'StatefulSet');
  }

  async start(signal: AbortSignal): Promise<void> {
    const enqueue = (s: V1StatefulSet): void => this.#queue.add(objectKey(s));
    this.#sets.onAdd(enqueue);
    this.#sets.onUpdate((_o, n) => enqueue(n));
    this.#sets.onDelete((s) => {
      this.#expectations.forget(objectKey(s));
      enqueue(s);
    });
    const enqueueForOrphan = (p: V1Pod): void => {
      // an orphan may be adopted by a StatefulSet of its namespace
      if (controllerRef(p) !== undefined || isTerminating(p)) return;
      for (const s of this.#sets.list()) {
        if (s.metadata?.namespace === p.metadata?.namespace && selectorMatches(s.spec?.selector, p.metadata?.labels ?? {})) enqueue(s);
      }
    };
    this.#pods.onAdd((p) => {
      const k = setKeyOf(p);
      if (k === undefined) return enqueueForOrphan(p);
      this.#expectations.created(k, p.metadata?.name ?? '');
      this.#queue.add(k);
    });
    this.#pods.onUpdate((o, p) => {
      const k = setKeyOf(p);
      const was = setKeyOf(o);
      if (was !== undefined && was !== k) this.#queue.add(was);
      if (k === undefined) return enqueueForOrphan(p);
      // a pod we deleted shows as terminating: the cache holds our deletion (a pod stuck on an
      // unreachable node must not hold the set for the expectations' lifetime)
      if (isTerminating(p)) this.#expectations.deleted(k, p.metadata?.uid ?? '');
      this.#queue.add(k);
    });
    this.#pods.onDelete((p) => {
      const k = setKeyOf(p);
      if (k === undefined) return;
      this.#expectations.deleted(k, p.metadata?.uid ?? '');
      this.#queue.add(k);
    });
    await Promise.all([this.#sets.synced, this.#pods.synced, this.#revisions.synced]);
    signal.addEventListener('abort', () => this.#queue.shutDown(), { once: true });
    void runWorkers(this.#queue, this.#ctx.options.workers, (key) => this.#sync(key, signal), signal, {
      onError: (key, err) => this.#ctx.log.warn({ key, err: errorMessage(err) }, 'statefulset sync failed'),
    });
  }

  async #sync(key: string, signal: AbortSignal): Promise<void> {
    const sts = this.#sets.getByKey(key);
    if (sts === undefined || sts.metadata?.deletionTimestamp !== undefined) {
      if (sts === undefined) this.#expectations.forget(key);
      return;
    }
    const uid = sts.metadata?.uid ?? '';
    const name = sts.metadata?.name ?? '';
    // expectations first, the pods after: once satisfied, the cache holds every pod we touched
    const satisfied = this.#expectations.satisfied(key);
    if (await this.#claimPods(sts, this.#pods.byIndex(OWNER_INDEX, uid), signal)) return;
    const updateRevision = revisionName(sts);
    await this.#syncRevisions(sts, updateRevision, signal);
    const revisions = this.#revisions.byIndex(OWNER_INDEX, uid);
    const statusCurrent = sts.status?.currentRevision;
    const currentRev = statusCurrent === undefined || statusCurrent === '' ? undefined : revisions.find((r) => r.metadata?.name === statusCurrent);
    const currentRevision = currentRev?.metadata?.name ?? updateRevision;
    const currentTemplate = templateOfRevision(currentRev);
    const pods = this.#pods.byIndex(OWNER_INDEX, uid);
    const now = this.#ctx.clock.now();
    const plan = planStatefulSet(sts, pods, currentRevision, updateRevision, now);
    if (satisfied) {
      for (const c of plan.create) {
        const useCurrent = c.revision === currentRevision && c.revision !== updateRevision && currentTemplate !== undefined;
        const pod = useCurrent ? statefulPodFor(sts, c.ordinal, currentRevision, currentTemplate) : statefulPodFor(sts, c.ordinal, updateRevision, undefined);
        const podName = pod.metadata?.name ?? '';
        this.#expectations.expectCreate(key, podName);
        try {
          await this.#ctx.client.create(RESOURCES.pods, pod, { signal });
          this.#recorder.event(sts, 'Normal', 'SuccessfulCreate', `create Pod ${podName} in StatefulSet ${name} successful`);
        } catch (err) {
          this.#expectations.created(key, podName);
          // a stale cache: the pod is there already, its event will bring us back
          if (isAlreadyExists(err)) continue;
          this.#recorder.event(sts, 'Warning', 'FailedCreate', `create Pod ${podName} in StatefulSet ${name} failed error: ${errorMessage(err)}`);
          throw err;
        }
      }
      for (const d of plan.delete) {
        const podName = d.pod.metadata?.name ?? '';
        const podUid = d.pod.metadata?.uid ?? '';
        this.#expectations.expectDelete(key, podUid);
        try {
          await this.#ctx.client.delete(RESOURCES.pods, d.pod.metadata?.namespace, podName, { preconditions: { uid: podUid }, signal });
          this.#recorder.event(sts, 'Normal', 'SuccessfulDelete', `delete Pod ${podName} in StatefulSet ${name} successful`);
        } catch (err) {
          this.#expectations.deleted(key, podUid);
          if (isNotFound(err) || isConflict(err)) continue;
          this.#recorder.event(sts, 'Warning', 'FailedDelete', `delete Pod ${podName} in StatefulSet ${name} failed error: ${errorMessage(err)}`);
          throw err;
        }
      }
    }
    if (statusChanged(sts.status, plan.status)) {
      try {
        await this.#ctx.client.patch(RESOURCES.statefulsets, sts.metadata?.namespace, name, { status: plan.status }, { type: 'merge', subresource: 'status', signal });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    await this.#pruneRevisions(sts, [currentRevision, updateRevision], pods, signal);
    // pods ready but not yet available for minReadySeconds: look again when they will be
    const minReady = sts.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && pods.some((p) => isRunningAndReady(p) && !isAvailable(p, minReady, now))) this.#queue.addAfter(key, minReady * 1000);
  }

  /** ControllerRefManager.ClaimPods: adopt matching orphans with our pod names, release owned pods that stop matching. */
  async #claimPods(sts: V1StatefulSet, owned: readonly V1Pod[], signal: AbortSignal): Promise<boolean> {
    const ns = sts.metadata?.namespace ?? 'default';
    const uid = sts.metadata?.uid ?? '';
    const setName = sts.metadata?.name ?? '';
    const matches = (p: V1Pod): boolean => selectorMatches(sts.spec?.selector, p.metadata?.labels ?? {});
    const orphans = this.#pods
      .byIndex(NAMESPACE_INDEX, ns)
      .filter((p) => !isTerminating(p) && controllerRef(p) === undefined && ordinalOf(setName, p.metadata?.name) >= 0 && matches(p));
    const released = owned.filter((p) => !matches(p));
    if (orphans.length === 0 && released.length === 0) return false;
    const ref = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: setName, uid, controller: true, blockOwnerDeletion: true };
    let changed = 0;
    const patchRefs = async (p: V1Pod, refs: NonNullable<NonNullable<V1Pod['metadata']>['ownerReferences']>): Promise<void> => {
      try {
        await this.#ctx.client.patch(RESOURCES.pods, ns, p.metadata?.name ?? '', { metadata: { uid: p.metadata?.uid ?? '', ownerReferences: refs } }, { type: 'merge', signal });
        changed++;
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    };
    for (const p of orphans) await patchRefs(p, [...(p.metadata?.ownerReferences ?? []), ref]);
    for (const p of released) await patchRefs(p, (p.metadata?.ownerReferences ?? []).filter((r) => r.uid !== uid));
    return changed > 0;
  }

  /** Keeps `<sts>-<hash>` as the newest revision: creates it, adopts an orphaned one, or renumbers it after a rollback. */
  async #syncRevisions(sts: V1StatefulSet, name: string, signal: AbortSignal): Promise<void> {
    const uid = sts.metadata?.uid ?? '';
    const ns = sts.metadata?.namespace ?? 'default';
    const revisions = this.#revisions.byIndex(OWNER_INDEX, uid);
    const maxRev = revisions.reduce((m, r) => Math.max(m, r.revision), 0);
    const existing = revisions.find((r) => r.metadata?.name === name);
    if (existing !== undefined) {
      if (existing.revision < maxRev) await this.#ctx.client.patch(RESOURCES.controllerrevisions, ns, name, { revision: maxRev + 1 }, { type: 'merge', signal });
      return;
    }
    const want = statefulSetRevision(sts, name, maxRev + 1);
    try {
      await this.#ctx.client.create(RESOURCES.controllerrevisions, want, { signal });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const found = await this.#ctx.client.get(RESOURCES.controllerrevisions, ns, name, { signal });
      const owner = controllerRef(found);
      if (owner === undefined) {
        await this.#ctx.client.patch(
          RESOURCES.controllerrevisions,
          ns,
          name,
          { metadata: { uid: found.metadata?.uid ?? '', ownerReferences: [...(found.metadata?.ownerReferences ?? []), ...(want.metadata?.ownerReferences ?? [])] }, revision: maxRev + 1 },
          { type: 'merge', signal },
        );
      } else if (owner.uid !== uid) {
        const collisionCount = (sts.status?.collisionCount ?? 0) + 1;
        await this.#ctx.client.patch(RESOURCES.statefulsets, ns, sts.metadata?.name ?? '', { status: { collisionCount } }, { type: 'merge', subresource: 'status', signal });
        throw new KeError('KE_CONTROLLER_HASH_COLLISION', `controller revision ${name} belongs to another owner`);
      }
    }
  }

  /** Deletes the oldest revisions beyond revisionHistoryLimit that no pod uses and that are neither current nor update. */
  async #pruneRevisions(sts: V1StatefulSet, live: readonly string[], pods: readonly V1Pod[], signal: AbortSignal): Promise<void> {
    const ns = sts.metadata?.namespace ?? 'default';
    const inUse = new Set([...live, ...pods.map((p) => p.metadata?.labels?.[STS_REVISION_LABEL] ?? '')]);
    const old = this.#revisions
      .byIndex(OWNER_INDEX, sts.metadata?.uid ?? '')
      .filter((r) => !inUse.has(r.metadata?.name ?? ''))
      .sort((a, b) => a.revision - b.revision);
    const limit = sts.spec?.revisionHistoryLimit ?? 10;
    for (const r of old.slice(0, Math.max(0, old.length - limit))) {
      try {
        await this.#ctx.client.delete(RESOURCES.controllerrevisions, ns, r.metadata?.name ?? '', { signal });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}

export function createStatefulSetController(): Controller {
  return {
    name: STATEFULSET_CONTROLLER_NAME,
    start: (ctx, signal) => new StatefulSetController(ctx).start(signal),
  };
}
