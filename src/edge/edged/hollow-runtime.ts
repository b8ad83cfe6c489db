/**
 * The hollow runtime: runs nothing. A synced pod is Running at once with every container running
 * and ready, unless its restartPolicy is not Always and annotation `hollow.kubeedge.io/outcome` is
 * `Succeeded` or `Failed`: then it runs `hollow.kubeedge.io/run-ms` ms and ends in that phase (the
 * convention of test/harness/hollow-nodes.ts). A pod synced with a status (edged passes the last
 * one it reported) keeps its start times and a finished phase, so a restart changes nothing.
 */
import { createHash } from 'node:crypto';

import type { V1ContainerStatus, V1Pod } from '../../kube/client/index.js';
import type { ContainerStatusReport, PodPhase, PodRuntime, PodStatusReport, RuntimeOptions } from './runtime.js';
import { parseTime, rfc3339 } from './time.js';

export const OUTCOME_ANNOTATION = 'hollow.kubeedge.io/outcome';
export const RUN_MS_ANNOTATION = 'hollow.kubeedge.io/run-ms';
/** Killed pods remembered for their final status before they are dropped. */
const KILLED_RETAINED = 256;

interface Ending {
  readonly phase: 'Succeeded' | 'Failed';
  readonly exitCode: number;
  readonly finishedAt: string;
}

interface HollowPod {
  readonly uid: string;
  readonly startedAt: string;
  containers: readonly { readonly name: string; readonly image: string }[];
  initContainers: readonly { readonly name: string; readonly image: string }[];
  ending: Ending | undefined;
  timer: { cancel(): void } | undefined;
}

type Outcome = { readonly phase: 'Running' } | { readonly phase: 'Succeeded' | 'Failed'; readonly runMs: number };

function outcomeOf(pod: V1Pod): Outcome {
  const policy = pod.spec?.restartPolicy;
  if (policy === undefined || policy === 'Always') return { phase: 'Running' };
  const a = pod.metadata?.annotations ?? {};
  const phase = a[OUTCOME_ANNOTATION];
  if (phase !== 'Succeeded' && phase !== 'Failed') return { phase: 'Running' };
  const ms = Number(a[RUN_MS_ANNOTATION] ?? '0');
  return { phase, runMs: Number.isFinite(ms) && ms > 0 ? ms : 0 };
}

function imageID(image: string): string {
  return `sha256:${createHash('sha256').update(image).digest('hex')}`;
}

function firstStart(statuses: readonly V1ContainerStatus[] | undefined): string | undefined {
  for (const s of statuses ?? []) {
    const at = s.state?.running?.startedAt ?? s.state?.terminated?.startedAt;
    if (typeof at === 'string' && parseTime(at) !== undefined) return at;
  }
  return undefined;
}

/** A finished phase the pod already reported (kept across restarts). */
function previousEnding(pod: V1Pod): Ending | undefined {
  const phase = pod.status?.phase;
  if (phase !== 'Succeeded' && phase !== 'Failed') return undefined;
  const t = (pod.status?.containerStatuses ?? []).map((s) => s.state?.terminated).find((x) => x !== undefined);
  return { phase, exitCode: t?.exitCode ?? (phase === 'Succeeded' ? 0 : 1), finishedAt: t?.finishedAt ?? pod.status?.startTime ?? rfc3339(0) };
}

export const HOLLOW_RUNTIME_VERSION = 'hollow://0.1.0';

