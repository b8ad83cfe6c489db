/**
 * The pod status edged reports (op patch on `<ns>/podpatch/<name>`, content a strategic-merge-patch
 * string `{metadata:{uid}, status}`), built from the runtime's report. Condition transition times
 * carry over from the previous status while a condition keeps its value.
 */
import type { V1ContainerStatus, V1PodCondition, V1PodStatus } from '../../kube/client/index.js';
import type { ContainerStatusReport, PodStatusReport } from './runtime.js';

export interface PodPatch {
  readonly metadata: { readonly uid: string };
  readonly status: V1PodStatus;
}

function containerStatus(c: ContainerStatusReport): V1ContainerStatus {
  const out: V1ContainerStatus = {
    name: c.name,
    image: c.image,
    imageID: c.imageID,
    containerID: c.containerID,
    ready: c.ready,
    started: c.started,
    restartCount: c.restartCount,
    state: c.state,
  };
  if (c.lastState !== undefined) out.lastState = c.lastState;
  return out;
}

function condition(type: string, ok: boolean, reason: string | undefined, prev: readonly V1PodCondition[], now: string): V1PodCondition {
  const status = ok ? 'True' : 'False';
  const before = prev.find((c) => c.type === type);
  const lastTransitionTime = before !== undefined && before.status === status && typeof before.lastTransitionTime === 'string' ? before.lastTransitionTime : now;
  return reason === undefined ? { type, status, lastTransitionTime } : { type, status, reason, lastTransitionTime };
}

export function buildPodStatus(report: PodStatusReport, prev: V1PodStatus | undefined, hostIP: string, startTime: string, now: string): V1PodStatus {
  const prevConds = prev?.conditions ?? [];
  const allReady = report.containers.length > 0 && report.containers.every((c) => c.ready);
  const notReadyReason = report.phase === 'Succeeded' ? 'PodCompleted' : report.phase === 'Failed' ? 'PodFailed' : 'ContainersNotReady';
  const initialized = report.initialized ?? true;
  const conditions = [
    condition('PodScheduled', true, undefined, prevConds, now),
    condition('Initialized', initialized, initialized ? undefined : 'ContainersNotInitialized', prevConds, now),
    condition('ContainersReady', allReady, allReady ? undefined : notReadyReason, prevConds, now),
    condition('Ready', allReady, allReady ? undefined : notReadyReason, prevConds, now),
  ];
  const status: V1PodStatus = {
    phase: report.phase,
    conditions,
    hostIP,
    hostIPs: [{ ip: hostIP }],
    startTime,
    containerStatuses: report.containers.map(containerStatus),
  };
  if (report.podIP !== '') {
    status.podIP = report.podIP;
    status.podIPs = [{ ip: report.podIP }];
  }
  if (report.initContainers.length > 0) status.initContainerStatuses = report.initContainers.map(containerStatus);
  return status;
}
