/**
 * The filters: can this pod run on this node? Pure functions of a PodInfo and a NodeInfo. A failing
 * node gets Kubernetes' reason strings (they make up the FailedScheduling message), and whether
 * preemption could help (only resource and pod-count shortages can be fixed by evicting pods).
 */
import type { V1NodeSelectorTerm, V1Taint, V1Toleration } from '../client/index.js';
import { nodeRequirementMatches, tolerates } from '../controllers/common/matching.js';
import type { HostPort, NodeInfo, PodInfo } from './node-info.js';
import type { Resources } from './resources.js';

export const REASONS = {
  nodeName: "node(s) didn't match the requested node name",
  affinity: "node(s) didn't match Pod's node affinity/selector",
  unschedulable: 'node(s) were unschedulable',
  ports: "node(s) didn't have free ports for the requested pod ports",
  tooManyPods: 'Too many pods',
} as const;

export const NOT_READY_TAINT: V1Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };
export const UNSCHEDULABLE_TAINT: V1Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

export interface FilterFailure {
  readonly reasons: readonly string[];
  /** True when evicting pods from the node could make the pod fit. */
  readonly resolvable: boolean;
}

export function taintReason(t: V1Taint): string {
  return `node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`;
}

export function insufficientReason(resource: string): string {
  return `Insufficient ${resource}`;
}

/** Kubernetes' ToleratesTaint. An empty key with operator Exists tolerates every taint. */
export const toleratesTaint = tolerates;

/** The first NoSchedule/NoExecute taint no toleration covers. */
export function untoleratedTaint(tolerations: readonly V1Toleration[], taints: readonly V1Taint[]): V1Taint | undefined {
  for (const t of taints) {
    if (t.effect !== 'NoSchedule' && t.effect !== 'NoExecute') continue;
    if (!tolerations.some((tol) => toleratesTaint(tol, t))) return t;
  }
  return undefined;
}


/** One nodeSelectorTerm: all its expressions and fields must match; an empty term matches nothing. */
export function matchNodeSelectorTerm(term: V1NodeSelectorTerm, labels: Readonly<Record<string, string>>, nodeName: string): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const e of exprs) if (!nodeRequirementMatches(e, labels[e.key])) return false;
  for (const f of fields) {
    if (f.key !== 'metadata.name') return false;
    if (!nodeRequirementMatches(f, nodeName)) return false;
  }
  return true;
}

/** nodeSelector and the required node affinity (terms are ORed). */
export function matchesNodeAffinity(pod: PodInfo, labels: Readonly<Record<string, string>>, nodeName: string): boolean {
  if (pod.nodeSelector !== undefined) {
    for (const [k, v] of Object.entries(pod.nodeSelector)) if (labels[k] !== v) return false;
  }
  if (pod.requiredTerms !== undefined) {
    if (!pod.requiredTerms.some((t) => matchNodeSelectorTerm(t, labels, nodeName))) return false;
  }
  return true;
}

function portConflicts(want: HostPort, used: ReadonlyMap<string, ReadonlyMap<string, number>>): boolean {
  const ips = used.get(`${want.protocol}/${want.port}`);
  if (ips === undefined || ips.size === 0) return false;
  if (want.hostIP === '0.0.0.0' || ips.has('0.0.0.0')) return true;
  return ips.has(want.hostIP);
}

/**
 * Resource shortages of `requests` on a node with `allocatable`, `requested` already and
 * `podCount` pods; [] when it fits. `reserved` adds what nominated pods hold.
 */
export function resourceShortages(
  requests: Readonly<Resources>,
  allocatable: Readonly<Resources>,
  requested: Readonly<Resources>,
  podCount: number,
  reserved?: { readonly requests: Readonly<Resources>; readonly pods: number },
): string[] {
  const out: string[] = [];
  const maxPods = allocatable['pods'];
  if (maxPods !== undefined && podCount + 1 + (reserved?.pods ?? 0) > maxPods) out.push(REASONS.tooManyPods);
  for (const r in requests) {
    const want = requests[r] ?? 0;
    if (want <= 0 || r === 'pods') continue;
    const have = (allocatable[r] ?? 0) - (requested[r] ?? 0) - (reserved?.requests[r] ?? 0);
    if (want > have) out.push(insufficientReason(r));
  }
  return out;
}

/** What pods nominated to the node with at least `pod`'s priority hold there (undefined when none). */
export function nominatedReservation(pod: PodInfo, node: NodeInfo): { requests: Resources; pods: number } | undefined {
  if (node.nominated.size === 0) return undefined;
  const requests: Resources = {};
  let pods = 0;
  for (const n of node.nominated.values()) {
    if (n.key === pod.key || n.priority < pod.priority || node.pods.has(n.key)) continue;
    pods++;
    for (const [k, v] of Object.entries(n.requests)) requests[k] = (requests[k] ?? 0) + v;
  }
  return pods === 0 ? undefined : { requests, pods };
}

/** Runs every filter, in kube-scheduler's order; undefined when the pod fits the node. */
export function filterNode(pod: PodInfo, node: NodeInfo): FilterFailure | undefined {
  const wanted = pod.pod.spec?.nodeName;
  if (wanted !== undefined && wanted !== '' && wanted !== node.name) return { reasons: [REASONS.nodeName], resolvable: false };
  if (node.unschedulable && !pod.tolerations.some((t) => toleratesTaint(t, UNSCHEDULABLE_TAINT))) return { reasons: [REASONS.unschedulable], resolvable: false };
  if (!node.ready && !pod.tolerations.some((t) => toleratesTaint(t, NOT_READY_TAINT))) return { reasons: [taintReason(NOT_READY_TAINT)], resolvable: false };
  if (!matchesNodeAffinity(pod, node.labels, node.name)) return { reasons: [REASONS.affinity], resolvable: false };
  if (node.taints.length > 0) {
    const t = untoleratedTaint(pod.tolerations, node.taints);
    if (t !== undefined) return { reasons: [taintReason(t)], resolvable: false };
  }
  if (pod.hostPorts.length > 0 && node.usedPorts.size > 0) {
    if (pod.hostPorts.some((hp) => portConflicts(hp, node.usedPorts))) return { reasons: [REASONS.ports], resolvable: false };
  }
  const short = resourceShortages(pod.requests, node.allocatable, node.requested, node.pods.size, nominatedReservation(pod, node));
  if (short.length > 0) return { reasons: short, resolvable: true };
  return undefined;
}

/**
 * Kubernetes' FailedScheduling message: "0/3 nodes are available: 1 node(s) didn't match Pod's
 * node affinity/selector, 2 node(s) had untolerated taint {k: v}." (reasons sorted).
 */
export function unschedulableMessage(totalNodes: number, counts: ReadonlyMap<string, number>): string {
  if (totalNodes === 0) return 'no nodes available to schedule pods';
  const parts = [...counts.entries()].map(([reason, n]) => `${n} ${reason}`).sort();
  if (parts.length === 0) return `0/${totalNodes} nodes are available.`;
  return `0/${totalNodes} nodes are available: ${parts.join(', ')}.`;
}
