/**
 * The pod side of edged: syncs the pods bound to this node with the runtime (from SQLite at start,
 * then from what metamanager forwards), reports each pod's status when it changes (also offline:
 * edgehub keeps the reports), and confirms graceful deletions to the cloud once the pod is killed.
 */
import { Operation, contentJson, objectResource, type KubeEdgeMessage } from '../../api/index.js';
import { backoff, errorMessage, isJsonObject } from '../../base/index.js';
import type { V1Pod, V1PodStatus } from '../../kube/client/index.js';
import { call, post, type EdgedEnv } from './env.js';
import { buildPodStatus, type PodPatch } from './pod-status.js';
import { isNotFound } from './replies.js';
import type { PodRuntime } from './runtime.js';
import { rfc3339 } from './time.js';
import { isStaticPod } from './static-pods.js';
import { Waker } from './wake.js';

interface PodEntry {
  pod: V1Pod;
  readonly uid: string;
  readonly startTime: string;
  prev: V1PodStatus | undefined;
  lastReported: string;
  deleting: boolean;
}

function isPod(v: unknown): v is V1Pod {
  return isJsonObject(v) && isJsonObject(v['metadata']) && typeof v['metadata']['name'] === 'string' && typeof v['metadata']['uid'] === 'string';
}

function podContent(msg: KubeEdgeMessage): unknown {
  try {
    return typeof msg.content === 'string' ? contentJson(msg) : msg.content;
  } catch {
    return undefined;
  }
}

export class PodAgent {
  private readonly pods = new Map<string, PodEntry>();
  private readonly chains = new Map<string, Promise<void>>();
  /** Pods with a resync queued and not yet run: one is enough. */
  private readonly resyncQueued = new Set<string>();
  /** UIDs of the static pods (from the manifest folder, never from the cloud: an annotation alone does not make one). */
  private readonly staticUids = new Set<string>();
  private readonly waker: Waker;

  /**
   * `runtimeStarted` resolves once the runtime has started (and re-adopted what runs): no pod is synced
   * before, so a pod message that arrives early cannot start a second copy of a running pod.
   */
  constructor(
    private readonly env: EdgedEnv,
    private readonly runtime: PodRuntime,
    private readonly hostIP: () => string,
    private readonly runtimeStarted: Promise<void> = Promise.resolve(),
  ) {
    this.waker = new Waker(env.clock, env.ctx.signal);
  }

  /** Pods known to edged (tests, status). */
  get size(): number {
    return this.pods.size;
  }

  /** At start: every stored pod from metamanager (SQLite, so it works offline). */
  async initialSync(): Promise<void> {
    const { env } = this;
    for (let attempt = 0; !env.ctx.signal.aborted; attempt++) {
      const r = await call(env, Operation.Query, objectResource(env.nodeNamespace, 'pod'), null);
      if (r.ok && Array.isArray(r.object)) {
        const pods = r.object.filter(isPod);
        env.log.info({ pods: pods.length }, 'stored pods loaded');
        await Promise.all(pods.map((p) => this.enqueue(p, Operation.Insert)));
        return;
      }
      env.log.warn({ reason: r.ok ? 'not a list' : r.reason }, 'stored pods query failed');
      await this.waker.wait(backoff(attempt, { baseMs: 500, maxMs: 10_000 }));
    }
  }

  /** A pod message forwarded by metamanager. */
  handle(msg: KubeEdgeMessage): void {
    const pod = podContent(msg);
    if (!isPod(pod)) {
      this.env.log.warn({ resource: msg.route.resource, op: msg.route.operation }, 'pod message without a pod ignored');
      return;
    }
    void this.enqueue(pod, msg.route.operation);
  }

  onConnected(): void {
    this.waker.wake();
  }

  /**
   * The static pods now in the manifest folder: new ones start, removed (or edited: a new UID) ones are
   * killed. They are local pods: nothing about them is sent to the cloud.
   */
  async syncStatic(pods: readonly V1Pod[]): Promise<void> {
    const wanted = new Set(pods.map((p) => p.metadata?.uid ?? ''));
    const gone = [...this.pods.values()].filter((e) => this.staticUids.has(e.uid) && !wanted.has(e.uid));
    for (const p of pods) if (isStaticPod(p)) this.staticUids.add(p.metadata?.uid ?? '');
    await Promise.all([
      ...gone.map((e) => this.enqueue(e.pod, Operation.Delete)),
      ...pods.filter((p) => !this.pods.has(p.metadata?.uid ?? '')).map((p) => this.enqueue(p, Operation.Insert)),
    ]);
  }

  /** UIDs of the pods edged runs (after initialSync: every stored pod of this node). */
  uids(): Set<string> {
    return new Set(this.pods.keys());
  }

  /**
   * Syncs every pod again (kubelet's periodic sync: volumes refreshed, dead containers handled), or only
   * those `filter` selects (a ConfigMap or Secret they use changed).
   */
  resync(filter: (pod: V1Pod) => boolean = () => true): void {
    for (const e of this.pods.values()) {
      if (e.deleting || e.pod.metadata?.deletionTimestamp !== undefined || !filter(e.pod) || this.resyncQueued.has(e.uid)) continue;
      this.resyncQueued.add(e.uid);
      void this.serial(e.uid, async () => {
        this.resyncQueued.delete(e.uid);
        if (e.deleting || this.pods.get(e.uid) !== e) return;
        await this.runtime.syncPod(e.pod);
        this.report(e);
      });
    }
  }

