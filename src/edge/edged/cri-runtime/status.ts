/** The pod status report from the CRI view, probe results and the runtime's own waiting reasons (pure). */
import type { ContainerState, ContainerStatusReport, PodPhase, PodStatusReport } from '../runtime.js';
import { rfc3339 } from '../time.js';
import { containersNamed, type ContainerInfo, type PodView } from './view.js';

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface Waiting {
  readonly reason: string;
  readonly message?: string;
}

export interface ContainerSlot {
  readonly name: string;
  /** The spec's image ('' when the spec is unknown). */
  readonly image: string;
}

export interface StatusInputs {
  readonly view: PodView | undefined;
  readonly init: readonly ContainerSlot[];
  readonly app: readonly ContainerSlot[];
  readonly restartPolicy: RestartPolicy;
  readonly podIP: string;
  /** Why a container is waiting, by name (pull errors, config errors, CrashLoopBackOff...). */
  readonly waiting: ReadonlyMap<string, Waiting>;
  readonly ready: (containerId: string) => boolean;
  readonly started: (containerId: string) => boolean;
  /** The pod was killed: no container runs again. */
  readonly terminal?: boolean;
}

export function terminatedState(c: ContainerInfo): ContainerState {
  const reason = c.reason !== '' ? c.reason : c.exitCode === 0 ? 'Completed' : 'Error';
  return {
    terminated: {
      exitCode: c.exitCode,
      reason,
      startedAt: c.startedAt > 0 ? rfc3339(c.startedAt) : '',
      finishedAt: c.finishedAt > 0 ? rfc3339(c.finishedAt) : '',
      containerID: `containerd://${c.id}`,
    },
  };
}

function containerReport(slot: ContainerSlot, inp: StatusInputs, init: boolean, initDone: boolean): ContainerStatusReport {
  const all = containersNamed(inp.view, slot.name);
  const cur = all[0];
  const prev = all[1];
  const prevState = prev !== undefined && prev.state === 'CONTAINER_EXITED' ? terminatedState(prev) : undefined;
  const recorded = inp.waiting.get(slot.name);
  let state: ContainerState;
  let lastState: ContainerState | undefined;
  if (cur?.state === 'CONTAINER_RUNNING') {
    state = { running: { startedAt: rfc3339(cur.startedAt > 0 ? cur.startedAt : Date.now()) } };
    lastState = prevState;
  } else if (recorded !== undefined) {
    state = { waiting: recorded.message !== undefined ? { reason: recorded.reason, message: recorded.message } : { reason: recorded.reason } };
    lastState = cur?.state === 'CONTAINER_EXITED' ? terminatedState(cur) : prevState;
  } else if (cur?.state === 'CONTAINER_EXITED') {
    state = terminatedState(cur);
    lastState = prevState;
  } else {
    state = { waiting: { reason: !init && !initDone ? 'PodInitializing' : 'ContainerCreating' } };
    lastState = prevState;
  }
  const running = 'running' in state && cur !== undefined;
  const report: ContainerStatusReport = {
    name: slot.name,
    image: slot.image !== '' ? slot.image : (cur?.image ?? ''),
    imageID: cur?.imageRef ?? '',
    containerID: cur !== undefined ? `containerd://${cur.id}` : '',
    // An init container is ready once it succeeded (as kubelet reports it).
    ready: init ? 'terminated' in state && state.terminated.exitCode === 0 : running && inp.ready(cur.id),
    started: running && inp.started(cur.id),
    restartCount: cur?.restartCount ?? 0,
    state,
  };
  return lastState !== undefined ? { ...report, lastState } : report;
}

const exitedOk = (c: ContainerStatusReport): boolean => 'terminated' in c.state && c.state.terminated.exitCode === 0;

/** kubelet's getPhase; `terminal` for a pod whose containers were stopped for good (killed). */
export function podPhase(policy: RestartPolicy, init: readonly ContainerStatusReport[], app: readonly ContainerStatusReport[], terminal = false): PodPhase {
  let pendingInit = 0;
  let failedInit = 0;
  for (const c of init) {
    if ('running' in c.state) pendingInit++;
    else if ('terminated' in c.state) {
      if (c.state.terminated.exitCode !== 0) failedInit++;
    } else if (c.lastState !== undefined && 'terminated' in c.lastState) {
      if (c.lastState.terminated.exitCode !== 0) failedInit++;
    } else pendingInit++;
  }
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of app) {
    if ('running' in c.state) running++;
    else if ('terminated' in c.state) {
      stopped++;
      if (c.state.terminated.exitCode === 0) succeeded++;
    } else if (c.lastState !== undefined && 'terminated' in c.lastState) stopped++;
    else waiting++;
  }
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if (pendingInit > 0 || waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (terminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

export function podStatusReport(inp: StatusInputs): PodStatusReport {
  const initReports: ContainerStatusReport[] = [];
  let initDone = true;
  for (const slot of inp.init) {
    const r = containerReport(slot, inp, true, true);
    initReports.push(r);
    if (!exitedOk(r)) initDone = false;
  }
  const appReports = inp.app.map((slot) => containerReport(slot, inp, false, initDone));
  return {
    phase: podPhase(inp.restartPolicy, initReports, appReports, inp.terminal === true),
    podIP: inp.podIP,
    containers: appReports,
    initContainers: initReports,
    initialized: initDone,
  };
}
