/**
 * PodSandboxConfig and ContainerConfig as kubelet builds them from a pod (pure: every input is passed
 * in, the host side of subPaths resolved by the caller's `subPath`).
 */
import { join } from 'node:path';
import type { V1Container, V1Pod } from '../../../kube/client/index.js';
import type { RuntimeOptions } from '../runtime.js';
import type {
  ContainerConfig,
  KeyValue,
  LinuxContainerResources,
  Mount,
  NamespaceOption,
  PodSandboxConfig,
  PortMapping,
  Protocol,
  StringMap,
} from '../../../platform/cri/types.js';
import {
  ANNOTATION_GRACE,
  ANNOTATION_HASH,
  ANNOTATION_RESTART_COUNT,
  LABEL_CONTAINER_NAME,
  LABEL_CONTAINER_TYPE,
  LABEL_HOST_NETWORK,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  containerHash,
} from './labels.js';
import { quantity } from './quantity.js';
import { containerSecurity, sandboxSecurity } from './security.js';
import { checkSubPathSyntax } from './subpath.js';
import type { RestartPolicy } from './status.js';
import { currentSandbox, type PodView } from './view.js';

export const CPU_PERIOD_US = 100_000;
const MIN_CPU_SHARES = 2;
const DEFAULT_GRACE_SECONDS = 30;

export interface PodRef {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

export function podRef(pod: V1Pod): PodRef {
  return { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? 'default', uid: pod.metadata?.uid ?? '' };
}

export function isHostNetwork(pod: V1Pod): boolean {
  return pod.spec?.hostNetwork === true;
}

export function restartPolicyOf(pod: V1Pod | undefined): RestartPolicy {
  const p = pod?.spec?.restartPolicy;
  return p === 'OnFailure' || p === 'Never' ? p : 'Always';
}

/** The address probes and hooks reach the pod on. */
export function podHost(opts: RuntimeOptions, pod: V1Pod | undefined, view: PodView | undefined): string {
  if (pod !== undefined ? isHostNetwork(pod) : currentSandbox(view)?.hostNetwork === true) return opts.nodeIP;
  return currentSandbox(view)?.ip ?? '';
}

export function gracePeriodSeconds(pod: V1Pod): number {
  const g = pod.spec?.terminationGracePeriodSeconds;
  return typeof g === 'number' && g >= 0 ? g : DEFAULT_GRACE_SECONDS;
}

/** `<rootDir>/logs/pods/<ns>_<name>_<uid>`: the sandbox's log_directory. */
export function podLogDir(rootDir: string, ref: PodRef): string {
  return join(rootDir, 'logs', 'pods', `${ref.namespace}_${ref.name}_${ref.uid}`);
}

export function namespaceOptions(pod: V1Pod): NamespaceOption {
  const s = pod.spec;
  return {
    network: s?.hostNetwork === true ? 'NODE' : 'POD',
    pid: s?.hostPID === true ? 'NODE' : s?.shareProcessNamespace === true ? 'POD' : 'CONTAINER',
    ipc: s?.hostIPC === true ? 'NODE' : 'POD',
  };
}

function podLabels(pod: V1Pod, ref: PodRef): StringMap {
  return { ...(pod.metadata?.labels ?? {}), [LABEL_POD_NAME]: ref.name, [LABEL_POD_NAMESPACE]: ref.namespace, [LABEL_POD_UID]: ref.uid };
}

function protocolOf(p: string | undefined): Protocol {
  return p === 'UDP' || p === 'SCTP' ? p : 'TCP';
}

function allContainers(pod: V1Pod): V1Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}

function hostnameOf(pod: V1Pod, ref: PodRef): string {
  const h = pod.spec?.hostname ?? ref.name;
  return h.length > 63 ? h.slice(0, 63).replace(/[-.]+$/, '') : h;
}

/** Only dnsPolicy None is spelled out; otherwise the runtime copies the host's resolv.conf (there is no cluster DNS at the edge). */
function dnsConfig(pod: V1Pod): Pick<PodSandboxConfig, 'dnsConfig'> {
  const c = pod.spec?.dnsConfig;
  if (pod.spec?.dnsPolicy !== 'None' || c === undefined) return {};
  const options = (c.options ?? []).map((o) => (o.value !== undefined ? `${o.name ?? ''}:${o.value}` : (o.name ?? ''))).filter((o) => o !== '');
  return { dnsConfig: { servers: c.nameservers ?? [], searches: c.searches ?? [], options } };
}

export function sandboxConfig(pod: V1Pod, rootDir: string, attempt: number): PodSandboxConfig {
  const ref = podRef(pod);
  const hostNetwork = isHostNetwork(pod);
  const portMappings: PortMapping[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      const m: PortMapping = { protocol: protocolOf(p.protocol), containerPort: p.containerPort };
      portMappings.push({ ...m, ...(p.hostPort !== undefined ? { hostPort: p.hostPort } : {}), ...(p.hostIP !== undefined ? { hostIp: p.hostIP } : {}) });
    }
  }
  const labels = podLabels(pod, ref);
  if (hostNetwork) labels[LABEL_HOST_NETWORK] = 'true';
  return {
    metadata: { name: ref.name, namespace: ref.namespace, uid: ref.uid, attempt },
    ...(hostNetwork ? {} : { hostname: hostnameOf(pod, ref) }),
    logDirectory: podLogDir(rootDir, ref),
    ...dnsConfig(pod),
    portMappings,
    labels,
    annotations: { ...(pod.metadata?.annotations ?? {}) },
    linux: {
      cgroupParent: '',
      securityContext: {
        namespaceOptions: namespaceOptions(pod),
        privileged: allContainers(pod).some((c) => c.securityContext?.privileged === true),
        ...sandboxSecurity(pod, rootDir),
      },
    },
  };
}

