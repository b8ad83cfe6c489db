/**
 * The pure parts of the Deployment controller (kube-controller-manager's deployment/util): surge and
 * unavailability math, revision annotations, conditions, status, and the rollout step decisions.
 * Nothing here talks to the API server; the controller applies what these functions decide.
 */
import type { V1Deployment, V1ObjectMeta, V1ReplicaSet } from '../../client/index.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const MAX_REV_HISTORY_CHARS = 2000;

/** Deployment annotations never copied to its ReplicaSets (and kept by `kubectl rollout undo`). */
export const ANNOTATIONS_TO_SKIP: ReadonlySet<string> = new Set([
  LAST_APPLIED_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  ROLLBACK_TO_ANNOTATION,
]);

export const CONDITION_REASONS = {
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  newReplicaSetCreated: 'NewReplicaSetCreated',
  foundNewReplicaSet: 'FoundNewReplicaSet',
  newReplicaSetAvailable: 'NewReplicaSetAvailable',
  replicaSetUpdated: 'ReplicaSetUpdated',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  failedRSCreate: 'ReplicaSetCreateError',
} as const;

export type IntOrString = number | string | undefined;

export class InvalidIntOrPercentError extends Error {
  readonly code = 'KE_KUBE_INVALID_INT_OR_PERCENT';
}

/** intstr.GetScaledValueFromIntOrPercent: ints as they are, "25%" of `total` rounded up or down. */
export function scaledValue(v: IntOrString, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (m === null) {
    if (/^\d+$/.test(v)) return Number(v);
    throw new InvalidIntOrPercentError(`invalid value for IntOrString: ${v}`);
  }
  const value = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(value) : Math.floor(value);
}

/** The surge (rounded up) and unavailability (rounded down); both 0 becomes unavailable 1. */
export function resolveFenceposts(maxSurge: IntOrString, maxUnavailable: IntOrString, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? '25%', desired, true);
  let unavailable = scaledValue(maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function replicasOf(o: { spec?: { replicas?: number } } | undefined): number {
  return o?.spec?.replicas ?? 1;
}

export function isRollingUpdate(d: V1Deployment): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

export function maxSurge(d: V1Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge as IntOrString, ru?.maxUnavailable as IntOrString, replicasOf(d)).surge;
}

export function maxUnavailable(d: V1Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  const { unavailable } = resolveFenceposts(ru?.maxSurge as IntOrString, ru?.maxUnavailable as IntOrString, replicas);
  return Math.min(unavailable, replicas);
}

// ---- revisions and annotations -------------------------------------------------------------

export function revisionOf(o: { metadata?: V1ObjectMeta } | undefined): number {
  const v = o?.metadata?.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  const n = Number(v);
  return Number.isInteger(n) ? n : 0;
}

