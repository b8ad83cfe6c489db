/**
 * The scheduler's view of pods and nodes: a PodInfo is what the filters and scores need from a pod,
 * computed once; a NodeInfo is a node plus the running sums of what the pods on it request, kept
 * incrementally as pods come and go (never recomputed from all pods).
 */
import type { V1Node, V1NodeSelectorTerm, V1Pod, V1PreferredSchedulingTerm, V1Taint, V1Toleration } from '../client/index.js';
import { addInto, nodeAllocatable, podRequests, type Resources } from './resources.js';

/** Requests assumed for scoring when a container asks for none (kube-scheduler's non-zero defaults). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export interface HostPort {
  readonly protocol: string;
  readonly hostIP: string;
  readonly port: number;
}

export interface PodInfo {
  /** `namespace/name`. */
  readonly key: string;
  readonly uid: string;
  readonly pod: V1Pod;
  readonly priority: number;
  readonly requests: Readonly<Resources>;
  /** cpu (milli) and memory with the non-zero defaults, for scoring. */
  readonly nonZeroCpu: number;
  readonly nonZeroMemory: number;
  readonly hostPorts: readonly HostPort[];
  readonly nodeSelector: Readonly<Record<string, string>> | undefined;
  readonly requiredTerms: readonly V1NodeSelectorTerm[] | undefined;
  readonly preferredTerms: readonly V1PreferredSchedulingTerm[];
  readonly tolerations: readonly V1Toleration[];
  readonly terminating: boolean;
}

export interface NodeInfo {
  readonly name: string;
  node: V1Node;
  labels: Readonly<Record<string, string>>;
  allocatable: Resources;
  /** NoSchedule and NoExecute taints only (PreferNoSchedule does not filter). */
  taints: readonly V1Taint[];
  ready: boolean;
  unschedulable: boolean;
  /** Sum of the requests of the pods on the node. */
  readonly requested: Resources;
  nonZeroCpu: number;
  nonZeroMemory: number;
  readonly pods: Map<string, PodInfo>;
  /** `protocol/port` → hostIP → pods using it. */
  readonly usedPorts: Map<string, Map<string, number>>;
  /** Pods nominated to this node by preemption, not bound yet. */
  readonly nominated: Map<string, PodInfo>;
}

export function podKey(pod: V1Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

export function makePodInfo(pod: V1Pod, priority: number): PodInfo {
  const requests = podRequests(pod);
  const hostPorts: HostPort[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.hostPort !== undefined && p.hostPort > 0) hostPorts.push({ protocol: p.protocol ?? 'TCP', hostIP: p.hostIP ?? '0.0.0.0', port: p.hostPort });
    }
  }
  const na = pod.spec?.affinity?.nodeAffinity;
  const nodeSelector = pod.spec?.nodeSelector;
  return {
    key: podKey(pod),
    uid: pod.metadata?.uid ?? '',
    pod,
    priority,
    requests,
    nonZeroCpu: requests['cpu'] ?? DEFAULT_MILLI_CPU_REQUEST,
    nonZeroMemory: requests['memory'] ?? DEFAULT_MEMORY_REQUEST,
    hostPorts,
    nodeSelector: nodeSelector !== undefined && Object.keys(nodeSelector).length > 0 ? nodeSelector : undefined,
    requiredTerms: na?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
    preferredTerms: na?.preferredDuringSchedulingIgnoredDuringExecution ?? [],
    tolerations: pod.spec?.tolerations ?? [],
    terminating: pod.metadata?.deletionTimestamp !== undefined,
  };
}

export function isNodeReady(node: V1Node): boolean {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

export function makeNodeInfo(node: V1Node): NodeInfo {
  const info: NodeInfo = {
    name: node.metadata?.name ?? '',
    node,
    labels: {},
    allocatable: {},
    taints: [],
    ready: false,
    unschedulable: false,
    requested: {},
    nonZeroCpu: 0,
    nonZeroMemory: 0,
    pods: new Map(),
    usedPorts: new Map(),
    nominated: new Map(),
  };
  setNode(info, node);
  return info;
}

/** Replaces the Node object of `info`, keeping its pods. */
export function setNode(info: NodeInfo, node: V1Node): void {
  info.node = node;
  info.labels = node.metadata?.labels ?? {};
  info.allocatable = nodeAllocatable(node);
  info.taints = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  info.ready = isNodeReady(node);
  info.unschedulable = node.spec?.unschedulable === true;
}

/** Whether a node change can make a pod fit that did not (so unschedulable pods should retry). */
export function nodeChangeMatters(a: NodeInfo, b: V1Node): boolean {
  const n = makeNodeInfo(b);
  return (
    a.ready !== n.ready ||
    a.unschedulable !== n.unschedulable ||
    JSON.stringify(a.labels) !== JSON.stringify(n.labels) ||
    JSON.stringify(a.taints) !== JSON.stringify(n.taints) ||
    JSON.stringify(a.allocatable) !== JSON.stringify(n.allocatable)
  );
}

export function addPodToNode(info: NodeInfo, p: PodInfo): void {
  if (info.pods.has(p.key)) removePodFromNode(info, p.key);
  info.pods.set(p.key, p);
  addInto(info.requested, p.requests);
  info.nonZeroCpu += p.nonZeroCpu;
  info.nonZeroMemory += p.nonZeroMemory;
  for (const hp of p.hostPorts) {
    const k = `${hp.protocol}/${hp.port}`;
    let ips = info.usedPorts.get(k);
    if (ips === undefined) {
      ips = new Map();
      info.usedPorts.set(k, ips);
    }
    ips.set(hp.hostIP, (ips.get(hp.hostIP) ?? 0) + 1);
  }
}

export function removePodFromNode(info: NodeInfo, key: string): PodInfo | undefined {
  const p = info.pods.get(key);
  if (p === undefined) return undefined;
  info.pods.delete(key);
  addInto(info.requested, p.requests, -1);
  info.nonZeroCpu -= p.nonZeroCpu;
  info.nonZeroMemory -= p.nonZeroMemory;
  for (const hp of p.hostPorts) {
    const k = `${hp.protocol}/${hp.port}`;
    const ips = info.usedPorts.get(k);
    if (ips === undefined) continue;
    const n = (ips.get(hp.hostIP) ?? 0) - 1;
    if (n > 0) ips.set(hp.hostIP, n);
    else ips.delete(hp.hostIP);
    if (ips.size === 0) info.usedPorts.delete(k);
  }
  return p;
}
