/**
 * The Node edged registers and the status patches it reports (shapes of the captured edgecore
 * frames node-register.json and nodestatus-patch.json).
 */
import type { V1Node, V1NodeAddress, V1NodeCondition, V1NodeSystemInfo } from '../../kube/client/index.js';
import type { HostInfo } from './host-info.js';

export const KUBELET_VERSION = 'v1.32.3-kubeedge-ts-0.1.0';
export const KUBELET_PORT = 10350;

export interface NodeStatusPatch {
  readonly status: {
    readonly conditions: V1NodeCondition[];
    readonly addresses: V1NodeAddress[];
    readonly capacity: Record<string, string>;
    readonly allocatable: Record<string, string>;
    readonly nodeInfo: V1NodeSystemInfo;
  };
}

export interface NodeFacts {
  readonly nodeName: string;
  readonly nodeIP: string;
  readonly host: HostInfo;
  readonly maxPods: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly runtimeVersion: string;
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

export function addressesOf(f: NodeFacts): V1NodeAddress[] {
  const out: V1NodeAddress[] = [];
  if (f.nodeIP !== '') out.push({ type: 'InternalIP', address: f.nodeIP });
  out.push({ type: 'Hostname', address: f.nodeName });
  return out;
}

export function nodeInfoOf(f: NodeFacts): V1NodeSystemInfo {
  return {
    machineID: '',
    systemUUID: '',
    bootID: '',
    kernelVersion: f.host.kernelVersion,
    osImage: f.host.osImage,
    containerRuntimeVersion: f.runtimeVersion,
    kubeletVersion: KUBELET_VERSION,
    kubeProxyVersion: '',
    operatingSystem: f.host.operatingSystem,
    architecture: f.host.architecture,
  };
}

const CONDITIONS: readonly { type: string; status: string; reason: string; message: string }[] = [
  { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
  { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
  { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
  { type: 'Ready', status: 'True', reason: 'EdgeReady', message: 'edge is posting ready status' },
];

/** The four conditions; `heartbeat` (RFC 3339) only when given. */
export function conditionsOf(transition: string, heartbeat?: string): V1NodeCondition[] {
  return CONDITIONS.map((c) => (heartbeat === undefined ? { ...c, lastTransitionTime: transition } : { ...c, lastHeartbeatTime: heartbeat, lastTransitionTime: transition }));
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
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: f.nodeName, labels: labelsOf(f) },
    spec: {},
    status: {
      capacity,
      allocatable: { ...capacity },
      conditions: conditionsOf(now, now),
      addresses: addressesOf(f),
      daemonEndpoints: { kubeletEndpoint: { Port: KUBELET_PORT } },
      nodeInfo: nodeInfoOf(f),
    },
  };
}

/** The status part of a nodepatch; `heartbeat` only in the periodic report. */
export function nodeStatusPatch(f: NodeFacts, transition: string, heartbeat?: string): NodeStatusPatch {
  const capacity = capacityOf(f);
  return {
    status: {
      conditions: conditionsOf(transition, heartbeat),
      addresses: addressesOf(f),
      capacity,
      allocatable: { ...capacity },
      nodeInfo: nodeInfoOf(f),
    },
  };
}