  /** Recomputes and reports a pod's status (runtime onChange). */
  changed(uid: string): void {
    const e = this.pods.get(uid);
    if (e !== undefined) void this.serial(uid, () => Promise.resolve(this.report(e)));
  }

  private enqueue(pod: V1Pod, op: string): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    return this.serial(uid, async () => {
      await this.runtimeStarted;
      await this.apply(pod, op);
    });
  }

  private serial(uid: string, fn: () => Promise<void>): Promise<void> {
    const prev = this.chains.get(uid) ?? Promise.resolve();
    const next = prev.then(fn).catch((err: unknown) => {
      if (!this.env.ctx.signal.aborted) this.env.log.error({ uid, err: errorMessage(err) }, 'pod handling failed');
    });
    this.chains.set(uid, next);
    void next.then(() => {
      if (this.chains.get(uid) === next) this.chains.delete(uid);
    });
    return next;
  }

  private async apply(pod: V1Pod, op: string): Promise<void> {
    const { env } = this;
    const uid = pod.metadata?.uid ?? '';
    if (op === Operation.Delete) {
      const e = this.pods.get(uid);
      if (e === undefined) return;
      e.deleting = true;
      await this.runtime.killPod(e.pod, 0);
      this.pods.delete(uid);
      env.log.info({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, uid }, 'pod removed');
      return;
    }
    if (op !== Operation.Insert && op !== Operation.Update && op !== Operation.Patch) return;
    if (pod.spec?.nodeName !== env.nodeName) return;
    let e = this.pods.get(uid);
    if (e === undefined) {
      const prev = this.staticUids.has(uid) ? undefined : await this.previousStatus(pod);
      const startTime = typeof prev?.startTime === 'string' ? prev.startTime : rfc3339(env.clock.now());
      e = { pod, uid, startTime, prev, lastReported: prev === undefined ? '' : JSON.stringify(prev), deleting: false };
      this.pods.set(uid, e);
      // The runtime resumes from the last status reported (start times, a finished phase).
      const resumed: V1Pod = prev === undefined ? pod : { ...pod, status: { ...pod.status, ...prev } };
      if (pod.metadata?.deletionTimestamp === undefined) await this.runtime.syncPod(resumed);
    } else {
      e.pod = pod;
      if (pod.metadata?.deletionTimestamp === undefined) await this.runtime.syncPod(pod);
    }
    if (pod.metadata?.deletionTimestamp !== undefined) {
      if (e.deleting) return;
      e.deleting = true;
      const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      await this.runtime.killPod(pod, grace);
      this.report(e);
      void this.confirmDeletion(e);
      return;
    }
    this.report(e);
  }

  /** The status last reported for this pod (its stored podpatch), else the stored pod's. */
  private async previousStatus(pod: V1Pod): Promise<V1PodStatus | undefined> {
    const ns = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    const r = await call(this.env, Operation.Query, objectResource(ns, 'podpatch', name), null);
    if (r.ok && isJsonObject(r.object) && isJsonObject(r.object['metadata']) && r.object['metadata']['uid'] === pod.metadata?.uid && isJsonObject(r.object['status'])) {
      return (r.object as unknown as PodPatch).status;
    }
    return typeof pod.status?.startTime === 'string' ? pod.status : undefined;
  }

  private report(e: PodEntry): void {
    if (this.staticUids.has(e.uid)) return;
    const r = this.runtime.podStatus(e.pod);
    if (r === undefined) return;
    const status = buildPodStatus(r, e.prev, this.hostIP(), e.startTime, rfc3339(this.env.clock.now()));
    const text = JSON.stringify(status);
    if (text === e.lastReported) return;
    const patch: PodPatch = { metadata: { uid: e.uid }, status };
    const ns = e.pod.metadata?.namespace ?? 'default';
    // Remembered only once handed over, so a report metamanager could not take is sent next time.
    if (!post(this.env, Operation.Patch, objectResource(ns, 'podpatch', e.pod.metadata?.name ?? ''), JSON.stringify(patch))) return;
    e.lastReported = text;
    e.prev = status;
  }

  /** Tells the cloud the pod is gone (delete with grace 0 and a UID precondition); retried while offline. */
  private async confirmDeletion(e: PodEntry): Promise<void> {
    const { env } = this;
    const ns = e.pod.metadata?.namespace ?? 'default';
    const name = e.pod.metadata?.name ?? '';
    const resource = objectResource(ns, 'pod', name);
    const options = { gracePeriodSeconds: 0, preconditions: { uid: e.uid } };
    for (let attempt = 0; !env.ctx.signal.aborted && this.pods.get(e.uid) === e; attempt++) {
      let r;
      try {
        r = await call(env, Operation.Delete, resource, options);
      } catch {
        return; // stopped
      }
      if (r.ok || isNotFound(r) || r.code === 409) {
        env.log.info({ pod: `${ns}/${name}`, uid: e.uid }, 'pod deletion confirmed');
        return;
      }
      const delay = backoff(attempt, { baseMs: 1000, maxMs: 30_000 });
      env.log.info({ pod: `${ns}/${name}`, reason: r.reason, err: r.message, retryMs: delay }, 'pod deletion not confirmed yet');
      await this.waker.wait(delay);
    }
  }
}
