/**
 * Which nodes a DaemonSet's pod belongs on (kube-controller-manager's NodeShouldRunDaemonPod), as pure
 * functions: node name, nodeSelector and required node affinity, and NoSchedule/NoExecute taints
 * against the template's tolerations plus the tolerations every daemon pod gets.
 */
import { labelSelectorMatches, nodeRequirementMatches, tolerates } from '../common/matching.js';
import type {
  V1DaemonSet,
  V1Node,
  V1NodeSelectorTerm,
  V1PodSpec,
  V1Taint,
  V1Toleration,
} from '../../client/index.js';

export const EDGE_ROLE_LABEL = 'node-role.kubernetes.io/edge';

/** The tolerations kube-controller-manager adds to every daemon pod (AddOrUpdateDaemonPodTolerations). */
export function daemonPodTolerations(hostNetwork: boolean): V1Toleration[] {
  const t = (key: string, effect: string): V1Toleration => ({ key, operator: 'Exists', effect });
  const out = [
    t('node.kubernetes.io/not-ready', 'NoExecute'),
    t('node.kubernetes.io/unreachable', 'NoExecute'),
    t('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    t('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    t('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    t('node.kubernetes.io/unschedulable', 'NoSchedule'),
  ];
  if (hostNetwork) out.push(t('node.kubernetes.io/network-unavailable', 'NoSchedule'));
  return out;
}

/** The template's tolerations plus the daemon ones it does not already have (same key, operator, effect). */
export function withDaemonTolerations(spec: V1PodSpec | undefined): V1Toleration[] {
  const own = spec?.tolerations ?? [];
  const out = [...own];
  for (const d of daemonPodTolerations(spec?.hostNetwork === true)) {
    const dup = own.some((o) => o.key === d.key && (o.operator ?? 'Equal') === d.operator && (o.effect ?? '') === d.effect && o.tolerationSeconds === undefined);
    if (!dup) out.push(d);
  }
  return out;
}


/** The first taint with one of `effects` that no toleration tolerates. */
export function untoleratedTaint(taints: readonly V1Taint[], tolerations: readonly V1Toleration[], effects: readonly string[]): V1Taint | undefined {
  return taints.find((t) => effects.includes(t.effect) && !tolerations.some((tol) => tolerates(tol, t)));
}


/** One node selector term: every expression (labels) and field (metadata.name only) must match; an empty term matches nothing. */
export function termMatches(term: V1NodeSelectorTerm, node: V1Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  for (const e of exprs) if (!nodeRequirementMatches(e, Object.hasOwn(labels, e.key) ? labels[e.key] : undefined)) return false;
  for (const f of fields) {
    if (f.key !== 'metadata.name') return false;
    if (!nodeRequirementMatches(f, node.metadata?.name)) return false;
  }
  return true;
}

/** nodeSelector and requiredDuringSchedulingIgnoredDuringExecution (terms ORed). */
export function fitsNodeAffinity(spec: V1PodSpec | undefined, node: V1Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required === undefined) return true;
  return required.nodeSelectorTerms.some((t) => termMatches(t, node));
}


export interface Placement {
  /** A daemon pod should be created here if missing. */
  readonly shouldRun: boolean;
  /** A daemon pod already here may stay (false: delete it). */
  readonly shouldContinueRunning: boolean;
  /** Why not, for logs and tests. */
  readonly reason?: 'NodeName' | 'NodeAffinity' | 'Taint';
  readonly taint?: V1Taint;
}

/** NodeShouldRunDaemonPod: (shouldRun, shouldContinueRunning) for this DaemonSet on this node. */
export function nodeShouldRunDaemonPod(node: V1Node, ds: V1DaemonSet): Placement {
  const spec = ds.spec?.template.spec;
  const nodeName = node.metadata?.name ?? '';
  if (spec?.nodeName !== undefined && spec.nodeName !== '' && spec.nodeName !== nodeName) return { shouldRun: false, shouldContinueRunning: false, reason: 'NodeName' };
  if (!fitsNodeAffinity(spec, node)) return { shouldRun: false, shouldContinueRunning: false, reason: 'NodeAffinity' };
  const tolerations = withDaemonTolerations(spec);
  const taints = node.spec?.taints ?? [];
  const blocking = untoleratedTaint(taints, tolerations, ['NoSchedule', 'NoExecute']);
  if (blocking === undefined) return { shouldRun: true, shouldContinueRunning: true };
  // a daemon pod already on the node stays unless a NoExecute taint would evict it
  const evicting = untoleratedTaint(taints, tolerations, ['NoExecute']);
  return { shouldRun: false, shouldContinueRunning: evicting === undefined, reason: 'Taint', taint: blocking };
}

export function isEdgeNode(node: V1Node): boolean {
  return Object.hasOwn(node.metadata?.labels ?? {}, EDGE_ROLE_LABEL);
}

export { labelSelectorMatches, tolerates };
