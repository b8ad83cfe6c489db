/**
 * Pure decisions of the node lifecycle controller about one node: is it healthy (from the last time
 * its kubelet was heard of), which conditions to write when it went silent, and which taints it
 * should carry (Kubernetes' node lifecycle controller + TaintNodeByCondition).
 */
import type { V1Node, V1NodeCondition, V1Taint } from '../../client/index.js';

export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const EDGE_ROLE_LABEL = 'node-role.kubernetes.io/edge';
export const NODE_STATUS_UNKNOWN_REASON = 'NodeStatusUnknown';
export const NODE_STATUS_UNKNOWN_MESSAGE = 'Kubelet stopped posting node status.';
/** The conditions a kubelet posts; all of them turn Unknown when it goes silent. */
const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

/** What the controller concludes about a node's Ready state. */
export type NodeReadiness = 'True' | 'False' | 'Unknown';

export function isEdgeNode(node: V1Node): boolean {
  return node.metadata?.labels?.[EDGE_ROLE_LABEL] !== undefined;
}

export function readyCondition(node: V1Node): V1NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

export function readiness(node: V1Node): NodeReadiness {
  const s = readyCondition(node)?.status;
  return s === 'True' || s === 'False' ? s : 'Unknown';
}

/** True when the kubelet has not been heard of (lease renewal or status heartbeat) within the grace period. */
export function isSilent(lastProbeMs: number, nowMs: number, graceMs: number): boolean {
  return nowMs - lastProbeMs > graceMs;
}

/**
 * The conditions to post for a node whose kubelet went silent: every kubelet condition Unknown
 * (added if missing), lastHeartbeatTime kept, lastTransitionTime now where the status changes.
 * Undefined when they already are Unknown.
 */
export function unknownConditions(node: V1Node, nowIso: string): V1NodeCondition[] | undefined {
  const current = node.status?.conditions ?? [];
  let changed = false;
  const out: V1NodeCondition[] = current.map((c) => {
    if (!(KUBELET_CONDITIONS as readonly string[]).includes(c.type) || c.status === 'Unknown') return c;
    changed = true;
    return { ...c, status: 'Unknown', reason: NODE_STATUS_UNKNOWN_REASON, message: NODE_STATUS_UNKNOWN_MESSAGE, lastTransitionTime: nowIso };
  });
  for (const type of KUBELET_CONDITIONS) {
    if (current.some((c) => c.type === type)) continue;
    changed = true;
    out.push({ type, status: 'Unknown', reason: NODE_STATUS_UNKNOWN_REASON, message: NODE_STATUS_UNKNOWN_MESSAGE, lastTransitionTime: nowIso, lastHeartbeatTime: nowIso });
  }
  return changed ? out : undefined;
}

function isLifecycleTaint(t: V1Taint): boolean {
  return (t.key === TAINT_UNREACHABLE || t.key === TAINT_NOT_READY) && (t.effect === 'NoSchedule' || t.effect === 'NoExecute');
}

/**
 * The taints the node should carry for its readiness: unreachable (Unknown) or not-ready (False),
 * NoSchedule and NoExecute, with timeAdded kept from an existing taint or set to now. Other taints
 * are left as they are. Undefined when nothing changes.
 */
export function desiredTaints(node: V1Node, ready: NodeReadiness, nowIso: string): V1Taint[] | undefined {
  const current = node.spec?.taints ?? [];
  const key = ready === 'Unknown' ? TAINT_UNREACHABLE : ready === 'False' ? TAINT_NOT_READY : undefined;
  const keep = current.filter((t) => !isLifecycleTaint(t) || t.key === key);
  const want: V1Taint[] = [...keep];
  if (key !== undefined) {
    for (const effect of ['NoSchedule', 'NoExecute'] as const) {
      if (keep.some((t) => t.key === key && t.effect === effect)) continue;
      want.push({ key, effect, timeAdded: nowIso });
    }
  }
  const same = want.length === current.length && want.every((t, i) => t === current[i]);
  return same ? undefined : want;
}
