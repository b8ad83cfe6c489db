/**
 * Pure computation of a Service's endpoints from its pods: the core/v1 Endpoints subsets (as the
 * endpoints controller, repacked by port set) and the discovery.k8s.io/v1 EndpointSlice contents (one
 * slice per distinct port set).
 */
import type { DiscoveryV1EndpointPort, V1Endpoint, V1EndpointAddress, V1EndpointPort, V1EndpointSubset, V1Pod, V1Service, V1ServicePort } from '../../client/index.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const SLICE_CONTROLLER_NAME = 'endpointslice-controller.k8s.io';

/** The service's selector, or undefined when it has none or is an ExternalName service (then the controllers manage no endpoints for it). */
export function serviceSelector(svc: V1Service): Readonly<Record<string, string>> | undefined {
  if (svc.spec?.type === 'ExternalName') return undefined;
  const sel = svc.spec?.selector;
  if (sel === undefined || Object.keys(sel).length === 0) return undefined;
  return sel;
}

export function selects(selector: Readonly<Record<string, string>>, pod: V1Pod): boolean {
  const labels = pod.metadata?.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function isPodReady(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** A pod with an address that can serve: it has an IP and has not finished. */
export function hasServingAddress(pod: V1Pod): boolean {
  const ip = pod.status?.podIP;
  if (ip === undefined || ip === '') return false;
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

/** A pod that belongs in the Endpoints: has a serving address and is not terminating. */
export function isEndpointCandidate(pod: V1Pod): boolean {
  return hasServingAddress(pod) && pod.metadata?.deletionTimestamp === undefined;
}

/** The container port a service port targets on this pod (targetPort number, or a named container port); undefined when the pod has no such port. */
export function resolvePort(sp: V1ServicePort, pod: V1Pod): number | undefined {
  const target = sp.targetPort;
  if (target === undefined || target === '') return sp.port;
  if (typeof target === 'number') return target;
  if (typeof target === 'string') {
    if (/^\d+$/.test(target)) return Number(target);
    for (const c of pod.spec?.containers ?? []) {
      for (const p of c.ports ?? []) {
        if (p.name === target && (p.protocol ?? 'TCP') === (sp.protocol ?? 'TCP')) return p.containerPort;
      }
    }
  }
  return undefined;
}

export interface ResolvedPort {
  readonly name: string;
  readonly port: number;
  readonly protocol: string;
  readonly appProtocol?: string;
}

export function podPorts(svc: V1Service, pod: V1Pod): ResolvedPort[] {
  const out: ResolvedPort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = resolvePort(sp, pod);
    if (port === undefined) continue;
    out.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol === undefined ? {} : { appProtocol: sp.appProtocol }) });
  }
  return out;
}

function portKey(ports: readonly ResolvedPort[]): string {
  return ports.map((p) => `${p.name}/${p.protocol}/${p.port}/${p.appProtocol ?? ''}`).join(',');
}

interface PodEndpoint {
  readonly pod: V1Pod;
  readonly ip: string;
  /** Receives new traffic: Ready (or the service publishes not-ready addresses) and not terminating. */
  readonly ready: boolean;
  /** Ready, whether terminating or not. */
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly ports: ResolvedPort[];
}

/**
 * The pods of `svc` (already selected) that belong in its endpoints, grouped by their resolved port
 * set, sorted. Terminating pods only with `includeTerminating` (EndpointSlices list them so proxies
 * can drain; Endpoints do not).
 */
