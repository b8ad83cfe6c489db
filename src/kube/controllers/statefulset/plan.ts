/**
 * The pure ordering decisions of the StatefulSet controller (kube-controller-manager's
 * defaultStatefulSetControl.updateStatefulSet), on plain objects:
 *   - ordinals 0..replicas-1 (from spec.ordinals.start when set) are the replicas, the others are condemned;
 *   - a Failed/Succeeded replica is deleted (and re-created with the same name once it is gone);
 *   - OrderedReady: walking the ordinals upwards, the first missing pod is created and nothing else
 *     happens while any replica is missing, terminating or not Running and Ready; condemned pods go
 *     from the highest ordinal down, one at a time, each only after the previous one is gone;
 *   - Parallel: every missing replica is created and every condemned pod deleted at once;
 *   - RollingUpdate: from the highest ordinal down to `partition`, the first pod whose revision is
 *     not the update revision is deleted (one at a time, each only once the ones above are healthy);
 *     OnDelete: nothing is deleted for an update.
 */
import type { V1Pod, V1StatefulSet, V1StatefulSetStatus } from '../../client/index.js';
import { ordinalOf } from './pod.js';
import { STS_REVISION_LABEL } from './revision.js';

export interface StatefulSetPlan {
  /** Ordinals to create, each with the revision (name) its pod gets. */
  readonly create: { readonly ordinal: number; readonly revision: string }[];
  readonly delete: { readonly pod: V1Pod; readonly why: 'Failed' | 'Condemned' | 'Update' }[];
  readonly status: V1StatefulSetStatus;
}

export const isTerminating = (p: V1Pod): boolean => p.metadata?.deletionTimestamp !== undefined && p.metadata.deletionTimestamp !== null;
const isFinished = (p: V1Pod): boolean => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';

export function isRunningAndReady(p: V1Pod): boolean {
  return p.status?.phase === 'Running' && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function isAvailable(p: V1Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isRunningAndReady(p)) return false;
  if (minReadySeconds <= 0) return true;
  const ready = (p.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const since = ready?.lastTransitionTime === undefined ? Number.NaN : Date.parse(ready.lastTransitionTime);
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= nowMs;
}

const isHealthy = (p: V1Pod): boolean => isRunningAndReady(p) && !isTerminating(p);
const revisionOf = (p: V1Pod): string | undefined => p.metadata?.labels?.[STS_REVISION_LABEL];

/** The status the pods show (before completing a finished rolling update). */
export function statefulSetStatus(sts: V1StatefulSet, pods: readonly V1Pod[], currentRevision: string, updateRevision: string, nowMs: number): V1StatefulSetStatus {
  const setName = sts.metadata?.name ?? '';
  const minReady = sts.spec?.minReadySeconds ?? 0;
  let replicas = 0;
  let ready = 0;
  let available = 0;
  let current = 0;
  let updated = 0;
  for (const p of pods) {
    if (ordinalOf(setName, p.metadata?.name) < 0) continue;
    replicas++;
    if (isTerminating(p)) continue;
    if (isRunningAndReady(p)) ready++;
    if (isAvailable(p, minReady, nowMs)) available++;
    if (revisionOf(p) === currentRevision) current++;
    if (revisionOf(p) === updateRevision) updated++;
  }
  const status: V1StatefulSetStatus = {
    ...(sts.metadata?.generation === undefined ? {} : { observedGeneration: sts.metadata.generation }),
    replicas,
    readyReplicas: ready,
    availableReplicas: available,
    currentReplicas: current,
    updatedReplicas: updated,
    currentRevision,
    updateRevision,
    ...(sts.status?.collisionCount === undefined ? {} : { collisionCount: sts.status.collisionCount }),
  };
  // completeRollingUpdate: every pod updated and ready makes the update revision the current one
  if ((sts.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && updated === replicas && ready === replicas) {
    return { ...status, currentRevision: updateRevision, currentReplicas: updated };
  }
  return status;
}

export function planStatefulSet(sts: V1StatefulSet, pods: readonly V1Pod[], currentRevision: string, updateRevision: string, nowMs: number): StatefulSetPlan {
  const setName = sts.metadata?.name ?? '';
  const replicas = Math.max(0, sts.spec?.replicas ?? 1);
  const monotonic = sts.spec?.podManagementPolicy !== 'Parallel';
  const rolling = (sts.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  const partition = rolling ? Math.max(0, sts.spec?.updateStrategy?.rollingUpdate?.partition ?? 0) : 0;
  const minReady = sts.spec?.minReadySeconds ?? 0;
  // spec.ordinals.start: the replicas are ordinals start..start+replicas-1; partition counts from start
  const start = Math.max(0, sts.spec?.ordinals?.start ?? 0);
  const end = start + replicas;
  const byOrdinal = new Map<number, V1Pod>();
  for (const p of pods) {
    const ord = ordinalOf(setName, p.metadata?.name);
    if (ord < 0) continue;
    const seen = byOrdinal.get(ord);
    // two pods of one name cannot exist at once; a stale cache may show the terminating one too
    if (seen === undefined || (isTerminating(seen) && !isTerminating(p))) byOrdinal.set(ord, p);
  }
  const create: StatefulSetPlan['create'] = [];
  const del: StatefulSetPlan['delete'] = [];
  const status = statefulSetStatus(sts, pods, currentRevision, updateRevision, nowMs);
  const done = (): StatefulSetPlan => ({ create, delete: del, status });

  for (let ord = start; ord < end; ord++) {
    const p = byOrdinal.get(ord);
    if (p === undefined) {
      create.push({ ordinal: ord, revision: rolling && ord < start + partition ? currentRevision : updateRevision });
      if (monotonic) return done();
      continue;
    }
    if (isTerminating(p)) {
      if (monotonic) return done();
      continue;
    }
    if (isFinished(p)) {
      del.push({ pod: p, why: 'Failed' });
      if (monotonic) return done();
      continue;
    }
    if (monotonic && !isAvailable(p, minReady, nowMs)) return done();
  }

  const condemned = [...byOrdinal.entries()].filter(([ord]) => ord < start || ord >= end).sort(([a], [b]) => b - a);
  for (const [, p] of condemned) {
    if (isTerminating(p)) {
      if (monotonic) return done();
      continue;
    }
    del.push({ pod: p, why: 'Condemned' });
    if (monotonic) return done();
  }

  if (!rolling) return done();
  for (let target = end - 1; target >= start + partition; target--) {
    const p = byOrdinal.get(target);
    if (p === undefined || create.some((c) => c.ordinal === target) || del.some((d) => d.pod === p)) return done();
    if (revisionOf(p) !== updateRevision && !isTerminating(p)) {
      del.push({ pod: p, why: 'Update' });
      return done();
    }
    if (!isHealthy(p)) return done();
  }
  return done();
}