export function maxRevision(rss: readonly V1ReplicaSet[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/** Deployment annotations (minus the skip list) copied onto the RS; true if anything changed. */
export function copyDeploymentAnnotations(d: V1Deployment, meta: V1ObjectMeta): boolean {
  let changed = false;
  const target = (meta.annotations ??= {});
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (ANNOTATIONS_TO_SKIP.has(k) || target[k] === v) continue;
    target[k] = v;
    changed = true;
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: V1ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata?.annotations ?? {};
  return a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

export function setReplicasAnnotations(meta: V1ObjectMeta, desired: number, max: number): boolean {
  const a = (meta.annotations ??= {});
  const changed = a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
  a[DESIRED_REPLICAS_ANNOTATION] = String(desired);
  a[MAX_REPLICAS_ANNOTATION] = String(max);
  return changed;
}

/**
 * deploymentutil.SetNewReplicaSetAnnotations: copies the deployment's annotations, raises the
 * revision to `newRevision` (keeping the earlier one in revision-history when an old RS is reused,
 * i.e. a rollback) and, for a RS about to be created, sets desired/max replicas.
 */
export function setNewReplicaSetAnnotations(d: V1Deployment, rsMeta: V1ObjectMeta, newRevision: number, exists: boolean): boolean {
  let changed = copyDeploymentAnnotations(d, rsMeta);
  const a = (rsMeta.annotations ??= {});
  const oldRevision = a[REVISION_ANNOTATION];
  const oldRevisionInt = oldRevision === undefined ? 0 : Number(oldRevision);
  if (oldRevisionInt < newRevision) {
    a[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (oldRevision !== undefined && oldRevision !== '') {
      const history = a[REVISION_HISTORY_ANNOTATION] ?? '';
      const old = history === '' ? [] : history.split(',');
      let total = history.length + oldRevision.length + 1;
      let start = 0;
      while (total > MAX_REV_HISTORY_CHARS && start < old.length) total -= (old[start++]?.length ?? 0) + 1;
      if (total <= MAX_REV_HISTORY_CHARS) a[REVISION_HISTORY_ANNOTATION] = [...old.slice(start), oldRevision].join(',');
    }
  }
  if (!exists) {
    const replicas = replicasOf(d);
    if (setReplicasAnnotations(rsMeta, replicas, replicas + maxSurge(d))) changed = true;
  }
  return changed;
}

// ---- replica set lists -------------------------------------------------------------------

const created = (rs: V1ReplicaSet): string => rs.metadata?.creationTimestamp ?? '';
const nameOf = (rs: V1ReplicaSet): string => rs.metadata?.name ?? '';

/** Oldest first; ties by name (controller.ReplicaSetsByCreationTimestamp). */
export function byCreation(a: V1ReplicaSet, b: V1ReplicaSet): number {
  const c = created(a).localeCompare(created(b));
  return c !== 0 ? c : nameOf(a).localeCompare(nameOf(b));
}

/** Lowest revision first, ties oldest first (deploymentutil.ReplicaSetsByRevision). */
export function byRevision(a: V1ReplicaSet, b: V1ReplicaSet): number {
  const r = revisionOf(a) - revisionOf(b);
  return r !== 0 ? r : byCreation(a, b);
}

/** Larger first; equal sizes newer first (scaling up) or older first (scaling down). */
export function bySize(newerFirst: boolean): (a: V1ReplicaSet, b: V1ReplicaSet) => number {
  return (a, b) => {
    const s = replicasOf(b) - replicasOf(a);
    if (s !== 0) return s;
    return newerFirst ? byCreation(b, a) : byCreation(a, b);
  };
}

export function filterActive(rss: readonly (V1ReplicaSet | undefined)[]): V1ReplicaSet[] {
  return rss.filter((rs): rs is V1ReplicaSet => rs !== undefined && replicasOf(rs) > 0);
}

const sum = (rss: readonly (V1ReplicaSet | undefined)[], f: (rs: V1ReplicaSet) => number): number =>
  rss.reduce((n, rs) => (rs === undefined ? n : n + f(rs)), 0);
export const specReplicas = (rss: readonly (V1ReplicaSet | undefined)[]): number => sum(rss, replicasOf);
export const actualReplicas = (rss: readonly (V1ReplicaSet | undefined)[]): number => sum(rss, (rs) => rs.status?.replicas ?? 0);
export const readyReplicas = (rss: readonly (V1ReplicaSet | undefined)[]): number => sum(rss, (rs) => rs.status?.readyReplicas ?? 0);
export const availableReplicas = (rss: readonly (V1ReplicaSet | undefined)[]): number => sum(rss, (rs) => rs.status?.availableReplicas ?? 0);

/** deploymentutil.FindActiveOrLatest: the one active RS, or the newest when none is active; else undefined. */
export function findActiveOrLatest(newRS: V1ReplicaSet | undefined, oldRSs: readonly V1ReplicaSet[]): V1ReplicaSet | undefined {
  if (newRS === undefined && oldRSs.length === 0) return undefined;
  const olds = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = filterActive([...olds, newRS]);
  if (active.length === 0) return newRS ?? olds[0];
  if (active.length === 1) return active[0];
  return undefined;
}

export function desiredAnnotation(rs: V1ReplicaSet): number | undefined {
  const v = rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}

export function isSaturated(d: V1Deployment, rs: V1ReplicaSet | undefined): boolean {
  if (rs === undefined) return false;
  const desired = desiredAnnotation(rs);
  const r = replicasOf(d);
  return desired !== undefined && replicasOf(rs) === r && desired === r && (rs.status?.availableReplicas ?? 0) === r;
}

/** The new RS's size for the next step of a rollout (deploymentutil.NewRSNewReplicas). */
export function newRSNewReplicas(d: V1Deployment, allRSs: readonly (V1ReplicaSet | undefined)[], newRS: V1ReplicaSet): number {
  if (!isRollingUpdate(d)) return replicasOf(d);
  const current = specReplicas(allRSs);
  const maxTotal = replicasOf(d) + maxSurge(d);
  if (current >= maxTotal) return replicasOf(newRS);
  const up = Math.min(maxTotal - current, replicasOf(d) - replicasOf(newRS));
  return replicasOf(newRS) + up;
}

export interface ScaleStep {
  readonly rs: V1ReplicaSet;
  readonly replicas: number;
}

/** The old RSs' unhealthy replicas that may go at once, up to `maxCleanup` (cleanupUnhealthyReplicas). */
export function cleanupUnhealthyPlan(oldRSs: readonly V1ReplicaSet[], maxCleanup: number): { steps: ScaleStep[]; total: number } {
  const steps: ScaleStep[] = [];
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= maxCleanup) break;
    const replicas = replicasOf(rs);
    if (replicas === 0) continue;
    const unhealthy = replicas - (rs.status?.availableReplicas ?? 0);
    if (unhealthy <= 0) continue;
    const down = Math.min(maxCleanup - total, unhealthy);
    steps.push({ rs, replicas: replicas - down });
    total += down;
  }
  return { steps, total };
}

/** How far the old RSs may shrink keeping minAvailable (scaleDownOldReplicaSetsForRollingUpdate). */
export function scaleDownOldPlan(allRSs: readonly (V1ReplicaSet | undefined)[], oldRSs: readonly V1ReplicaSet[], d: V1Deployment): { steps: ScaleStep[]; total: number } {
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const available = availableReplicas(allRSs);
  if (available <= minAvailable) return { steps: [], total: 0 };
  const budget = available - minAvailable;
  const steps: ScaleStep[] = [];
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= budget) break;
    const replicas = replicasOf(rs);
    if (replicas === 0) continue;
    const down = Math.min(replicas, budget - total);
    steps.push({ rs, replicas: replicas - down });
    total += down;
  }
  return { steps, total };
}

