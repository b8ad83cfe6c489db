/**
 * The Deployment's status and conditions (kube-controller-manager's deployment progress.go and
 * deploymentutil conditions): Available from minimum availability, Progressing through
 * NewReplicaSetCreated / FoundNewReplicaSet / ReplicaSetUpdated to NewReplicaSetAvailable or
 * ProgressDeadlineExceeded, and ReplicaFailure copied from the ReplicaSets. Pure functions.
 */
import type { V1Deployment, V1DeploymentCondition, V1DeploymentStatus, V1ReplicaSet } from '../../client/index.js';
import { actualReplicas, availableReplicas, CONDITION_REASONS, maxUnavailable, readyReplicas, replicasOf, specReplicas } from './deployment-util.js';

// ---- conditions and status ---------------------------------------------------------------

export function getCondition(status: V1DeploymentStatus | undefined, type: string): V1DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function newCondition(type: string, status: string, reason: string, message: string, now: string): V1DeploymentCondition {
  return { type, status, reason, message, lastUpdateTime: now, lastTransitionTime: now };
}

/** deploymentutil.SetDeploymentCondition: no-op when status and reason are unchanged; keeps lastTransitionTime when only the reason changes. */
export function setCondition(status: V1DeploymentStatus, cond: V1DeploymentCondition): void {
  const current = getCondition(status, cond.type);
  if (current !== undefined && current.status === cond.status && current.reason === cond.reason) return;
  const keep = current !== undefined && current.status === cond.status ? current.lastTransitionTime : undefined;
  const next: V1DeploymentCondition = keep === undefined ? cond : { ...cond, lastTransitionTime: keep };
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

export function removeCondition(status: V1DeploymentStatus, type: string): void {
  if (status.conditions === undefined) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
}

export function hasProgressDeadline(d: V1Deployment): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return s !== undefined && s !== 2147483647;
}

