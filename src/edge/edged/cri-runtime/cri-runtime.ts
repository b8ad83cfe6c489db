/**
 * The `cri` pod runtime: pods as CRI sandboxes and containers on containerd (kubelet's model).
 * A relist loop (PLEG, every second) keeps a view of every sandbox and container carrying our
 * labels, reports changes through onChange and syncs the pod again (restarts, backoff ends); pods a
 * previous edgecore left running are adopted by their pod-UID label, so a restart keeps them.
 * syncPod, killPod and removeOrphans wait for the first relist of start() (or for stop()): before it
 * nothing says what already runs, and a sync would start a second copy of an adopted pod. A killed
 * pod synced again with the same UID (a static pod's manifest moved out and back) waits for its kill
 * to end, then runs afresh.
 */
import { KeError } from '../../../base/index.js';
import type { V1Pod } from '../../../kube/client/index.js';
import { createCriClient, type CriClient } from '../../../platform/cri/client.js';
import type { PodRuntime, PodStatusReport, RuntimeOptions } from '../runtime.js';
import { BackoffTracker, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { gracePeriodSeconds, podHost } from './config.js';
import { createHousekeeping } from './housekeeping.js';
import { ensureSandboxImage, listImages } from './images.js';
import { killOnce, removeOrphanPodDirs, stopContainer, type KillDeps } from './kill.js';
import { coalesced, createSleeper, startPleg, withDeadline, type Pleg } from './pleg.js';
import { ProbeManager } from './probes.js';
import { syncPodOnce, type PodRecord, type SyncDeps } from './pod-sync.js';
import { Relister } from './relist.js';
import { podReport } from './report.js';
import { currentSandbox, fingerprint, type PodView } from './view.js';

export interface CriRuntimeOptions extends RuntimeOptions {
  /** CrashLoopBackOff and ImagePullBackOff; default 10 s doubling to 300 s, reset after 10 min running. */
  readonly backoff?: BackoffPolicy;
  /** Relist period; default 1 s. */
  readonly relistMs?: number;
  /** Image GC period; default 5 min. */
  readonly imageGcMs?: number;
  /** Dead container GC period; default 1 min. */
  readonly containerGcMs?: number;
  /**
   * How long killPod waits for the pod to be killed while the runtime fails; default 2 min. killPod
   * then rejects with KE_EDGED_KILL_TIMEOUT and the kill goes on retrying in the background (until it
   * works or stop()); a later killPod or syncPod of the pod waits for that same kill.
   */
  readonly killTimeoutMs?: number;
}

/** Killed pods remembered for their final status. */
const KILLED_RETAINED = 256;
const MAX_RELIST_BACKOFF_MS = 30_000;

export const CriRuntimeErrorCode = {
  unavailable: 'KE_EDGED_RUNTIME_UNAVAILABLE',
  killTimeout: 'KE_EDGED_KILL_TIMEOUT',
} as const;

const DEFAULT_KILL_TIMEOUT_MS = 120_000;

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export function createCriRuntime(opts: CriRuntimeOptions): PodRuntime {
  const log = opts.log.child({ runtime: 'cri' });
  const clock = opts.clock;
  const client: CriClient = createCriClient(opts.criEndpoint);
  const relister = new Relister(client);
  const backoff = new BackoffTracker(opts.backoff ?? DEFAULT_BACKOFF);
  const relistMs = opts.relistMs ?? 1000;
  const killTimeoutMs = opts.killTimeoutMs ?? DEFAULT_KILL_TIMEOUT_MS;
  /** `killing`: the kill in progress (settles once the pod is killed; rejects only when the runtime stopped first). */
  const records = new Map<string, PodRecord & { chain: Promise<void>; queued: boolean; wake: { at: number; cancel(): void } | undefined; killing: Promise<void> | undefined }>();
  type Rec = typeof records extends Map<string, infer R> ? R : never;
  const killedOrder: string[] = [];
  const listeners: ((uid: string) => void)[] = [];
  let lastViews = new Map<string, PodView>();
  let versionText = '';
  let stopped = false;
  let pleg: Pleg | undefined;
  // Resolved by the first start() that relisted (or by stop()): before it, no record knows what already runs.
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  /** Waits of the kill loop; stop() ends them. */
  const sleeper = createSleeper(clock);

  const notify = (uid: string): void => {
    for (const cb of listeners) {
      try {
        cb(uid);
      } catch (err) {
        log.warn({ uid, err: errText(err) }, 'onChange listener failed');
      }
    }
  };

  const recordOf = (uid: string): Rec => {
    let r = records.get(uid);
    if (r === undefined) {
      r = { uid, pod: undefined, view: lastViews.get(uid), waiting: new Map(), killed: false, final: undefined, changedAt: undefined, chain: Promise.resolve(), queued: false, wake: undefined, killing: undefined };
      records.set(uid, r);
    }
    return r;
  };

  const enqueue = (rec: Rec, fn: () => Promise<void>): Promise<void> => {
    const next = rec.chain.then(fn).catch((err: unknown) => {
      if (!stopped) log.warn({ uid: rec.uid, err: errText(err) }, 'pod sync failed');
    });
    rec.chain = next;
    return next;
  };

  const probes = new ProbeManager({
    clock,
    client,
    onChange: notify,
    onFailure: (uid, containerId, kind, probe) => {
      const rec = records.get(uid);
      const c = rec?.view?.containers.find((x) => x.id === containerId);
      if (rec === undefined || c === undefined || rec.killed || stopped) return;
      log.info({ uid, container: c.name, containerId, probe: kind }, `${kind} probe failed; killing container`);
      const spec = rec.pod?.spec?.containers?.find((x) => x.name === c.name);
      const grace = probe.terminationGracePeriodSeconds ?? (rec.pod !== undefined ? gracePeriodSeconds(rec.pod) : 30);
      void enqueue(rec, async () => {
        await stopContainer(client, c, spec, podHost(opts, rec.pod, rec.view), grace, log);
        await refresh();
      });
    },
  });

  /** Probe workers for the pod's running app containers; the others' workers stop. */
  const updateProbes = (rec: Rec): void => {
    if (stopped) return;
    const sb = currentSandbox(rec.view);
    const running = new Set<string>();
    if (rec.pod !== undefined && !rec.killed && sb !== undefined) {
      const host = podHost(opts, rec.pod, rec.view);
      for (const spec of rec.pod.spec?.containers ?? []) {
        const c = rec.view?.containers.find((x) => x.name === spec.name && x.sandboxId === sb.id);
        if (c?.state !== 'CONTAINER_RUNNING') continue;
        running.add(c.id);
        probes.ensure(rec.uid, c.id, spec, host);
      }
    }
    probes.retain(rec.uid, running);
  };

  const requestSync = (rec: Rec, refreshVolumes: boolean): Promise<void> => {
    if (rec.queued && !refreshVolumes) return rec.chain;
    rec.queued = true;
    return enqueue(rec, async () => {
      rec.queued = false;
      if (stopped || rec.killed || rec.pod === undefined) return;
      await syncPodOnce(syncDeps, rec, refreshVolumes);
      updateProbes(rec);
    });
  };

  const wakeAfter = (rec: PodRecord, ms: number): void => {
    const r = records.get(rec.uid);
    if (r === undefined || stopped) return;
    const at = clock.now() + ms;
    if (r.wake !== undefined && r.wake.at <= at) return;
    r.wake?.cancel();
    const t = clock.setTimeout(() => {
      r.wake = undefined;
      void requestSync(r, false);
    }, Math.max(0, ms));
    r.wake = { at, cancel: () => t.cancel() };
  };

  const applyViews = (views: Map<string, PodView>, startedAt: number): void => {
    lastViews = views;
    for (const rec of records.values()) if (rec.changedAt !== undefined && startedAt > rec.changedAt) rec.changedAt = undefined;
    const changed: Rec[] = [];
    for (const [uid, view] of views) {
      const rec = recordOf(uid);
      if (fingerprint(rec.view) !== fingerprint(view)) changed.push(rec);
      rec.view = view;
    }
    for (const rec of [...records.values()]) {
      if (views.has(rec.uid) || rec.view === undefined) continue;
      rec.view = undefined;
      if (rec.pod === undefined && !rec.killed) records.delete(rec.uid);
      else changed.push(rec);
    }
    for (const rec of changed) {
      updateProbes(rec);
      notify(rec.uid);
      if (rec.pod !== undefined && !rec.killed) void requestSync(rec, false);
    }
  };

  let relistsStarted = 0;
  const refresh = coalesced(() => {
    const startedAt = ++relistsStarted;
    return relister.relist().then((views) => applyViews(views, startedAt));
  });

  const syncDeps: SyncDeps = {
    client,
    opts,
    backoff,
    images: { client, objects: opts.objects, backoff, now: () => clock.now(), log },
    log,
    refresh,
    changing: (rec) => {
      rec.changedAt = relistsStarted;
    },
    wakeAfter,
  };

  const housekeeping = createHousekeeping({
    client,
    clock,
    backoff,
    log,
    containerGcMs: opts.containerGcMs ?? 60_000,
    imageGcMs: opts.imageGcMs ?? 300_000,
    imageGc: { highPercent: opts.imageGcHighPercent, lowPercent: opts.imageGcLowPercent, pinned: [opts.podSandboxImage] },
    views: () => lastViews.values(),
    specImages: () => [...records.values()].flatMap((r) => (r.killed || r.pod === undefined ? [] : [...(r.pod.spec?.initContainers ?? []), ...(r.pod.spec?.containers ?? [])].map((c) => c.image ?? ''))),
    refresh,
  });

  const statusOf = (rec: PodRecord, pod: V1Pod | undefined, terminal = false): PodStatusReport =>
    podReport(rec, pod, { nodeIP: opts.nodeIP, ready: (id) => probes.ready(id), started: (id) => probes.started(id) }, terminal);

  const killDeps: KillDeps = { client, opts, backoff, log, refresh, finalStatus: (rec, pod) => statusOf(rec, pod, true) };

  /** Kills the pod, retrying with backoff while the runtime fails; rejects only when the runtime is stopped first. */
  const killLoop = async (rec: Rec, pod: V1Pod | undefined, graceSeconds: number): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      let failure: unknown;
      await enqueue(rec, () => killOnce(killDeps, rec, pod, graceSeconds).catch((err: unknown) => void (failure = err ?? new Error('kill failed'))));
      if (failure === undefined) break;
      if (!stopped) {
        log.warn({ uid: rec.uid, attempt, err: errText(failure) }, 'killing pod failed; retrying');
        await sleeper.sleep(Math.min(MAX_RELIST_BACKOFF_MS, 1000 * 2 ** Math.min(attempt, 5)));
      }
      if (stopped) throw new KeError(CriRuntimeErrorCode.unavailable, `pod ${rec.uid} not killed: the runtime stopped`, { cause: failure, details: { uid: rec.uid } });
    }
    log.info({ uid: rec.uid }, 'pod killed');
    killedOrder.push(rec.uid);
    while (killedOrder.length > KILLED_RETAINED) {
      const old = killedOrder.shift();
      const r = old !== undefined ? records.get(old) : undefined;
      if (r?.killed === true && r.killing === undefined && old !== undefined) records.delete(old);
    }
    notify(rec.uid);
  };

  /** Starts the pod's kill (or joins the one in progress); rejects with KE_EDGED_KILL_TIMEOUT after killTimeoutMs while it goes on. */
  const kill = (rec: Rec, pod: V1Pod | undefined, graceSeconds: number): Promise<void> => {
    let k = rec.killing;
    if (k === undefined) {
      rec.killed = true;
      rec.wake?.cancel();
      probes.retain(rec.uid, new Set());
      const started: Promise<void> = killLoop(rec, pod, graceSeconds).finally(() => {
        if (rec.killing === started) rec.killing = undefined;
      });
      started.catch(() => undefined);
      rec.killing = k = started;
    }
    const timeout = (): Error => new KeError(CriRuntimeErrorCode.killTimeout, `pod ${rec.uid} not killed within ${Math.round(killTimeoutMs / 1000)}s; still retrying`, { details: { uid: rec.uid } });
    return withDeadline(clock, k, killTimeoutMs, timeout);
  };

  /** Forgets a killed pod (its kill finished) so that the same UID can run again. */
  const forget = (rec: Rec): void => {
    if (records.get(rec.uid) === rec) records.delete(rec.uid);
    const i = killedOrder.indexOf(rec.uid);
    if (i >= 0) killedOrder.splice(i, 1);
  };

  return {
    name: 'cri',
    async start() {
      try {
        const v = await client.version();
        versionText = `${v.runtimeName === '' ? 'containerd' : v.runtimeName}://${v.runtimeVersion}`;
        await refresh();
      } catch (err) {
        throw new KeError(CriRuntimeErrorCode.unavailable, `CRI runtime at ${opts.criEndpoint} does not answer: ${errText(err)}`, { cause: err, details: { endpoint: opts.criEndpoint } });
      }
      log.info({ version: versionText, adopted: records.size }, 'cri runtime started');
      markReady();
      void ensureSandboxImage(client, opts.podSandboxImage, log);
      pleg = startPleg({
        clock,
        periodMs: relistMs,
        maxBackoffMs: MAX_RELIST_BACKOFF_MS,
        relist: refresh,
        housekeeping,
        onHealth: (ok, err) => {
          if (ok) log.info('container runtime is back');
          else log.warn({ err: errText(err) }, 'container runtime relist failed; retrying');
          for (const uid of records.keys()) notify(uid);
        },
      });
    },
    version: () => versionText,
    images: () => listImages(client),
    async removeOrphans(keep) {
      await ready;
      if (stopped) return;
      const orphans = [...records.values()].filter((rec) => !keep.has(rec.uid) && !rec.killed);
      await Promise.all(
        orphans.map(async (rec) => {
          const grace = rec.pod !== undefined ? gracePeriodSeconds(rec.pod) : (currentSandbox(rec.view)?.graceSeconds ?? 30);
          log.info({ uid: rec.uid }, 'removing orphaned pod');
          await kill(rec, rec.pod, grace);
          forget(rec);
        }),
      );
      removeOrphanPodDirs(opts.rootDir, (uid) => keep.has(uid) || records.has(uid), log);
    },
    containerLogPath(podUid, container) {
      const c = records.get(podUid)?.view?.containers.find((x) => x.name === container);
      return c === undefined || c.logPath === '' ? undefined : c.logPath;
    },
    async syncPod(pod) {
      const uid = pod.metadata?.uid;
      if (uid === undefined || uid === '') return;
      await ready;
      for (;;) {
        if (stopped) return;
        const rec = recordOf(uid);
        if (!rec.killed) {
          rec.pod = pod;
          await requestSync(rec, true);
          return;
        }
        // The UID again after a kill (a static pod's manifest moved out and back): once the kill is over, start afresh.
        if (rec.killing !== undefined) await rec.killing.catch(() => undefined);
        else forget(rec);
      }
    },
    async killPod(pod, gracePeriodSeconds) {
      await ready;
      const rec = records.get(pod.metadata?.uid ?? '');
      if (stopped || rec === undefined) return;
      if (rec.killing === undefined && rec.killed && rec.final !== undefined && rec.view === undefined) return;
      await kill(rec, pod, gracePeriodSeconds);
    },
    podStatus(pod) {
      const rec = records.get(pod.metadata?.uid ?? '');
      if (rec === undefined) return undefined;
      if (rec.final !== undefined) return rec.final;
      if (rec.pod !== undefined) updateProbes(rec);
      return statusOf(rec, pod);
    },
    onChange(cb) {
      listeners.push(cb);
    },
    async stop() {
      stopped = true;
      markReady();
      pleg?.stop();
      probes.stopAll();
      for (const rec of records.values()) rec.wake?.cancel();
      sleeper.wakeAll();
      // Work in progress ends when the client closes (a pull may take minutes); give it a moment first.
      let t: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([Promise.allSettled([...[...records.values()].map((r) => r.chain)]), new Promise((r) => (t = setTimeout(r, 5_000)))]);
      clearTimeout(t);
      client.close();
    },
  };
}
