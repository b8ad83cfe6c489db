/**
 * The Node edged registers and the status patches it reports (shapes of the captured edgecore
 * frames node-register.json and nodestatus-patch.json).
 */
import type { V1ContainerImage, V1Node, V1NodeAddress, V1NodeCondition, V1NodeSystemInfo } from '../../kube/client/index.js';
import type { HostInfo } from './host-info.js';
import type { RuntimeImage } from './runtime.js';

/** kubelet's hard eviction defaults, which also make the pressure conditions and cut allocatable. */
export const EVICTION_MEMORY_AVAILABLE_BYTES = 100 * 1024 * 1024;
export const EVICTION_NODEFS_AVAILABLE_PERCENT = 10;
/** PIDPressure once fewer than this share of kernel.pid_max is free. */
export const PID_AVAILABLE_PERCENT = 5;
/** kubelet's nodeStatusMaxImages. */
export const MAX_IMAGES = 50;

export const KUBELET_VERSION = 'v1.32.3-kubeedge-ts-0.1.0';
export const KUBELET_PORT = 10350;

export interface NodeStatusPatch {
  readonly status: {
    readonly conditions: V1NodeCondition[];
    readonly addresses: V1NodeAddress[];
    readonly capacity: Record<string, string>;
    readonly allocatable: Record<string, string>;
    readonly nodeInfo: V1NodeSystemInfo;
    readonly images: V1ContainerImage[];
  };
}

/** When each condition type last changed status (kept by the caller across reports). */
export type TransitionOf = (type: string, status: string) => string;

export interface NodeFacts {
  readonly nodeName: string;
  readonly nodeIP: string;
  readonly host: HostInfo;
  readonly maxPods: number;
  readonly labels: Readonly<Record<string, string>>;
  /** '' while the runtime has not answered. */
  readonly runtimeVersion: string;
  readonly runtimeReady: boolean;
  readonly images: readonly RuntimeImage[];
}

export function capacityOf(f: NodeFacts): Record<string, string> {
  const c: Record<string, string> = {
    cpu: String(f.host.cpus),
    memory: `${Math.floor(f.host.memoryBytes / 1024)}Ki`,
    pods: String(f.maxPods),
  };
  if (f.host.ephemeralStorageBytes > 0) c['ephemeral-storage'] = `${Math.floor(f.host.ephemeralStorageBytes / 1024)}Ki`;
  return c;
}

/** Capacity minus the hard eviction thresholds (no kube/system reservations are configured). */
export function allocatableOf(f: NodeFacts): Record<string, string> {
  const a = capacityOf(f);
  const mem = Math.max(0, f.host.memoryBytes - EVICTION_MEMORY_AVAILABLE_BYTES);
  a['memory'] = `${Math.floor(mem / 1024)}Ki`;
  if (f.host.ephemeralStorageBytes > 0) {
    const eph = Math.floor((f.host.ephemeralStorageBytes * (100 - EVICTION_NODEFS_AVAILABLE_PERCENT)) / 100);
    a['ephemeral-storage'] = String(eph);
  }
  return a;
}

/** The runtime's images, biggest first, at most MAX_IMAGES (as kubelet lists them). */
export function imagesOf(f: NodeFacts): V1ContainerImage[] {
  return [...f.images]
    .filter((i) => i.names.length > 0)
    .sort((a, b) => b.sizeBytes - a.sizeBytes)
    .slice(0, MAX_IMAGES)
    .map((i) => ({ names: [...i.names], sizeBytes: i.sizeBytes }));
}

export function addressesOf(f: NodeFacts): V1NodeAddress[] {
  const out: V1NodeAddress[] = [];
  if (f.nodeIP !== '') out.push({ type: 'InternalIP', address: f.nodeIP });
  out.push({ type: 'Hostname', address: f.nodeName });
  return out;
}