export function deploymentComplete(d: V1Deployment, s: V1DeploymentStatus): boolean {
  const r = replicasOf(d);
  return (s.updatedReplicas ?? 0) === r && (s.replicas ?? 0) === r && (s.availableReplicas ?? 0) === r && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

export function deploymentProgressing(d: V1Deployment, s: V1DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

export function deploymentTimedOut(d: V1Deployment, s: V1DeploymentStatus, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const cond = getCondition(s, 'Progressing');
  if (cond === undefined) return false;
  if (cond.reason === CONDITION_REASONS.newReplicaSetAvailable) return false;
  if (cond.reason === CONDITION_REASONS.timedOut) return true;
  const from = Date.parse(cond.lastUpdateTime ?? '');
  if (Number.isNaN(from)) return false;
  return from + (d.spec?.progressDeadlineSeconds ?? 600) * 1000 < nowMs;
}

/** deployment controller's calculateStatus (conditions copied, Available recomputed). */
export function calculateStatus(allRSs: readonly (V1ReplicaSet | undefined)[], newRS: V1ReplicaSet | undefined, d: V1Deployment, now: string): V1DeploymentStatus {
  const available = availableReplicas(allRSs);
  const unavailable = Math.max(0, specReplicas(allRSs) - available);
  const status: V1DeploymentStatus = {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: actualReplicas(allRSs),
    updatedReplicas: actualReplicas([newRS]),
    readyReplicas: readyReplicas(allRSs),
    availableReplicas: available,
    unavailableReplicas: unavailable,
    ...(d.status?.collisionCount === undefined ? {} : { collisionCount: d.status.collisionCount }),
    conditions: [...(d.status?.conditions ?? [])],
  };
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', CONDITION_REASONS.minimumReplicasAvailable, 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition('Available', 'False', CONDITION_REASONS.minimumReplicasUnavailable, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** syncRolloutStatus' Progressing decision on top of calculateStatus. */
export function rolloutStatus(allRSs: readonly (V1ReplicaSet | undefined)[], newRS: V1ReplicaSet | undefined, d: V1Deployment, nowMs: number, now: string): V1DeploymentStatus {
  const s = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(s, 'Progressing');
  const current = getCondition(d.status, 'Progressing');
  const complete = s.replicas === s.updatedReplicas && current?.reason === CONDITION_REASONS.newReplicaSetAvailable;
  const name = d.metadata?.name ?? '';
  if (hasProgressDeadline(d) && !complete) {
    if (deploymentComplete(d, s)) {
      const msg = newRS !== undefined ? `ReplicaSet "${newRS.metadata?.name ?? ''}" has successfully progressed.` : `Deployment "${name}" has successfully progressed.`;
      setCondition(s, newCondition('Progressing', 'True', CONDITION_REASONS.newReplicaSetAvailable, msg, now));
    } else if (deploymentProgressing(d, s)) {
      const msg = newRS !== undefined ? `ReplicaSet "${newRS.metadata?.name ?? ''}" is progressing.` : `Deployment "${name}" is progressing.`;
      const cond = newCondition('Progressing', 'True', CONDITION_REASONS.replicaSetUpdated, msg, now);
      if (current !== undefined) {
        if (current.status === 'True' && current.lastTransitionTime !== undefined) cond.lastTransitionTime = current.lastTransitionTime;
        removeCondition(s, 'Progressing');
      }
      setCondition(s, cond);
    } else if (deploymentTimedOut(d, s, nowMs)) {
      const msg = newRS !== undefined ? `ReplicaSet "${newRS.metadata?.name ?? ''}" has timed out progressing.` : `Deployment "${name}" has timed out progressing.`;
      setCondition(s, newCondition('Progressing', 'False', CONDITION_REASONS.timedOut, msg, now));
    }
  }
  const failure = replicaFailure(allRSs, newRS, now);
  if (failure !== undefined) setCondition(s, failure);
  else removeCondition(s, 'ReplicaFailure');
  return s;
}

/** getReplicaFailures: the new RS's ReplicaFailure condition (else an old one's) as a deployment condition. */
export function replicaFailure(allRSs: readonly (V1ReplicaSet | undefined)[], newRS: V1ReplicaSet | undefined, now: string): V1DeploymentCondition | undefined {
  const ordered = [newRS, ...allRSs.filter((rs) => rs !== newRS)];
  for (const rs of ordered) {
    const c = rs?.status?.conditions?.find((x) => x.type === 'ReplicaFailure' && x.status === 'True');
    if (c !== undefined) return newCondition('ReplicaFailure', c.status, c.reason ?? '', c.message ?? '', now);
  }
  return undefined;
}

/** When to look at a rollout again to notice its progress deadline passing (requeueStuckDeployment); undefined: no need. */
export function stuckRequeueMs(d: V1Deployment, s: V1DeploymentStatus, nowMs: number): number | undefined {
  const cond = getCondition(s, 'Progressing');
  if (!hasProgressDeadline(d) || cond === undefined) return undefined;
  if (cond.reason === CONDITION_REASONS.newReplicaSetAvailable || cond.reason === CONDITION_REASONS.timedOut) return undefined;
  if (deploymentComplete(d, s)) return undefined;
  const from = Date.parse(cond.lastUpdateTime ?? '');
  if (Number.isNaN(from)) return undefined;
  const after = from + (d.spec?.progressDeadlineSeconds ?? 600) * 1000 - nowMs;
  return after < 1000 ? 0 : after + 1000;
}

/** Status equality ignoring condition timestamps' representation (a deep JSON comparison). */
export function sameStatus(a: V1DeploymentStatus | undefined, b: V1DeploymentStatus): boolean {
  return JSON.stringify(normalizeStatus(a ?? {})) === JSON.stringify(normalizeStatus(b));
}

function normalizeStatus(s: V1DeploymentStatus): unknown {
  const keys = ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'collisionCount'] as const;
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = s[k] ?? 0;
  out['conditions'] = [...(s.conditions ?? [])]
    .sort((x, y) => x.type.localeCompare(y.type))
    .map((c) => [c.type, c.status, c.reason ?? '', c.message ?? '', c.lastUpdateTime ?? '', c.lastTransitionTime ?? '']);
  return out;
}