function groups(svc: V1Service, pods: readonly V1Pod[], includeTerminating: boolean): Map<string, PodEndpoint[]> {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const out = new Map<string, PodEndpoint[]>();
  for (const pod of pods) {
    const terminating = pod.metadata?.deletionTimestamp !== undefined;
    if (!hasServingAddress(pod) || (terminating && !includeTerminating)) continue;
    const ports = podPorts(svc, pod);
    const key = portKey(ports);
    let list = out.get(key);
    if (list === undefined) {
      list = [];
      out.set(key, list);
    }
    const serving = publishNotReady || isPodReady(pod);
    list.push({ pod, ip: pod.status?.podIP ?? '', ready: serving && !terminating, serving, terminating, ports });
  }
  for (const list of out.values()) list.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function targetRef(pod: V1Pod): { kind: string; namespace: string; name: string; uid: string } {
  return { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' };
}

/** core/v1 Endpoints subsets: ready pods in addresses, the others in notReadyAddresses; pods with no resolvable port are left out (unless the service is headless without ports). */
export function endpointSubsets(svc: V1Service, pods: readonly V1Pod[]): V1EndpointSubset[] {
  const subsets: V1EndpointSubset[] = [];
  for (const list of groups(svc, pods, false).values()) {
    const first = list[0];
    // a pod none of whose ports resolve is left out, except for a headless service without ports
    const portless = svc.spec?.clusterIP === 'None' && (svc.spec.ports ?? []).length === 0;
    if (first === undefined || (first.ports.length === 0 && !portless)) continue;
    const address = (e: PodEndpoint): V1EndpointAddress => ({
      ip: e.ip,
      ...(e.pod.spec?.nodeName ? { nodeName: e.pod.spec.nodeName } : {}),
      targetRef: targetRef(e.pod),
    });
    const ready = list.filter((e) => e.ready).map(address);
    const notReady = list.filter((e) => !e.ready).map(address);
    const ports: V1EndpointPort[] = first.ports.map((p) => ({ ...(p.name === '' ? {} : { name: p.name }), port: p.port, protocol: p.protocol, ...(p.appProtocol === undefined ? {} : { appProtocol: p.appProtocol }) }));
    subsets.push({ ...(ready.length > 0 ? { addresses: ready } : {}), ...(notReady.length > 0 ? { notReadyAddresses: notReady } : {}), ...(ports.length > 0 ? { ports } : {}) });
  }
  return subsets;
}

export interface SliceContent {
  /** Identifies the port set and chunk (stable across syncs). */
  readonly key: string;
  readonly ports: DiscoveryV1EndpointPort[];
  readonly endpoints: V1Endpoint[];
}

/** Kubernetes' default --max-endpoints-per-slice. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

/**
 * EndpointSlice contents: per port set, chunks of at most `maxPerSlice` endpoints (sorted by IP);
 * a service with no endpoints gets one empty slice (as Kubernetes' placeholder).
 */
export function sliceContents(svc: V1Service, pods: readonly V1Pod[], maxPerSlice = MAX_ENDPOINTS_PER_SLICE): SliceContent[] {
  const out: SliceContent[] = [];
  const per = Math.max(1, maxPerSlice);
  for (const [key, list] of groups(svc, pods, true)) {
    const first = list[0];
    if (first === undefined) continue;
    const ports = first.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol, ...(p.appProtocol === undefined ? {} : { appProtocol: p.appProtocol }) }));
    for (let i = 0; i * per < list.length; i++) {
      out.push({
        key: i === 0 ? key : `${key}#${i}`,
        ports,
        endpoints: list.slice(i * per, (i + 1) * per).map((e) => ({
          addresses: [e.ip],
          conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating },
          ...(e.pod.spec?.nodeName ? { nodeName: e.pod.spec.nodeName } : {}),
          targetRef: targetRef(e.pod),
        })),
      });
    }
  }
  if (out.length === 0) out.push({ key: '', ports: [], endpoints: [] });
  return out;
}

/** A stable, valid slice name for a service and port set: `<service>-<8 hex>`. */
export function sliceName(svc: V1Service, key: string): string {
  const base = (svc.metadata?.name ?? '').slice(0, 54);
  return `${base}-${fnv1a(`${svc.metadata?.uid ?? ''}|${key}`)}`;
}

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
