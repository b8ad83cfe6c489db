/**
 * The Deployment controller (kube-controller-manager's deployment-controller): watches Deployments,
 * their ReplicaSets and (for Recreate) pods; claims ReplicaSets by controller reference and
 * selector, and runs one `Rollout` per sync (deployment-rollout.ts).
 */
import {
  RESOURCES,
  WorkQueue,
  objectKey,
  runWorkers,
  splitKey,
  type EventRecorder,
  type SharedInformer,
  type V1Deployment,
  type V1OwnerReference,
  type V1Pod,
  type V1ReplicaSet,
} from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { Rollout } from './deployment-rollout.js';
import { adopt, canAdopt as canAdoptFresh, CONTROLLER_UID_INDEX, ensureIndexes, NAMESPACE_INDEX, ownerRefFor, release } from './replicaset-ownership.js';
import { controllerRefOf, isEmptySelector, isTerminating, selectorMatches } from './replicaset-util.js';

export function createDeploymentController(): Controller {
  return { name: 'deployment-controller', start: (ctx, signal) => new DeploymentController(ctx).start(signal) };
}

class DeploymentController {
  readonly #ctx: ControllerContext;
  readonly #deployments: SharedInformer<V1Deployment>;
  readonly #rss: SharedInformer<V1ReplicaSet>;
  readonly #pods: SharedInformer<V1Pod>;
  readonly #queue: WorkQueue<string>;
  readonly #events: EventRecorder;

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    const { pods, rss } = ensureIndexes(ctx);
    this.#pods = pods;
    this.#rss = rss;
    this.#deployments = ctx.informers.informer(RESOURCES.deployments);
    if (!this.#deployments.hasIndex(NAMESPACE_INDEX)) this.#deployments.addIndex(NAMESPACE_INDEX, (d) => [d.metadata?.namespace ?? '']);
    this.#queue = new WorkQueue<string>({ name: 'deployment', clock: ctx.clock });
    this.#events = ctx.recorder('deployment-controller');
  }

  async start(signal: AbortSignal): Promise<void> {
    const q = this.#queue;
    this.#deployments.onAdd((d) => q.add(objectKey(d)));
    this.#deployments.onUpdate((_o, d) => q.add(objectKey(d)));
    this.#deployments.onDelete((d) => q.add(objectKey(d)));
    this.#rss.onAdd((rs) => this.#rsChanged(undefined, rs));
    this.#rss.onUpdate((o, rs) => this.#rsChanged(o, rs));
    this.#rss.onDelete((rs) => this.#enqueueOwner(rs));
    this.#pods.onDelete((p) => this.#podDeleted(p));
    signal.addEventListener('abort', () => q.shutDown(), { once: true });
    await Promise.all([this.#deployments.synced, this.#rss.synced, this.#pods.synced]);
    if (signal.aborted) return;
    const log = this.#ctx.log;
    void runWorkers(q, this.#ctx.options.workers, (key, s) => this.#sync(key, s), signal, {
      onError: (key, err) => log.warn({ deployment: key, err }, 'deployment sync failed; retrying'),
    });
  }

  #resolve(namespace: string, ref: V1OwnerReference | undefined): V1Deployment | undefined {
    if (ref?.kind !== 'Deployment') return undefined;
    const d = this.#deployments.get(namespace, ref.name);
    return d?.metadata?.uid === ref.uid ? d : undefined;
  }

