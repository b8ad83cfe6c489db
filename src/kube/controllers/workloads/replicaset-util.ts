/**
 * The pure parts of the ReplicaSet controller (kube-controller-manager's replicaset and
 * controller_utils): label selectors, which pods count, which go first on scale-down, the status
 * and the slow-start batching of creates.
 */
import { labelSelectorMatches } from '../common/matching.js';
import type { V1LabelSelector, V1OwnerReference, V1Pod, V1ReplicaSet, V1ReplicaSetStatus } from '../../client/index.js';

/** metav1.LabelSelectorAsSelector + Matches. An undefined selector matches nothing, {} everything. */
export function selectorMatches(sel: V1LabelSelector | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  return labelSelectorMatches(sel, labels);
}

export function isEmptySelector(sel: V1LabelSelector | undefined): boolean {
  return sel !== undefined && Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
}

export function controllerRefOf(obj: { metadata?: { ownerReferences?: V1OwnerReference[] } }): V1OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

export function isTerminating(obj: { metadata?: { deletionTimestamp?: string } }): boolean {
  return obj.metadata?.deletionTimestamp !== undefined;
}

/** controller.IsPodActive: not finished and not being deleted. */
export function isPodActive(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !isTerminating(pod);
}

function readyCondition(pod: V1Pod): { status: string; lastTransitionTime?: string } | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: V1Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** podutil.IsPodAvailable: ready for at least minReadySeconds. */
export function isPodAvailable(pod: V1Pod, minReadySeconds: number, nowMs: number): boolean {
  const c = readyCondition(pod);
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = Date.parse(c.lastTransitionTime ?? '');
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= nowMs;
}

const PHASE_RANK: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

function restarts(pod: V1Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((m, c) => Math.max(m, c.restartCount), 0);
}

/**
 * controller.ActivePods ordering: the pods to delete first come first — unscheduled before
 * scheduled, Pending < Unknown < Running, not ready before ready, ready for less time first, more
 * restarts first, newer first.
 */
export function deletionOrder(a: V1Pod, b: V1Pod): number {
  const aNode = a.spec?.nodeName ?? '';
  const bNode = b.spec?.nodeName ?? '';
  if ((aNode === '') !== (bNode === '')) return aNode === '' ? -1 : 1;
  const pa = PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0;
  const pb = PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  if (ra && rb) {
    const ta = readyCondition(a)?.lastTransitionTime ?? '';
    const tb = readyCondition(b)?.lastTransitionTime ?? '';
    if (ta !== tb) return tb.localeCompare(ta); // ready more recently first
  }
  const rc = restarts(b) - restarts(a);
  if (rc !== 0) return rc;
  const ca = a.metadata?.creationTimestamp ?? '';
  const cb = b.metadata?.creationTimestamp ?? '';
  if (ca !== cb) return cb.localeCompare(ca); // newer first
  return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

export function podsToDelete(pods: readonly V1Pod[], diff: number): V1Pod[] {
  return [...pods].sort(deletionOrder).slice(0, Math.max(0, diff));
}

/** replicaset.calculateStatus (conditions carried over). */
export function calculateReplicaSetStatus(rs: V1ReplicaSet, pods: readonly V1Pod[], nowMs: number): V1ReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const p of pods) {
    const labels = p.metadata?.labels ?? {};
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(p)) {
      ready++;
      if (isPodAvailable(p, minReady, nowMs)) available++;
    }
  }
  return {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata?.generation ?? 0,
    ...(rs.status?.conditions === undefined ? {} : { conditions: rs.status.conditions }),
  };
}

/** The ReplicaFailure condition after a sync: set when creating or deleting failed, removed otherwise. */
export function withReplicaFailure(status: V1ReplicaSetStatus, failure: { reason: 'FailedCreate' | 'FailedDelete'; message: string } | undefined, now: string): V1ReplicaSetStatus {
  const others = (status.conditions ?? []).filter((c) => c.type !== 'ReplicaFailure');
  const current = (status.conditions ?? []).find((c) => c.type === 'ReplicaFailure');
  if (failure === undefined) {
    if (current === undefined) return status;
    return { ...status, conditions: others };
  }
  if (current?.status === 'True' && current.reason === failure.reason && current.message === failure.message) return status;
  return { ...status, conditions: [...others, { type: 'ReplicaFailure', status: 'True', reason: failure.reason, message: failure.message, lastTransitionTime: now }] };
}

export function sameReplicaSetStatus(a: V1ReplicaSetStatus | undefined, b: V1ReplicaSetStatus): boolean {
  const x = a ?? { replicas: 0 };
  return (
    x.replicas === b.replicas &&
    (x.fullyLabeledReplicas ?? 0) === (b.fullyLabeledReplicas ?? 0) &&
    (x.readyReplicas ?? 0) === (b.readyReplicas ?? 0) &&
    (x.availableReplicas ?? 0) === (b.availableReplicas ?? 0) &&
    (x.observedGeneration ?? 0) === (b.observedGeneration ?? 0) &&
    JSON.stringify(x.conditions ?? []) === JSON.stringify(b.conditions ?? [])
  );
}
