/**
 * The `process` runtime, for hosts without a container runtime: every container's command runs as
 * a host process in `<rootDir>/pods/<uid>/containers/<name>/`, logs go to
 * `<rootDir>/pods/<uid>/logs/<name>/<restartCount>.log` (CRI format). There is NO isolation: processes
 * share the host's network, filesystem, users and PIDs, and `image` is ignored. Volumes are prepared by
 * pod-prep under `<podDir>/volumes/<volume>/` (refreshed on every syncPod) and linked at
 * `<cwd>/<mountPath>`: the mountPath is relative to the container's working directory, since nothing
 * is mounted. The env is the container's (resolveEnv) over the host's PATH, HOME, LANG and TZ.
 * Processes outlive the runtime: stop() leaves them running and start() re-adopts them from
 * `<podDir>/pod.json` and `<podDir>/state/`.
 */
import type { V1Container, V1Pod } from '../../../kube/client/index.js';
import { commandLine, ensurePodDir, podDir, prepareVolumes, removePodDir, resolveEnv, type PodContext } from '../pod-prep/index.js';
import type { ContainerStatusReport, PodPhase, PodRuntime, PodStatusReport, RuntimeOptions } from '../runtime.js';
import { createContainerProcess } from './container-process.js';
import type { LogLimits } from './cri-log.js';
import { DEFAULT_BACKOFF, type Backoff, type ContainerProcess, type Prepared, type RestartPolicy } from './container-types.js';
import { linkMounts, loadPodSpec, loadSaved, podDirUids, savePodSpec } from './pod-files.js';
import type { SavedContainer } from './saved-state.js';

export const PROCESS_RUNTIME_VERSION = 'process://0.1.0';
/** Killed pods remembered for their final status before they are dropped. */
const KILLED_RETAINED = 256;
/** Grace for SIGTERM → SIGKILL when orphans are removed. */
const ORPHAN_GRACE_SECONDS = 5;
const HOST_ENV = ['PATH', 'HOME', 'LANG', 'TZ'];

export type ProcessRuntimeOptions = RuntimeOptions & {
  readonly backoff?: Backoff;
  /** Container log rotation (kubelet containerLogMaxSize / containerLogMaxFiles); default 10Mi × 5. */
  readonly logLimits?: LogLimits;
};

interface ProcessPod {
  readonly uid: string;
  readonly dir: string;
  pod: V1Pod;
  readonly init: readonly ContainerProcess[];
  readonly main: readonly ContainerProcess[];
  killed: boolean;
  /** Set with `killed`: resolves once the containers are gone and the directory removed. */
  killing: Promise<void> | undefined;
  /** Volumes had problems on the last sync (the pod waits, kubelet: FailedMount). */
  volumeProblems: readonly string[];
  /** False for a pod re-adopted by start() until edged syncs it: nothing new is started before. */
  synced: boolean;
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
  return p.main.some(hasRun) ? 'Running' : 'Pending';
}

/** It ran at least once (so the pod counts as started). */
function hasRun(c: ContainerProcess): boolean {
  return !('waiting' in c.state()) || c.restartCount() > 0 || c.lastState() !== undefined;
}

function hostEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of HOST_ENV) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return env;
}

