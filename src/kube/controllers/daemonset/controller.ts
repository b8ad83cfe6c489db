/**
 * The DaemonSet controller (kube-controller-manager's `daemonset-controller`), through the API only:
 * shared informers on DaemonSets, pods, nodes and ControllerRevisions; one work queue of DaemonSet
 * keys; each sync keeps the ControllerRevision of the current template, runs planDaemonSet, creates
 * and deletes pods (waiting through expectations until the informer has seen them), and writes the
 * status.
 *
 * Pods are found by their controller ownerReference (an index on the shared pod informer); live
 * orphans matching the selector are adopted and owned pods that stop matching are released, as
 * client-go's ControllerRefManager.
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
  type V1DaemonSet,
  type V1DaemonSetStatus,
  type V1Node,
  type V1Pod,
} from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { Expectations, watchOwnedPods } from '../common/expectations.js';
import { controllerKey, indexByControllerUid } from '../common/matching.js';
import { labelSelectorMatches } from './placement.js';
import { isPodAvailable, isPodReady, planDaemonSet } from './plan.js';
import { daemonPodFor } from './pod.js';
import { REVISION_HASH_LABEL, revisionFor, templateHash } from './revision.js';
import { slowStartBatch } from '../common/slow-start.js';

export const DAEMONSET_CONTROLLER_NAME = 'daemonset-controller';
const OWNER_INDEX = 'daemonset-controller/owner-uid';
const NAMESPACE_INDEX = 'daemonset-controller/namespace';
const FAILED_POD_BACKOFF_MS = 1000;
const FAILED_POD_MAX_BACKOFF_MS = 15 * 60_000;

function ownerKey(pod: V1Pod): string | undefined {
  return controllerKey(pod, 'DaemonSet');
}

function statusChanged(a: V1DaemonSetStatus | undefined, b: V1DaemonSetStatus): boolean {
  const keys = [
    'currentNumberScheduled',
    'desiredNumberScheduled',
    'numberMisscheduled',
    'numberReady',
    'numberAvailable',
    'numberUnavailable',
    'updatedNumberScheduled',
    'observedGeneration',
  ] as const;
  return keys.some((k) => (a?.[k] ?? 0) !== (b[k] ?? 0));
}

function nodeChanged(a: V1Node, b: V1Node): boolean {
  return (
    JSON.stringify(a.metadata?.labels ?? {}) !== JSON.stringify(b.metadata?.labels ?? {}) ||
    JSON.stringify(a.spec?.taints ?? []) !== JSON.stringify(b.spec?.taints ?? []) ||
    a.spec?.unschedulable !== b.spec?.unschedulable
  );
}

class DaemonSetController {
  readonly #ctx: ControllerContext;
  readonly #recorder: EventRecorder;
  readonly #queue = new WorkQueue<string>({ name: DAEMONSET_CONTROLLER_NAME });
  readonly #expectations: Expectations;
  readonly #dsets: SharedInformer<V1DaemonSet>;
  readonly #pods: SharedInformer<V1Pod>;
  readonly #nodes: SharedInformer<V1Node>;
  readonly #revisions: SharedInformer<V1ControllerRevision>;
  readonly #failedBackoff = new Map<string, { attempt: number; until: number }>();

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    this.#recorder = ctx.recorder(DAEMONSET_CONTROLLER_NAME);
    this.#expectations = new Expectations(ctx.clock);
    this.#dsets = ctx.informers.informer(RESOURCES.daemonsets);
    this.#pods = ctx.informers.informer(RESOURCES.pods);
    this.#nodes = ctx.informers.informer(RESOURCES.nodes);
    this.#revisions = ctx.informers.informer(RESOURCES.controllerrevisions);
    indexByControllerUid(this.#pods, OWNER_INDEX, 'DaemonSet');
    if (!this.#pods.hasIndex(NAMESPACE_INDEX)) this.#pods.addIndex(NAMESPACE_INDEX, (p) => [p.metadata?.namespace ?? '']);
    indexByControllerUid(this.#revisions, OWNER_INDEX, 'DaemonSet');
  }

  async start(signal: AbortSignal): Promise<void> {
    const enqueue = (ds: V1DaemonSet): void => this.#queue.add(objectKey(ds));
    const enqueueAll = (): void => {
      for (const k of this.#dsets.keys()) this.#queue.add(k);
    };
    this.#dsets.onAdd(enqueue);
    this.#dsets.onUpdate((_o, n) => enqueue(n));
    this.#dsets.onDelete((ds) => {
      this.#expectations.forget(objectKey(ds));
      const prefix = `${ds.metadata?.uid ?? ''}/`;
      for (const id of this.#failedBackoff.keys()) if (id.startsWith(prefix)) this.#failedBackoff.delete(id);
      enqueue(ds);
    });
    watchOwnedPods(this.#pods, ownerKey, this.#expectations, this.#queue);
    this.#nodes.onAdd(enqueueAll);
    this.#nodes.onUpdate((o, n) => {
      if (nodeChanged(o, n)) enqueueAll();
    });
    this.#nodes.onDelete(enqueueAll);
    await Promise.all([this.#dsets.synced, this.#pods.synced, this.#nodes.synced, this.#revisions.synced]);
    signal.addEventListener('abort', () => this.#queue.shutDown(), { once: true });
    void runWorkers(this.#queue, this.#ctx.options.workers, (key) => this.#sync(key, signal), signal, {
      onError: (key, err) => this.#ctx.log.warn({ key, err: errorMessage(err) }, 'daemonset sync failed'),
    });
  }

  async #sync(key: string, signal: AbortSignal): Promise<void> {
    const ds = this.#dsets.getByKey(key);
    if (ds === undefined || ds.metadata?.deletionTimestamp !== undefined) {
      if (ds === undefined) this.#expectations.forget(key);
      return;
    }
    const uid = ds.metadata?.uid ?? '';
    // expectations first, the pods after: once satisfied, the cache holds every pod we made
    const satisfied = this.#expectations.satisfied(key);
    // the update events of adopted or released pods bring the DaemonSet back
    if (await this.#claimPods(ds, this.#pods.byIndex(OWNER_INDEX, uid), signal)) return;
    const hash = templateHash(ds.spec?.template, ds.status?.collisionCount);
    await this.#syncRevisions(ds, hash, this.#pods.byIndex(OWNER_INDEX, uid), signal);
    const pods = this.#pods.byIndex(OWNER_INDEX, uid);
    const nodes = this.#nodes.list();
    const now = this.#ctx.clock.now();
    const plan = planDaemonSet(ds, nodes, pods, hash, now);
    if (satisfied) {
      const errors: unknown[] = [];
      const deletes = plan.delete.filter((d) => d.why !== 'Failed' || this.#failedPodMayGo(ds, d.pod, key, now));
      this.#expectations.expectCreations(key, plan.createOn.length);
      for (const d of deletes) this.#expectations.expectDeletion(key, d.pod.metadata?.uid ?? '');
      const creating = slowStartBatch(plan.createOn.length, async (i) => {
        try {
          const pod = await this.#ctx.client.create(RESOURCES.pods, daemonPodFor(ds, plan.createOn[i] ?? '', hash), { signal });
          this.#recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name ?? ''}`);
        } catch (err) {
          this.#expectations.creationObserved(key);
          this.#recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`);
          throw err;
        }
      }).then(({ skipped, error }) => {
        for (let i = 0; i < skipped; i++) this.#expectations.creationObserved(key);
        if (error !== undefined) errors.push(error);
      });
      await Promise.all([
        creating,
        ...deletes.map(async ({ pod }) => {
          const podUid = pod.metadata?.uid ?? '';
          try {
            await this.#ctx.client.delete(RESOURCES.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', { preconditions: { uid: podUid }, signal });
            this.#recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name ?? ''}`);
          } catch (err) {
            this.#expectations.deletionObserved(key, podUid);
            if (isNotFound(err)) return;
            this.#recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(err)}`);
            errors.push(err);
          }
        }),
      ]);
      if (errors.length > 0) throw errors[0];
    }
    if (statusChanged(ds.status, plan.status)) {
      try {
        await this.#ctx.client.patch(RESOURCES.daemonsets, ds.metadata?.namespace, ds.metadata?.name ?? '', { status: plan.status }, { type: 'merge', subresource: 'status', signal });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    // pods ready but not yet available for minReadySeconds: look again when they will be
    const minReady = ds.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && pods.some((p) => isPodReady(p) && !isPodAvailable(p, minReady, now))) this.#queue.addAfter(key, minReady * 1000);
  }

  /**
   * ControllerRefManager.ClaimPods: adopts live pods of the namespace that match the selector and
   * have no controller, and releases owned pods that no longer match. True when it changed any.
   */
  async #claimPods(ds: V1DaemonSet, owned: readonly V1Pod[], signal: AbortSignal): Promise<boolean> {
    const selector = ds.spec?.selector;
    const ns = ds.metadata?.namespace ?? 'default';
    const uid = ds.metadata?.uid ?? '';
    const matches = (p: V1Pod): boolean => labelSelectorMatches(selector, p.metadata?.labels ?? {});
    const orphans = this.#pods
      .byIndex(NAMESPACE_INDEX, ns)
      .filter((p) => p.metadata?.deletionTimestamp === undefined && !(p.metadata?.ownerReferences ?? []).some((r) => r.controller === true) && matches(p));
    const released = owned.filter((p) => !matches(p));
    const ref = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata?.name ?? '', uid, controller: true, blockOwnerDeletion: true };
    let changed = 0;
    const patchRefs = async (p: V1Pod, refs: NonNullable<NonNullable<V1Pod['metadata']>['ownerReferences']>): Promise<void> => {
      try {
        await this.#ctx.client.patch(RESOURCES.pods, ns, p.metadata?.name ?? '', { metadata: { uid: p.metadata?.uid ?? '', ownerReferences: refs } }, { type: 'merge', signal });
        changed++;
      } catch (err) {
        // gone, or replaced by another pod of the same name: nothing to claim
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    };
    await Promise.all([
      ...orphans.map((p) => patchRefs(p, [...(p.metadata?.ownerReferences ?? []), ref])),
      ...released.map((p) => patchRefs(p, (p.metadata?.ownerReferences ?? []).filter((r) => r.uid !== uid))),
    ]);
    return changed > 0;
  }

  /**
   * Failed daemon pods are replaced with a per-node backoff (1 s doubling to 15 min, as
   * kube-controller-manager), so a pod that fails at once does not make a create/delete hot loop.
   */
  #failedPodMayGo(ds: V1DaemonSet, pod: V1Pod, key: string, now: number): boolean {
    const id = `${ds.metadata?.uid ?? ''}/${pod.spec?.nodeName ?? ''}`;
    const b = this.#failedBackoff.get(id);
    if (b !== undefined && now < b.until) {
      this.#queue.addAfter(key, b.until - now);
      return false;
    }
    // forget entries from long ago (the pod has been healthy since)
    const attempt = b === undefined || now - b.until > 2 * FAILED_POD_MAX_BACKOFF_MS ? 0 : b.attempt + 1;
    this.#failedBackoff.set(id, { attempt, until: now + Math.min(FAILED_POD_MAX_BACKOFF_MS, FAILED_POD_BACKOFF_MS * 2 ** Math.min(attempt, 20)) });
    return true;
  }

  /** Keeps `<ds>-<hash>` as the newest revision and prunes unused ones beyond revisionHistoryLimit. */
  async #syncRevisions(ds: V1DaemonSet, hash: string, pods: readonly V1Pod[], signal: AbortSignal): Promise<void> {
    const uid = ds.metadata?.uid ?? '';
    const ns = ds.metadata?.namespace ?? 'default';
    const name = `${ds.metadata?.name ?? ''}-${hash}`;
    const revisions = this.#revisions.byIndex(OWNER_INDEX, uid);
    const maxRev = revisions.reduce((m, r) => Math.max(m, r.revision), 0);
    const current = revisions.find((r) => r.metadata?.name === name);
    if (current === undefined) {
      const want = revisionFor(ds, hash, maxRev + 1);
      try {
        await this.#ctx.client.create(RESOURCES.controllerrevisions, want, { signal });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        // left by an earlier DaemonSet of this name (deleted with --cascade=orphan): adopt it; taken
        // by another owner: a hash collision, so bump collisionCount and hash again next time
        const found = await this.#ctx.client.get(RESOURCES.controllerrevisions, ns, name, { signal });
        const owner = (found.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
        if (owner === undefined) {
          await this.#ctx.client.patch(
            RESOURCES.controllerrevisions,
            ns,
            name,
            { metadata: { uid: found.metadata?.uid ?? '', ownerReferences: [...(found.metadata?.ownerReferences ?? []), ...(want.metadata?.ownerReferences ?? [])] }, revision: maxRev + 1 },
            { type: 'merge', signal },
          );
        } else if (owner.uid !== uid) {
          const collisionCount = (ds.status?.collisionCount ?? 0) + 1;
          await this.#ctx.client.patch(RESOURCES.daemonsets, ns, ds.metadata?.name ?? '', { status: { collisionCount } }, { type: 'merge', subresource: 'status', signal });
          throw new KeError('KE_CONTROLLER_HASH_COLLISION', `controller revision ${name} belongs to another owner`);
        }
      }
    } else if (current.revision < maxRev) {
      await this.#ctx.client.patch(RESOURCES.controllerrevisions, ns, name, { revision: maxRev + 1 }, { type: 'merge', signal });
    }
    const limit = ds.spec?.revisionHistoryLimit ?? 10;
    const inUse = new Set(pods.map((p) => p.metadata?.labels?.[REVISION_HASH_LABEL]));
    const old = revisions.filter((r) => r.metadata?.name !== name && !inUse.has(r.metadata?.labels?.[REVISION_HASH_LABEL])).sort((a, b) => a.revision - b.revision);
    for (const r of old.slice(0, Math.max(0, old.length - limit))) {
      try {
        await this.#ctx.client.delete(RESOURCES.controllerrevisions, ns, r.metadata?.name ?? '', { signal });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}

export function createDaemonSetController(): Controller {
  return {
    name: DAEMONSET_CONTROLLER_NAME,
    start: (ctx, signal) => new DaemonSetController(ctx).start(signal),
  };
}