/** The most the old RSs may lose now (reconcileOldReplicaSets' maxScaledDown); <= 0 means none. */
export function maxScaledDown(allRSs: readonly (V1ReplicaSet | undefined)[], newRS: V1ReplicaSet | undefined, d: V1Deployment): number {
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const newUnavailable = newRS === undefined ? 0 : replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
  return specReplicas(allRSs) - minAvailable - newUnavailable;
}

function maxReplicasAnnotation(rs: V1ReplicaSet): number | undefined {
  const v = rs.metadata?.annotations?.[MAX_REPLICAS_ANNOTATION];
  const n = v === undefined ? NaN : Number(v);
  return Number.isInteger(n) ? n : undefined;
}

/** Round half away from zero, as Go's math.Round. */
const roundAway = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

/** deploymentutil.GetProportion: this RS's share of `toAdd`, never overshooting what is left. */
export function proportion(rs: V1ReplicaSet, d: V1Deployment, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  let fraction: number;
  if (replicasOf(d) === 0) fraction = -replicasOf(rs);
  else {
    const maxNow = replicasOf(d) + maxSurge(d);
    let before = maxReplicasAnnotation(rs) ?? 0;
    if (before === 0) before = d.status?.replicas ?? 0;
    fraction = before === 0 ? 0 : roundAway((replicasOf(rs) * maxNow) / before) - replicasOf(rs);
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** Proportional scaling of all active RSs of a rolling deployment (the tail of DeploymentController.scale). */
export function proportionalScalePlan(d: V1Deployment, active: readonly V1ReplicaSet[]): { steps: ScaleStep[]; operation: 'up' | 'down' | '' } {
  const current = specReplicas(active);
  const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
  const toAdd = allowed - current;
  const operation = toAdd > 0 ? 'up' : toAdd < 0 ? 'down' : '';
  const sorted = toAdd === 0 ? [...active] : [...active].sort(bySize(toAdd > 0));
  const sizes = new Map<V1ReplicaSet, number>();
  let added = 0;
  for (const rs of sorted) {
    if (toAdd !== 0) {
      const p = proportion(rs, d, toAdd, added);
      sizes.set(rs, replicasOf(rs) + p);
      added += p;
    } else sizes.set(rs, replicasOf(rs));
  }
  const first = sorted[0];
  if (first !== undefined && toAdd !== 0) sizes.set(first, Math.max(0, (sizes.get(first) ?? 0) + toAdd - added));
  return { steps: sorted.map((rs) => ({ rs, replicas: sizes.get(rs) ?? replicasOf(rs) })), operation };
}