/** cgroup settings from the container's requests and limits, as kubelet computes them. */
export function linuxResources(c: V1Container): LinuxContainerResources {
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const out: LinuxContainerResources = {};
  const cpuLimit = quantity(limits['cpu']);
  const cpuRequest = quantity(requests['cpu']) ?? cpuLimit;
  out.cpuShares = Math.max(MIN_CPU_SHARES, Math.floor((cpuRequest ?? 0) * 1024));
  if (cpuLimit !== undefined && cpuLimit > 0) {
    out.cpuPeriod = CPU_PERIOD_US;
    out.cpuQuota = Math.max(1000, Math.floor(cpuLimit * CPU_PERIOD_US));
  }
  const mem = quantity(limits['memory']);
  if (mem !== undefined && mem > 0) out.memoryLimitInBytes = Math.floor(mem);
  return out;
}

export interface ContainerInputs {
  readonly pod: V1Pod;
  readonly container: V1Container;
  readonly init: boolean;
  readonly restartCount: number;
  readonly env: Readonly<Record<string, string>>;
  readonly cmd: { readonly command?: readonly string[]; readonly args?: readonly string[] };
  /** Volume name → host directory (from prepareVolumes). */
  readonly hostPaths: ReadonlyMap<string, string>;
  /** Expands `$(VAR)` in subPathExpr. */
  readonly expand: (s: string) => string;
  /** edged's root directory (Localhost seccomp profiles live in `<rootDir>/seccomp`). */
  readonly rootDir: string;
  /**
   * The host path of `subPath` inside the volume directory; throws when it may not be mounted.
   * Default: the two joined (syntax checked only); the runtime passes resolveSubPath.
   */
  readonly subPath?: (volumeDir: string, subPath: string) => string;
}

function joinSubPath(base: string, sub: string): string {
  checkSubPathSyntax(sub);
  return join(base, sub);
}

/** The container's mounts; throws KE_EDGED_SUBPATH_INVALID for a subPath that may not be mounted. */
function mounts(i: ContainerInputs): Mount[] {
  const out: Mount[] = [];
  for (const m of i.container.volumeMounts ?? []) {
    const base = i.hostPaths.get(m.name);
    if (base === undefined) continue;
    const sub = m.subPath ?? (m.subPathExpr !== undefined ? i.expand(m.subPathExpr) : '');
    const propagation = m.mountPropagation === 'Bidirectional' ? 'PROPAGATION_BIDIRECTIONAL' : m.mountPropagation === 'HostToContainer' ? 'PROPAGATION_HOST_TO_CONTAINER' : 'PROPAGATION_PRIVATE';
    const hostPath = sub === '' ? base : (i.subPath ?? joinSubPath)(base, sub);
    out.push({ containerPath: m.mountPath, hostPath, readonly: m.readOnly === true, propagation });
  }
  return out;
}

export function containerLogRelPath(name: string, restartCount: number): string {
  return `${name}/${restartCount}.log`;
}

/** Throws KE_EDGED_SUBPATH_INVALID (see mounts). */
export function containerConfig(i: ContainerInputs): ContainerConfig {
  const { pod, container: c } = i;
  const ref = podRef(pod);
  const envs: KeyValue[] = Object.entries(i.env).map(([key, value]) => ({ key, value }));
  return {
    metadata: { name: c.name, attempt: i.restartCount },
    image: { image: c.image ?? '' },
    ...(i.cmd.command !== undefined ? { command: [...i.cmd.command] } : {}),
    ...(i.cmd.args !== undefined ? { args: [...i.cmd.args] } : {}),
    ...(c.workingDir !== undefined ? { workingDir: c.workingDir } : {}),
    envs,
    mounts: mounts(i),
    labels: {
      [LABEL_POD_NAME]: ref.name,
      [LABEL_POD_NAMESPACE]: ref.namespace,
      [LABEL_POD_UID]: ref.uid,
      [LABEL_CONTAINER_NAME]: c.name,
      [LABEL_CONTAINER_TYPE]: i.init ? 'init' : 'app',
    },
    annotations: {
      [ANNOTATION_RESTART_COUNT]: String(i.restartCount),
      [ANNOTATION_GRACE]: String(gracePeriodSeconds(pod)),
      [ANNOTATION_HASH]: containerHash(c),
    },
    logPath: containerLogRelPath(c.name, i.restartCount),
    stdin: c.stdin === true,
    stdinOnce: c.stdinOnce === true,
    tty: c.tty === true,
    linux: { resources: linuxResources(c), securityContext: { namespaceOptions: namespaceOptions(pod), ...containerSecurity(pod, c, i.rootDir) } },
  };
}
