/**
 * The `process` runtime, for hosts without a container runtime: every container's command runs as
 * a host process in `<rootDir>/pods/<uid>/containers/<name>/`, logs go to
 * `<rootDir>/pods/<uid>/logs/<name>/0.log` (CRI format). There is NO isolation: processes share
 * the host's network, filesystem, users and PIDs, and `image` is ignored. configMap/secret volumes
 * are written to `<podDir>/volumes/<volume>/` and linked at `<cwd>/<mountPath>` (relative to the
 * container's working directory, since nothing is mounted).
 */
import { mkdirSync, symlinkSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { systemClock, type Clock } from '../../../base/index.js';
import type { V1Pod, V1Volume } from '../../../kube/client/index.js';
import type { Logger } from '../../../platform/log/index.js';
import type { ContainerStatusReport, PodPhase, PodRuntime, PodStatusReport } from '../runtime.js';
import { containerEnv } from './container-env.js';
import { createContainerProcess, DEFAULT_BACKOFF, type Backoff, type ContainerProcess, type RestartPolicy } from './container-process.js';

/** Killed pods remembered for their final status before they are dropped. */
const KILLED_RETAINED = 256;
/** Grace for SIGTERM → SIGKILL when the runtime itself stops. */
const STOP_GRACE_SECONDS = 5;

export interface ProcessRuntimeOptions {
  readonly rootDir: string;
  readonly clock?: Clock;
  readonly log: Logger;
  /** Reported as every pod's IP (host network). */
  readonly nodeIP: string;
  /** Files of a configMap/secret volume (key → content); undefined when unknown. */
  readonly readVolume?: (pod: V1Pod, volume: V1Volume) => Record<string, string> | undefined;
  /** Restart backoff; default 10 s doubling to 300 s. */
  readonly backoff?: Backoff;
}

interface ProcessPod {
  readonly uid: string;
  init: readonly ContainerProcess[];
  main: readonly ContainerProcess[];
  readonly images: Map<string, string>;
  killed: boolean;
}

function isDoneOk(c: ContainerProcess): boolean {
  const s = c.state();
  return c.done() && 'terminated' in s && s.terminated.exitCode === 0;
}

function phaseOf(p: ProcessPod): PodPhase {
  for (const c of p.init) {
    if (!c.done()) return 'Pending';
    if (!isDoneOk(c)) return 'terminated' in c.state() ? 'Failed' : 'Pending';
  }
  if (p.main.length > 0 && p.main.every((c) => c.done() && 'terminated' in c.state())) {
    return p.main.every(isDoneOk) ? 'Succeeded' : 'Failed';
  }
  return p.main.some((c) => !('waiting' in c.state())) ? 'Running' : 'Pending';
}

function writeVolumes(pod: V1Pod, podDir: string, read: ProcessRuntimeOptions['readVolume']): void {
  if (read === undefined) return;
  for (const v of pod.spec?.volumes ?? []) {
    const files = read(pod, v);
    if (files === undefined) continue;
    const dir = join(podDir, 'volumes', v.name);
    mkdirSync(dir, { recursive: true });
    const mode = v.secret !== undefined ? 0o600 : 0o644;
    for (const [key, content] of Object.entries(files)) {
      if (key.includes('/') || key === '..' || key === '.') continue;
      writeFileSync(join(dir, key), content, { mode });
    }
  }
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const m of c.volumeMounts ?? []) {
      const rel = m.mountPath.replace(/^\/+/, '');
      if (rel === '' || rel.split('/').includes('..')) continue;
      const link = join(podDir, 'containers', c.name, rel);
      mkdirSync(dirname(link), { recursive: true });
      rmSync(link, { force: true });
      symlinkSync(join(podDir, 'volumes', m.name, m.subPath ?? ''), link);
    }
  }
}

export function createProcessRuntime(opts: ProcessRuntimeOptions): PodRuntime {
  const clock = opts.clock ?? systemClock;
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const pods = new Map<string, ProcessPod>();
  const killed: string[] = [];
  const listeners: ((uid: string) => void)[] = [];
  const notify = (uid: string): void => {
    for (const cb of listeners) cb(uid);
  };

  /** Starts the next init container, or every app container once all init containers succeeded. */
  const advance = (p: ProcessPod): void => {
    if (p.killed) return;
    for (const c of p.init) {
      if (!c.done()) {
        c.start();
        return;
      }
      if (!isDoneOk(c)) return;
    }
    for (const c of p.main) c.start();
  };

  const report = (p: ProcessPod, c: ContainerProcess): ContainerStatusReport => {
    const state = c.state();
    const image = p.images.get(c.name) ?? '';
    return {
      name: c.name,
      image,
      imageID: '',
      containerID: c.containerID,
      ready: 'running' in state && c.ready(),
      started: 'running' in state,
      restartCount: c.restartCount(),
      state,
    };
  };

  return {
    name: 'process',
    syncPod(pod) {
      const uid = pod.metadata?.uid;
      if (uid === undefined || uid === '') return Promise.resolve();
      const podDir = join(opts.rootDir, 'pods', uid);
      const known = pods.get(uid);
      if (known !== undefined) {
        if (!known.killed) writeVolumes(pod, podDir, opts.readVolume);
        return Promise.resolve();
      }
      mkdirSync(podDir, { recursive: true });
      writeVolumes(pod, podDir, opts.readVolume);
      const policy: RestartPolicy = (pod.spec?.restartPolicy as RestartPolicy | undefined) ?? 'Always';
      const log = opts.log.child({ pod: `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`, podUid: uid });
      const images = new Map<string, string>();
      for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) images.set(c.name, c.image ?? '');
      const p: ProcessPod = { uid, init: [], main: [], images, killed: false };
      const changed = (): void => {
        advance(p);
        notify(uid);
      };
      const make = (init: boolean) =>
        ((init ? pod.spec?.initContainers : pod.spec?.containers) ?? []).map((spec) =>
          createContainerProcess({
            spec,
            podDir,
            env: containerEnv(pod, spec, opts.nodeIP),
            restartPolicy: init ? (policy === 'Never' ? 'Never' : 'OnFailure') : policy,
            clock,
            backoff,
            log,
            onChange: changed,
            init,
          }),
        );
      p.init = make(true);
      p.main = make(false);
      pods.set(uid, p);
      advance(p);
      notify(uid);
      return Promise.resolve();
    },
    async killPod(pod, gracePeriodSeconds) {
      const uid = pod.metadata?.uid ?? '';
      const p = pods.get(uid);
      if (p === undefined || p.killed) return;
      p.killed = true;
      await Promise.all([...p.init, ...p.main].map((c) => c.kill(gracePeriodSeconds)));
      killed.push(uid);
      while (killed.length > KILLED_RETAINED) {
        const old = killed.shift();
        if (old !== undefined) pods.delete(old);
      }
      notify(uid);
    },
    podStatus(pod): PodStatusReport | undefined {
      const p = pods.get(pod.metadata?.uid ?? '');
      if (p === undefined) return undefined;
      return {
        phase: phaseOf(p),
        podIP: opts.nodeIP,
        containers: p.main.map((c) => report(p, c)),
        initContainers: p.init.map((c) => report(p, c)),
      };
    },
    onChange(cb) {
      listeners.push(cb);
    },
    async stop() {
      const all = [...pods.values()];
      for (const p of all) p.killed = true;
      await Promise.all(all.flatMap((p) => [...p.init, ...p.main].map((c) => c.kill(STOP_GRACE_SECONDS))));
      pods.clear();
    },
  };
}
