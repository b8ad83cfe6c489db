/**
 * One sync of one Deployment (kube-controller-manager's deployment sync.go, rolling.go,
 * recreate.go, progress.go): find or create the new ReplicaSet, take the next rollout step, scale,
 * clean up old revisions and write status. `Rollout.d` is the Deployment as last written, so later
 * writes in the same sync do not conflict with earlier ones.
 */
import { RESOURCES, isAlreadyExists, isNotFound, rfc3339, type EventRecorder, type KubeClient, type V1Deployment, type V1Pod, type V1ReplicaSet } from '../../client/index.js';
import type { Clock } from '../../../base/index.js';
import {
  CONDITION_REASONS,
  REVISION_ANNOTATION,
  byRevision,
  cleanupUnhealthyPlan,
  desiredAnnotation,
  filterActive,
  findActiveOrLatest,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxScaledDown,
  maxSurge,
  newRSNewReplicas,
  proportionalScalePlan,
  replicasAnnotationsNeedUpdate,
  replicasOf,
  scaleDownOldPlan,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicas,
  actualReplicas,
} from './deployment-util.js';
import { deploymentComplete, getCondition, hasProgressDeadline, newCondition, rolloutStatus, calculateStatus, sameStatus, setCondition, stuckRequeueMs } from './deployment-status.js';
import { POD_TEMPLATE_HASH_LABEL, computePodTemplateHash, equalIgnoreHash } from './pod-template-hash.js';
import { controllerRefOf } from './replicaset-util.js';
import { ownerRefFor } from './replicaset-ownership.js';

export interface RolloutDeps {
  readonly client: KubeClient;
  readonly events: EventRecorder;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  /** Pods whose controller is the ReplicaSet with this uid. */
  podsOf(rsUid: string): V1Pod[];
  /** Ask for another sync of this deployment after `ms`. */
  requeueAfter(ms: number): void;
}

export class HashCollisionError extends Error {
  readonly code = 'KE_KUBE_RS_HASH_COLLISION';
}

/** deploymentutil.FindNewReplicaSet: the oldest RS whose template equals the deployment's. */
export function findNewReplicaSet(d: V1Deployment, rsList: readonly V1ReplicaSet[]): V1ReplicaSet | undefined {
  const sorted = [...rsList].sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '') || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  return sorted.find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

export class Rollout {
  d: V1Deployment;
  readonly #deps: RolloutDeps;

  constructor(d: V1Deployment, deps: RolloutDeps) {
    this.d = structuredClone(d);
    this.#deps = deps;
  }

  #now(): string {
    return rfc3339(this.#deps.clock.now());
  }

