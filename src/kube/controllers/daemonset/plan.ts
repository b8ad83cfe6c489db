/**
 * One DaemonSet sync as a pure decision (kube-controller-manager's manage + rollingUpdate +
 * updateDaemonSetStatus): given the nodes, the DaemonSet's pods and the current template hash, which
 * nodes get a new pod, which pods go, and the status to report. Rolling updates use maxUnavailable
 * with maxSurge 0 (a surge setting is treated as 0).
 */
import type { V1DaemonSet, V1DaemonSetStatus, V1Node, V1Pod } from '../../client/index.js';
import { nodeShouldRunDaemonPod } from './placement.js';
import { REVISION_HASH_LABEL, TEMPLATE_GENERATION_LABEL } from './revision.js';

export interface DaemonSetPlan {
  /** Nodes that get a new daemon pod. */
  readonly createOn: string[];
  /** Pods to delete, with why (for events and logs). */
  readonly delete: { readonly pod: V1Pod; readonly why: 'Misscheduled' | 'Failed' | 'Duplicate' | 'NodeGone' | 'Update' }[];
  readonly status: V1DaemonSetStatus;
}

/** The node a daemon pod is for: spec.nodeName, else its required affinity on metadata.name. */
export function targetNodeName(pod: V1Pod): string | undefined {
  if (pod.spec?.nodeName !== undefined && pod.spec.nodeName !== '') return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1 && f.values[0] !== undefined) return f.values[0];
    }
  }
  return undefined;
}

export function isPodReady(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function isPodAvailable(pod: V1Pod, minReadySeconds: number, nowMs: number): boolean {
  const ready = (pod.status?.conditions ?? []).find((c) => c.type === 'Ready' && c.status === 'True');
  if (ready === undefined) return false;
  if (minReadySeconds <= 0) return true;
  const since = ready.lastTransitionTime === undefined ? Number.NaN : Date.parse(ready.lastTransitionTime);
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= nowMs;
}

export function isPodUpdated(pod: V1Pod, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  const h = labels[REVISION_HASH_LABEL];
  if (h !== undefined) return h === hash;
  return generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === String(generation);
}

function created(p: V1Pod): number {
  const t = p.metadata?.creationTimestamp;
  return t === undefined ? 0 : Date.parse(t);
}

/** Oldest first; running before pending on ties (podByCreationTimestampAndPhase). */
function byAge(a: V1Pod, b: V1Pod): number {
  const d = created(a) - created(b);
  if (d !== 0) return d;
  return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/** maxUnavailable as a count of `desired` (percentages round up); at least 1. */
export function resolveMaxUnavailable(value: number | string | undefined, desired: number): number {
  let n: number;
  if (value === undefined) n = 1;
  else if (typeof value === 'number') n = value;
  else if (value.endsWith('%')) n = Math.ceil((Number.parseInt(value.slice(0, -1), 10) * desired) / 100);
  else n = Number.parseInt(value, 10);
  if (!Number.isFinite(n) || n < 1) n = 1;
  return n;
}

export function planDaemonSet(ds: V1DaemonSet, nodes: readonly V1Node[], pods: readonly V1Pod[], hash: string, nowMs: number): DaemonSetPlan {
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const generation = ds.metadata?.generation;
  const byNode = new Map<string, V1Pod[]>();
  const noNode: V1Pod[] = [];
  for (const p of pods) {
    const n = targetNodeName(p);
    if (n === undefined) {
      noNode.push(p);
      continue;
    }
    const list = byNode.get(n);
    if (list === undefined) byNode.set(n, [p]);
    else list.push(p);
  }
  for (const list of byNode.values()) list.sort(byAge);

  const createOn: string[] = [];
  const del: DaemonSetPlan['delete'][number][] = [];
  const known = new Set<string>();
  let desired = 0;
  let current = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  let misscheduled = 0;
  const shouldRunOn = new Set<string>();

  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    known.add(name);
    const onNode = byNode.get(name) ?? [];
    const live = onNode.filter((p) => p.metadata?.deletionTimestamp === undefined);
    const place = nodeShouldRunDaemonPod(node, ds);
    // status
    if (place.shouldRun) {
      shouldRunOn.add(name);
      desired++;
      const first = onNode[0];
      if (first !== undefined) {
        current++;
        if (isPodReady(first)) {
          ready++;
          if (isPodAvailable(first, minReady, nowMs)) available++;
        }
        if (isPodUpdated(first, hash, generation)) updated++;
      }
    } else if (onNode.length > 0) {
      misscheduled++;
    }
    // manage
    if (place.shouldRun && onNode.length === 0) {
      createOn.push(name);
    } else if (place.shouldContinueRunning) {
      const running: V1Pod[] = [];
      for (const p of live) {
        const phase = p.status?.phase;
        if (phase === 'Failed' || phase === 'Succeeded') del.push({ pod: p, why: 'Failed' });
        else running.push(p);
      }
      for (const extra of running.slice(1)) del.push({ pod: extra, why: 'Duplicate' });
    } else {
      for (const p of live) del.push({ pod: p, why: 'Misscheduled' });
    }
  }
  for (const [name, list] of byNode) {
    if (known.has(name)) continue;
    for (const p of list) if (p.metadata?.deletionTimestamp === undefined) del.push({ pod: p, why: 'NodeGone' });
  }
  for (const p of noNode) if (p.metadata?.deletionTimestamp === undefined) del.push({ pod: p, why: 'NodeGone' });

  // rolling update, only when placement had nothing to do (the next sync sees the settled state)
  const strategy = ds.spec?.updateStrategy;
  if (createOn.length === 0 && del.length === 0 && (strategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
    const maxUnavailable = resolveMaxUnavailable(strategy?.rollingUpdate?.maxUnavailable, desired);
    let unavailable = 0;
    const replaceNow: V1Pod[] = [];
    const candidates: V1Pod[] = [];
    for (const [name, list] of byNode) {
      if (!shouldRunOn.has(name)) continue;
      const live = list.filter((p) => p.metadata?.deletionTimestamp === undefined);
      const newPod = live.find((p) => isPodUpdated(p, hash, generation));
      const oldPod = live.find((p) => !isPodUpdated(p, hash, generation));
      if ((newPod === undefined) === (oldPod === undefined)) unavailable++;
      else if (newPod !== undefined) {
        if (!isPodAvailable(newPod, minReady, nowMs)) unavailable++;
      } else if (oldPod !== undefined) {
        if (!isPodAvailable(oldPod, minReady, nowMs)) replaceNow.push(oldPod);
        else candidates.push(oldPod);
      }
    }
    candidates.sort(byAge);
    const budget = Math.max(0, Math.min(candidates.length, maxUnavailable - unavailable));
    for (const p of [...replaceNow, ...candidates.slice(0, budget)]) del.push({ pod: p, why: 'Update' });
  }

  const status: V1DaemonSetStatus = {
    currentNumberScheduled: current,
    desiredNumberScheduled: desired,
    numberMisscheduled: misscheduled,
    numberReady: ready,
    numberAvailable: available,
    numberUnavailable: desired - available,
    updatedNumberScheduled: updated,
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    ...(ds.status?.collisionCount === undefined ? {} : { collisionCount: ds.status.collisionCount }),
    ...(ds.status?.conditions === undefined ? {} : { conditions: ds.status.conditions }),
  };
  return { createOn, delete: del, status };
}