export function createProcessRuntime(opts: ProcessRuntimeOptions): PodRuntime {
  const { clock, rootDir } = opts;
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const ctx: PodContext = { nodeName: opts.nodeName, hostIP: opts.nodeIP, podIP: opts.nodeIP };
  const pods = new Map<string, ProcessPod>();
  const killed: string[] = [];
  const listeners: ((uid: string) => void)[] = [];
  const notify = (uid: string): void => {
    for (const cb of listeners) cb(uid);
  };

  /** Starts the next init container, or every app container once all init containers succeeded. */
  const advance = (p: ProcessPod): void => {
    if (p.killed || !p.synced || p.volumeProblems.length > 0) return;
    for (const c of p.init) {
      if (!c.done()) {
        c.start();
        return;
      }
      if (!isDoneOk(c)) return;
    }
    for (const c of p.main) c.start();
  };

  const prepare = (p: ProcessPod, original: V1Container, init: boolean): Prepared => {
    const list = (init ? p.pod.spec?.initContainers : p.pod.spec?.containers) ?? [];
    const spec = list.find((c) => c.name === original.name) ?? original;
    const r = resolveEnv(p.pod, spec, opts.objects, ctx);
    if (r.error !== undefined) return { error: r.error };
    const cl = commandLine(spec, r.env);
    return { env: { ...hostEnv(), ...r.env }, argv: cl.command === undefined ? undefined : [...cl.command, ...(cl.args ?? [])] };
  };

  /** The in-memory pod for `pod`, from saved container states when a previous runtime ran it. */
  const create = (pod: V1Pod, uid: string, saved: ReadonlyMap<string, SavedContainer>): ProcessPod => {
    const dir = podDir(rootDir, uid);
    const policy: RestartPolicy = (pod.spec?.restartPolicy as RestartPolicy | undefined) ?? 'Always';
    const name = pod.metadata?.name ?? '';
    const ns = pod.metadata?.namespace ?? '';
    const log = opts.log.child({ pod: `${ns}/${name}`, podUid: uid });
    const holder: { p?: ProcessPod } = {};
    const changed = (): void => {
      if (holder.p === undefined) return;
      advance(holder.p);
      notify(uid);
    };
    const make = (init: boolean): ContainerProcess[] =>
      ((init ? pod.spec?.initContainers : pod.spec?.containers) ?? []).map((spec) => {
        const s = saved.get(spec.name);
        return createContainerProcess({
          spec,
          podDir: dir,
          podRef: `${name}_${ns}(${uid})`,
          prepare: () => (holder.p === undefined ? { error: 'pod not ready' } : prepare(holder.p, spec, init)),
          restartPolicy: init ? (policy === 'Never' ? 'Never' : 'OnFailure') : policy,
          clock,
          backoff,
          log,
          onChange: changed,
          init,
          ...(opts.logLimits === undefined ? {} : { logLimits: opts.logLimits }),
          ...(s === undefined ? {} : { saved: s }),
        });
      });
    const p: ProcessPod = { uid, dir, pod, init: make(true), main: make(false), killed: false, killing: undefined, volumeProblems: [], synced: false };
    holder.p = p;
    pods.set(uid, p);
    return p;
  };

  const report = (p: ProcessPod, c: ContainerProcess, init: boolean): ContainerStatusReport => {
    const list = (init ? p.pod.spec?.initContainers : p.pod.spec?.containers) ?? [];
    const last = c.lastState();
    return {
      name: c.name,
      image: list.find((s) => s.name === c.name)?.image ?? '',
      imageID: '',
      containerID: c.containerID,
      ready: c.ready(),
      started: c.started(),
      restartCount: c.restartCount(),
      state: c.state(),
      ...(last === undefined ? {} : { lastState: last }),
    };
  };

  /** Stops every container (final states stay in memory), then removes the pod's directory: volumes, state, logs. */
  const kill = (p: ProcessPod, grace: number): Promise<void> => {
    if (p.killing !== undefined) return p.killing;
    p.killed = true;
    p.killing = (async () => {
      await Promise.all([...p.init, ...p.main].map((c) => c.kill(grace)));
      removeDir(p.uid);
    })();
    return p.killing;
  };

  const removeDir = (uid: string): void => {
    try {
      removePodDir(rootDir, uid);
    } catch (err) {
      opts.log.warn({ podUid: uid, err: err instanceof Error ? err.message : String(err) }, 'pod directory not removed');
    }
  };

  /** Forgets a killed pod's final status (the UID may come back: a static pod's is derived from its content). */
  const forget = (p: ProcessPod): void => {
    if (pods.get(p.uid) === p) pods.delete(p.uid);
    const i = killed.indexOf(p.uid);
    if (i >= 0) killed.splice(i, 1);
  };

  return {
    name: 'process',
    start() {
      for (const uid of podDirUids(rootDir)) {
        if (pods.has(uid)) continue;
        const dir = podDir(rootDir, uid);
        const pod = loadPodSpec(dir);
        const saved = loadSaved(dir);
        if (pod === undefined || saved.size === 0 || pod.metadata?.uid !== uid) continue;
        const p = create(pod, uid, saved);
        // Only what was running is looked at now (re-adopted, or found ended); new containers wait for syncPod.
        for (const c of [...p.init, ...p.main]) if (saved.get(c.name)?.run !== undefined) c.start();
      }
      return Promise.resolve();
    },
    version: () => PROCESS_RUNTIME_VERSION,
    images: () => Promise.resolve([]),
    async removeOrphans(keep) {
      const gone = [...pods.values()].filter((p) => !keep.has(p.uid));
      await Promise.all(gone.map((p) => kill(p, ORPHAN_GRACE_SECONDS)));
      for (const p of gone) pods.delete(p.uid);
      for (const uid of podDirUids(rootDir)) {
        if (keep.has(uid) || pods.has(uid)) continue;
        opts.log.info({ podUid: uid }, 'removing orphaned pod directory');
        removeDir(uid);
      }
    },
    containerLogPath(podUid, container) {
      const p = pods.get(podUid);
      return [...(p?.init ?? []), ...(p?.main ?? [])].find((c) => c.name === container)?.logPath();
    },
    async syncPod(pod) {
      const uid = pod.metadata?.uid;
      if (uid === undefined || uid === '') return;
      let p = pods.get(uid);
      let fresh = false;
      if (p?.killed === true) {
        // killed earlier (or being killed now): once that is over, the pod starts afresh, whatever state files are left
        await p.killing;
        forget(p);
        p = pods.get(uid);
        if (p?.killed === true) return;
        fresh = true;
      }
      const dir = ensurePodDir(rootDir, uid);
      savePodSpec(dir, pod);
      const vols = prepareVolumes(pod, rootDir, opts.objects, ctx);
      linkMounts(pod, dir, vols.hostPaths, opts.log);
      if (p === undefined) p = create(pod, uid, fresh ? new Map() : loadSaved(dir, pod));
      p.pod = pod;
      p.synced = true;
      const started = [...p.init, ...p.main].some(hasRun);
      if (vols.problems.join('\n') !== p.volumeProblems.join('\n') && vols.problems.length > 0) {
        opts.log.warn({ podUid: uid, problems: vols.problems }, 'pod volumes not ready');
      }
      // kubelet does not start a pod whose volumes cannot be set up; a running pod keeps running.
      p.volumeProblems = started ? [] : vols.problems;
      advance(p);
      notify(uid);
      await Promise.resolve();
    },
    async killPod(pod, gracePeriodSeconds) {
      const uid = pod.metadata?.uid ?? '';
      const p = pods.get(uid);
      if (p === undefined) return;
      if (p.killed) {
        await p.killing;
        return;
      }
      await kill(p, gracePeriodSeconds);
      if (pods.get(uid) !== p) return;
      killed.push(uid);
      while (killed.length > KILLED_RETAINED) {
        const old = killed.shift();
        const q = old === undefined ? undefined : pods.get(old);
        if (q?.killed === true) pods.delete(q.uid);
      }
      notify(uid);
    },
    podStatus(pod): PodStatusReport | undefined {
      const p = pods.get(pod.metadata?.uid ?? '');
      if (p === undefined) return undefined;
      return {
        phase: phaseOf(p),
        podIP: opts.nodeIP,
        containers: p.main.map((c) => report(p, c, false)),
        initContainers: p.init.map((c) => report(p, c, true)),
        initialized: p.init.every(isDoneOk),
      };
    },
    onChange(cb) {
      listeners.push(cb);
    },
    stop() {
      for (const p of pods.values()) for (const c of [...p.init, ...p.main]) c.detach();
      pods.clear();
      killed.length = 0;
      return Promise.resolve();
    },
  };
}