export function nodeInfoOf(f: NodeFacts): V1NodeSystemInfo {
  return {
    machineID: f.host.machineID,
    systemUUID: f.host.systemUUID,
    bootID: f.host.bootID,
    kernelVersion: f.host.kernelVersion,
    osImage: f.host.osImage,
    containerRuntimeVersion: f.runtimeVersion,
    kubeletVersion: KUBELET_VERSION,
    kubeProxyVersion: '',
    operatingSystem: f.host.operatingSystem,
    architecture: f.host.architecture,
  };
}

interface ConditionValue {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
}

function pressure(type: string, on: boolean, yes: [string, string], no: [string, string]): ConditionValue {
  const [reason, message] = on ? yes : no;
  return { type, status: on ? 'True' : 'False', reason, message };
}

/** The four conditions as kubelet words them, from the host's state and the runtime's. */
export function conditionValues(f: NodeFacts): ConditionValue[] {
  const h = f.host;
  const memory = h.memoryAvailableBytes > 0 && h.memoryAvailableBytes < EVICTION_MEMORY_AVAILABLE_BYTES;
  const disk = h.ephemeralStorageBytes > 0 && (h.ephemeralStorageAvailableBytes * 100) / h.ephemeralStorageBytes < EVICTION_NODEFS_AVAILABLE_PERCENT;
  const pid = h.pidMax > 0 && ((h.pidMax - h.pidCount) * 100) / h.pidMax < PID_AVAILABLE_PERCENT;
  return [
    pressure('MemoryPressure', memory, ['KubeletHasInsufficientMemory', 'kubelet has insufficient memory available'], ['KubeletHasSufficientMemory', 'kubelet has sufficient memory available']),
    pressure('DiskPressure', disk, ['KubeletHasDiskPressure', 'kubelet has disk pressure'], ['KubeletHasNoDiskPressure', 'kubelet has no disk pressure']),
    pressure('PIDPressure', pid, ['KubeletHasInsufficientPID', 'kubelet has insufficient PID available'], ['KubeletHasSufficientPID', 'kubelet has sufficient PID available']),
    f.runtimeReady
      ? { type: 'Ready', status: 'True', reason: 'EdgeReady', message: 'edge is posting ready status' }
      : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'container runtime is down' },
  ];
}

/** The conditions with their transition times; `heartbeat` (RFC 3339) only when given. */
export function conditionsOf(f: NodeFacts, transitionOf: TransitionOf, heartbeat?: string): V1NodeCondition[] {
  return conditionValues(f).map((c) => {
    const lastTransitionTime = transitionOf(c.type, c.status);
    return heartbeat === undefined ? { ...c, lastTransitionTime } : { ...c, lastHeartbeatTime: heartbeat, lastTransitionTime };
  });
}

export function labelsOf(f: NodeFacts): Record<string, string> {
  return {
    'kubernetes.io/hostname': f.nodeName,
    'kubernetes.io/os': f.host.operatingSystem,
    'kubernetes.io/arch': f.host.architecture,
    'node-role.kubernetes.io/edge': '',
    'node-role.kubernetes.io/agent': '',
    ...f.labels,
  };
}

/** The Node of the registration `insert` (default/node/<name>). */
export function nodeForRegistration(f: NodeFacts, now: string): V1Node {
  const capacity = capacityOf(f);
  const images = imagesOf(f);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: f.nodeName, labels: labelsOf(f) },
    spec: {},
    status: {
      capacity,
      allocatable: allocatableOf(f),
      conditions: conditionsOf(f, () => now, now),
      addresses: addressesOf(f),
      daemonEndpoints: { kubeletEndpoint: { Port: KUBELET_PORT } },
      nodeInfo: nodeInfoOf(f),
      ...(images.length > 0 ? { images } : {}),
    },
  };
}

/** The status part of a nodepatch; `heartbeat` only in the periodic report. */
export function nodeStatusPatch(f: NodeFacts, transitionOf: TransitionOf, heartbeat?: string): NodeStatusPatch {
  return {
    status: {
      conditions: conditionsOf(f, transitionOf, heartbeat),
      addresses: addressesOf(f),
      capacity: capacityOf(f),
      allocatable: allocatableOf(f),
      nodeInfo: nodeInfoOf(f),
      images: imagesOf(f),
    },
  };
}