  get #ns(): string {
    return this.d.metadata?.namespace ?? '';
  }

  get #name(): string {
    return this.d.metadata?.name ?? '';
  }

  async writeStatus(status: NonNullable<V1Deployment['status']>): Promise<void> {
    const updated = await this.#deps.client.updateStatus(RESOURCES.deployments, { ...this.d, status }, { signal: this.#deps.signal });
    this.d = { ...updated, kind: 'Deployment', apiVersion: 'apps/v1' };
  }

  /** The revision annotation on the Deployment itself (a metadata write; status writes keep metadata). */
  async #setDeploymentRevision(revision: string): Promise<void> {
    if (this.d.metadata?.annotations?.[REVISION_ANNOTATION] === revision) return;
    const patch = { metadata: { annotations: { [REVISION_ANNOTATION]: revision } } };
    const updated = await this.#deps.client.patch(RESOURCES.deployments, this.#ns, this.#name, patch, { type: 'merge', signal: this.#deps.signal });
    this.d = { ...updated, kind: 'Deployment', apiVersion: 'apps/v1', status: updated.status ?? {} };
  }

  /** getAllReplicaSetsAndSyncRevision: [newRS or undefined, old RSs]. */
  async allReplicaSets(rsList: readonly V1ReplicaSet[], createIfMissing: boolean): Promise<{ newRS: V1ReplicaSet | undefined; oldRSs: V1ReplicaSet[] }> {
    const existing = findNewReplicaSet(this.d, rsList);
    const oldRSs = rsList.filter((rs) => rs !== existing);
    const newRS = await this.#getNewReplicaSet(existing, oldRSs, createIfMissing);
    return { newRS, oldRSs };
  }

  async #getNewReplicaSet(existing: V1ReplicaSet | undefined, oldRSs: readonly V1ReplicaSet[], createIfMissing: boolean): Promise<V1ReplicaSet | undefined> {
    const { client, signal } = this.#deps;
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing !== undefined) {
      let rs = structuredClone(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(this.d, (rs.metadata ??= {}), newRevision, true);
      const minReady = this.d.spec?.minReadySeconds ?? 0;
      const minReadyChanged = (rs.spec?.minReadySeconds ?? 0) !== minReady;
      if (annotationsUpdated || minReadyChanged) {
        rs.spec = { ...rs.spec, selector: rs.spec?.selector ?? {}, minReadySeconds: minReady };
        rs = await client.update(RESOURCES.replicasets, rs, { signal });
        // later lookups in this sync (rsList is this sync's own copy) see the written RS
        Object.assign(existing, { spec: rs.spec, metadata: rs.metadata });
      }
      await this.#setDeploymentRevision(rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? String(newRevision));
      if (getCondition(this.d.status, 'Progressing') === undefined && hasProgressDeadline(this.d)) {
        const status = structuredClone(this.d.status ?? {});
        setCondition(status, newCondition('Progressing', 'True', CONDITION_REASONS.foundNewReplicaSet, `Found new replica set "${rs.metadata?.name ?? ''}"`, this.#now()));
        await this.writeStatus(status);
      }
      return rs;
    }
    if (!createIfMissing) return undefined;

    const hash = computePodTemplateHash(this.d.spec?.template, this.d.status?.collisionCount);
    const template = structuredClone(this.d.spec?.template ?? {});
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = structuredClone(this.d.spec?.selector ?? {});
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
    const name = `${this.#name}-${hash}`;
    const fresh: V1ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name, namespace: this.#ns, labels: { ...template.metadata.labels }, ownerReferences: [ownerRefFor(this.d, 'apps/v1', 'Deployment')] },
      spec: { replicas: 0, minReadySeconds: this.d.spec?.minReadySeconds ?? 0, selector, template },
    };
    const replicas = newRSNewReplicas(this.d, [...oldRSs, fresh], fresh);
    fresh.spec = { ...fresh.spec, selector, replicas };
    setNewReplicaSetAnnotations(this.d, (fresh.metadata ??= {}), newRevision, false);

    let created: V1ReplicaSet;
    let alreadyExists = false;
    try {
      created = await client.create(RESOURCES.replicasets, fresh, { signal });
    } catch (err) {
      if (!isAlreadyExists(err)) {
        const status = structuredClone(this.d.status ?? {});
        setCondition(status, newCondition('Progressing', 'False', CONDITION_REASONS.failedRSCreate, `Failed to create new replica set "${name}": ${err instanceof Error ? err.message : String(err)}`, this.#now()));
        if (hasProgressDeadline(this.d)) await this.writeStatus(status).catch(() => undefined);
        throw err;
      }
      const found = await client.get(RESOURCES.replicasets, this.#ns, name, { signal });
      if (controllerRefOf(found)?.uid === this.d.metadata?.uid && equalIgnoreHash(found.spec?.template, this.d.spec?.template)) {
        created = found;
        alreadyExists = true;
      } else {
        // a different template hashed to the same name: bump collisionCount and try again
        const status = structuredClone(this.d.status ?? {});
        status.collisionCount = (status.collisionCount ?? 0) + 1;
        await this.writeStatus(status);
        throw new HashCollisionError(`replica set ${name} exists with another template; collisionCount is now ${String(status.collisionCount)}`);
      }
    }
    if (!alreadyExists && replicas > 0) {
      this.#deps.events.event(this.d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${name} to ${String(replicas)} from 0`);
    }
    if (!alreadyExists) {
      await this.#setDeploymentRevision(String(newRevision));
      if (hasProgressDeadline(this.d)) {
        const status = structuredClone(this.d.status ?? {});
        setCondition(status, newCondition('Progressing', 'True', CONDITION_REASONS.newReplicaSetCreated, `Created new replica set "${name}"`, this.#now()));
        await this.writeStatus(status);
      }
    }
    return created;
  }

  /** scaleReplicaSet: new size and the desired/max annotations; an event when the size changed. */
  async scaleReplicaSet(rs: V1ReplicaSet, newScale: number, operation: string): Promise<{ scaled: boolean; rs: V1ReplicaSet }> {
    const replicas = replicasOf(this.d);
    const max = replicas + maxSurge(this.d);
    const sizeChanged = replicasOf(rs) !== newScale;
    if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, replicas, max)) return { scaled: false, rs };
    const oldScale = replicasOf(rs);
    const copy = structuredClone(rs);
    copy.spec = { ...copy.spec, selector: copy.spec?.selector ?? {}, replicas: newScale };
    setReplicasAnnotations((copy.metadata ??= {}), replicas, max);
    const updated = await this.#deps.client.update(RESOURCES.replicasets, copy, { signal: this.#deps.signal });
    if (sizeChanged) {
      this.#deps.events.event(this.d, 'Normal', 'ScalingReplicaSet', `Scaled ${operation} replica set ${rs.metadata?.name ?? ''} to ${String(newScale)} from ${String(oldScale)}`);
    }
    // later steps of this sync see the new size
    Object.assign(rs, { spec: updated.spec, metadata: updated.metadata });
    return { scaled: sizeChanged, rs: updated };
  }

  async scaleAndRecord(rs: V1ReplicaSet, newScale: number): Promise<boolean> {
    if (replicasOf(rs) === newScale) return false;
    return (await this.scaleReplicaSet(rs, newScale, replicasOf(rs) < newScale ? 'up' : 'down')).scaled;
  }

  /** isScalingEvent: an active RS was sized for another deployment size. */
  async isScalingEvent(rsList: readonly V1ReplicaSet[]): Promise<boolean> {
    const { newRS, oldRSs } = await this.allReplicaSets(rsList, false);
    const replicas = replicasOf(this.d);
    return filterActive([...oldRSs, newRS]).some((rs) => {
      const desired = desiredAnnotation(rs);
      return desired !== undefined && desired !== replicas;
    });
  }

  /** checkPausedConditions: Progressing Unknown DeploymentPaused / DeploymentResumed. */
  async checkPausedConditions(): Promise<void> {
    if (!hasProgressDeadline(this.d)) return;
    const cond = getCondition(this.d.status, 'Progressing');
    if (cond?.reason === CONDITION_REASONS.timedOut) return;
    const pausedCond = cond?.reason === CONDITION_REASONS.paused;
    const paused = this.d.spec?.paused === true;
    if (paused === pausedCond) return;
    const status = structuredClone(this.d.status ?? {});
    if (paused) setCondition(status, newCondition('Progressing', 'Unknown', CONDITION_REASONS.paused, 'Deployment is paused', this.#now()));
    else setCondition(status, newCondition('Progressing', 'Unknown', CONDITION_REASONS.resumed, 'Deployment is resumed', this.#now()));
    await this.writeStatus(status);
  }

  /** sync: scaling (and cleanup when paused) without rolling. */
  async sync(rsList: readonly V1ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.allReplicaSets(rsList, false);
    await this.#scale(newRS, oldRSs);
    if (this.d.spec?.paused === true) await this.#cleanup(oldRSs);
    await this.#syncStatus([...oldRSs, newRS], newRS);
  }

  async #scale(newRS: V1ReplicaSet | undefined, oldRSs: V1ReplicaSet[]): Promise<void> {
    const replicas = replicasOf(this.d);
    const one = findActiveOrLatest(newRS, oldRSs);
    if (one !== undefined) {
      if (replicasOf(one) !== replicas) await this.scaleAndRecord(one, replicas);
      return;
    }
    if (isSaturated(this.d, newRS)) {
      for (const old of filterActive(oldRSs)) await this.scaleAndRecord(old, 0);
      return;
    }
    if (!isRollingUpdate(this.d)) return;
    const { steps, operation } = proportionalScalePlan(this.d, filterActive([...oldRSs, newRS]));
    for (const s of steps) await this.scaleReplicaSet(s.rs, s.replicas, operation);
  }

  async #syncStatus(allRSs: readonly (V1ReplicaSet | undefined)[], newRS: V1ReplicaSet | undefined): Promise<void> {
    const status = calculateStatus(allRSs, newRS, this.d, this.#now());
    if (!sameStatus(this.d.status, status)) await this.writeStatus(status);
  }

  /** rolloutRolling. */
  async rolling(rsList: readonly V1ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.allReplicaSets(rsList, true);
    const allRSs = [...oldRSs, newRS];
    if (newRS !== undefined && (await this.#reconcileNew(allRSs, newRS))) return this.syncRolloutStatus(allRSs, newRS);
    if (await this.#reconcileOld(allRSs, filterActive(oldRSs), newRS)) return this.syncRolloutStatus(allRSs, newRS);
    if (deploymentComplete(this.d, this.d.status ?? {})) await this.#cleanup(oldRSs);
    return this.syncRolloutStatus(allRSs, newRS);
  }

  async #reconcileNew(allRSs: readonly (V1ReplicaSet | undefined)[], newRS: V1ReplicaSet): Promise<boolean> {
    const replicas = replicasOf(this.d);
    if (replicasOf(newRS) === replicas) return false;
    if (replicasOf(newRS) > replicas) return this.scaleAndRecord(newRS, replicas);
    return this.scaleAndRecord(newRS, newRSNewReplicas(this.d, allRSs, newRS));
  }

  async #reconcileOld(allRSs: readonly (V1ReplicaSet | undefined)[], oldRSs: V1ReplicaSet[], newRS: V1ReplicaSet | undefined): Promise<boolean> {
    if (specReplicas(oldRSs) === 0) return false;
    const budget = maxScaledDown(allRSs, newRS, this.d);
    if (budget <= 0) return false;
    const cleanup = cleanupUnhealthyPlan(oldRSs, budget);
    for (const s of cleanup.steps) await this.scaleAndRecord(s.rs, s.replicas);
    const down = scaleDownOldPlan(allRSs, oldRSs, this.d);
    for (const s of down.steps) await this.scaleAndRecord(s.rs, s.replicas);
    return cleanup.total + down.total > 0;
  }

  /** rolloutRecreate: everything old down and gone before the new RS scales up. */
  async recreate(rsList: readonly V1ReplicaSet[]): Promise<void> {
    let { newRS, oldRSs } = await this.allReplicaSets(rsList, false);
    let allRSs = [...oldRSs, newRS];
    let scaledDown = false;
    for (const rs of filterActive(oldRSs)) if (await this.scaleAndRecord(rs, 0)) scaledDown = true;
    if (scaledDown) return this.syncRolloutStatus(allRSs, newRS);
    if (this.#oldPodsRunning(newRS, oldRSs)) return this.syncRolloutStatus(allRSs, newRS);
    if (newRS === undefined) {
      ({ newRS, oldRSs } = await this.allReplicaSets(rsList, true));
      allRSs = [...oldRSs, newRS];
    }
    if (newRS !== undefined) await this.scaleAndRecord(newRS, replicasOf(this.d));
    if (deploymentComplete(this.d, this.d.status ?? {})) await this.#cleanup(oldRSs);
    return this.syncRolloutStatus(allRSs, newRS);
  }

  #oldPodsRunning(newRS: V1ReplicaSet | undefined, oldRSs: readonly V1ReplicaSet[]): boolean {
    if (actualReplicas(oldRSs) > 0) return true;
    for (const rs of oldRSs) {
      if (rs.metadata?.uid === newRS?.metadata?.uid) continue;
      for (const pod of this.#deps.podsOf(rs.metadata?.uid ?? '')) {
        const phase = pod.status?.phase;
        if (phase !== 'Failed' && phase !== 'Succeeded') return true;
      }
    }
    return false;
  }

  /** cleanupDeployment: delete the oldest fully scaled-down RSs beyond revisionHistoryLimit. */
  async #cleanup(oldRSs: readonly V1ReplicaSet[]): Promise<void> {
    const limit = this.d.spec?.revisionHistoryLimit;
    if (limit === undefined) return;
    const alive = oldRSs.filter((rs) => rs.metadata?.deletionTimestamp === undefined);
    const diff = alive.length - limit;
    if (diff <= 0) return;
    const sorted = [...alive].sort(byRevision);
    for (const rs of sorted.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.#deps.client.delete(RESOURCES.replicasets, rs.metadata?.namespace, rs.metadata?.name ?? '', { signal: this.#deps.signal });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** syncRolloutStatus: status plus the Progressing condition; requeues to notice a missed deadline. */
  async syncRolloutStatus(allRSs: readonly (V1ReplicaSet | undefined)[], newRS: V1ReplicaSet | undefined): Promise<void> {
    const nowMs = this.#deps.clock.now();
    const status = rolloutStatus(allRSs, newRS, this.d, nowMs, rfc3339(nowMs));
    if (sameStatus(this.d.status, status)) {
      const after = stuckRequeueMs(this.d, status, nowMs);
      if (after !== undefined) this.#deps.requeueAfter(after);
      return;
    }
    await this.writeStatus(status);
  }

  /** syncStatusOnly (a deployment being deleted). */
  async statusOnly(rsList: readonly V1ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.allReplicaSets(rsList, false);
    await this.#syncStatus([...oldRSs, newRS], newRS);
  }
}