export function createHollowRuntime(opts: Pick<RuntimeOptions, 'clock' | 'nodeIP'>): PodRuntime {
  const { clock, nodeIP } = opts;
  const pods = new Map<string, HollowPod>();
  const killed: string[] = [];
  const listeners: ((uid: string) => void)[] = [];
  const notify = (uid: string): void => {
    for (const cb of listeners) cb(uid);
  };
  const containersOf = (pod: V1Pod, init: boolean): { name: string; image: string }[] =>
    ((init ? pod.spec?.initContainers : pod.spec?.containers) ?? []).map((c) => ({ name: c.name, image: c.image ?? '' }));

  const finish = (p: HollowPod, phase: 'Succeeded' | 'Failed', exitCode: number): void => {
    p.timer?.cancel();
    p.timer = undefined;
    if (p.ending !== undefined) return;
    p.ending = { phase, exitCode, finishedAt: rfc3339(clock.now()) };
  };

  const containerReport = (p: HollowPod, c: { name: string; image: string }, init: boolean): ContainerStatusReport => {
    const containerID = `hollow://${p.uid}/${c.name}`;
    const base = { name: c.name, image: c.image, imageID: imageID(c.image), containerID, restartCount: 0 };
    if (init) {
      return { ...base, ready: true, started: false, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: p.startedAt, finishedAt: p.startedAt, containerID } } };
    }
    const e = p.ending;
    if (e === undefined) return { ...base, ready: true, started: true, state: { running: { startedAt: p.startedAt } } };
    const reason = e.exitCode === 0 ? 'Completed' : 'Error';
    return { ...base, ready: false, started: false, state: { terminated: { exitCode: e.exitCode, reason, startedAt: p.startedAt, finishedAt: e.finishedAt, containerID } } };
  };

  return {
    name: 'hollow',
    start: () => Promise.resolve(),
    version: () => HOLLOW_RUNTIME_VERSION,
    images: () => Promise.resolve([]),
    // Hollow pods live only in memory: nothing survives a restart to be orphaned.
    removeOrphans: () => Promise.resolve(),
    containerLogPath: () => undefined,
    syncPod(pod) {
      const uid = pod.metadata?.uid;
      if (uid === undefined || uid === '') return Promise.resolve();
      const known = pods.get(uid);
      if (known !== undefined) {
        known.containers = containersOf(pod, false);
        known.initContainers = containersOf(pod, true);
        return Promise.resolve();
      }
      const now = clock.now();
      const startedAt = firstStart(pod.status?.containerStatuses) ?? rfc3339(now);
      const p: HollowPod = {
        uid,
        startedAt,
        containers: containersOf(pod, false),
        initContainers: containersOf(pod, true),
        ending: previousEnding(pod),
        timer: undefined,
      };
      pods.set(uid, p);
      const o = outcomeOf(pod);
      if (p.ending === undefined && o.phase !== 'Running') {
        const due = (parseTime(startedAt) ?? now) + o.runMs;
        const end = (): void => {
          finish(p, o.phase, o.phase === 'Succeeded' ? 0 : 1);
          notify(uid);
        };
        if (due <= now) finish(p, o.phase, o.phase === 'Succeeded' ? 0 : 1);
        else p.timer = clock.setTimeout(end, due - now);
      }
      notify(uid);
      return Promise.resolve();
    },
    killPod(pod) {
      const uid = pod.metadata?.uid ?? '';
      const p = pods.get(uid);
      if (p === undefined || p.ending !== undefined) {
        p?.timer?.cancel();
        return Promise.resolve();
      }
      finish(p, 'Succeeded', 0);
      killed.push(uid);
      while (killed.length > KILLED_RETAINED) {
        const old = killed.shift();
        if (old !== undefined) pods.delete(old);
      }
      return Promise.resolve();
    },
    podStatus(pod): PodStatusReport | undefined {
      const p = pods.get(pod.metadata?.uid ?? '');
      if (p === undefined) return undefined;
      const phase: PodPhase = p.ending?.phase ?? 'Running';
      return {
        phase,
        podIP: nodeIP,
        containers: p.containers.map((c) => containerReport(p, c, false)),
        initContainers: p.initContainers.map((c) => containerReport(p, c, true)),
      };
    },
    onChange(cb) {
      listeners.push(cb);
    },
    stop() {
      for (const p of pods.values()) p.timer?.cancel();
      pods.clear();
      return Promise.resolve();
    },
  };
}