  #enqueueOwner(rs: V1ReplicaSet): void {
    const d = this.#resolve(rs.metadata?.namespace ?? '', controllerRefOf(rs));
    if (d !== undefined) this.#queue.add(objectKey(d));
  }

  #enqueueMatching(rs: V1ReplicaSet): void {
    for (const d of this.#deployments.byIndex(NAMESPACE_INDEX, rs.metadata?.namespace ?? '')) {
      if (!isEmptySelector(d.spec?.selector) && selectorMatches(d.spec?.selector, rs.metadata?.labels)) this.#queue.add(objectKey(d));
    }
  }

  #rsChanged(old: V1ReplicaSet | undefined, rs: V1ReplicaSet): void {
    if (old !== undefined && old.metadata?.resourceVersion === rs.metadata?.resourceVersion) return;
    if (old !== undefined && controllerRefOf(old)?.uid !== controllerRefOf(rs)?.uid) this.#enqueueOwner(old);
    if (controllerRefOf(rs) !== undefined) this.#enqueueOwner(rs);
    else if (old === undefined || JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(rs.metadata?.labels ?? {})) this.#enqueueMatching(rs);
  }

  /** Recreate waits for the old pods to be gone, so their deletion is news. */
  #podDeleted(pod: V1Pod): void {
    const ref = controllerRefOf(pod);
    if (ref?.kind !== 'ReplicaSet') return;
    const ns = pod.metadata?.namespace ?? '';
    const rs = this.#rss.get(ns, ref.name);
    if (rs === undefined || rs.metadata?.uid !== ref.uid) return;
    const d = this.#resolve(ns, controllerRefOf(rs));
    if (d !== undefined && d.spec?.strategy?.type === 'Recreate') this.#queue.add(objectKey(d));
  }

  async #sync(key: string, signal: AbortSignal): Promise<void> {
    const cached = this.#deployments.getByKey(key);
    if (cached === undefined) return;
    const d: V1Deployment = { ...cached, kind: 'Deployment', apiVersion: 'apps/v1' };
    const rollout = new Rollout(d, {
      client: this.#ctx.client,
      events: this.#events,
      clock: this.#ctx.clock,
      signal,
      podsOf: (uid) => this.#pods.byIndex(CONTROLLER_UID_INDEX, uid),
      requeueAfter: (ms) => this.#queue.addAfter(key, ms),
    });
    if (isEmptySelector(d.spec?.selector)) {
      this.#events.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        await rollout.writeStatus({ ...d.status, observedGeneration: d.metadata?.generation ?? 0 });
      }
      return;
    }
    const rsList = await this.#claimReplicaSets(d, signal);
    if (isTerminating(d)) return rollout.statusOnly(rsList);
    await rollout.checkPausedConditions();
    if (rollout.d.spec?.paused === true) return rollout.sync(rsList);
    if (await rollout.isScalingEvent(rsList)) return rollout.sync(rsList);
    if (rollout.d.spec?.strategy?.type === 'Recreate') return rollout.recreate(rsList);
    return rollout.rolling(rsList);
  }

  /** getReplicaSetsForDeployment: owned RSs that still match (copies), plus adopted orphans; others released. */
  async #claimReplicaSets(d: V1Deployment, signal: AbortSignal): Promise<V1ReplicaSet[]> {
    const { namespace } = splitKey(objectKey(d));
    const uid = d.metadata?.uid ?? '';
    const out: V1ReplicaSet[] = [];
    let canAdopt: boolean | undefined;
    for (const rs of this.#rss.byIndex(NAMESPACE_INDEX, namespace)) {
      const ref = controllerRefOf(rs);
      const matches = selectorMatches(d.spec?.selector, rs.metadata?.labels);
      if (ref !== undefined) {
        if (ref.uid !== uid) continue;
        if (matches) out.push(structuredClone(rs));
        else if (!isTerminating(d)) await release(this.#ctx.client, RESOURCES.replicasets, rs, uid, signal);
        continue;
      }
      if (!matches || isTerminating(rs) || isTerminating(d)) continue;
      canAdopt ??= await canAdoptFresh(this.#ctx.client, RESOURCES.deployments, d, signal);
      if (!canAdopt) continue;
      const adopted = await adopt(this.#ctx.client, RESOURCES.replicasets, rs, ownerRefFor(d, 'apps/v1', 'Deployment'), signal);
      if (adopted !== undefined) out.push(adopted);
    }
    return out;
  }
}
