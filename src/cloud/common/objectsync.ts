/**
 * ObjectSync "success points" (KubeEdge's reliable sync): per edge node and object, the last
 * resourceVersion the node acknowledged. cloudhub saves one when the edge ACKs a downstream message
 * and reads them (from the informer caches) to drop what a node already has; synccontroller
 * reconciles them against the API. Namespaced objects use ObjectSync in the object's namespace,
 * cluster-scoped ones ClusterObjectSync; the name is `<node>.<uid>` and the label
 * `kubeedge.io/node-name` lists them per node.
 */
import { KeError, sleep } from '../../base/index.js';
import {
  RELIABLESYNCS_CRDS,
  RELIABLESYNCS_GROUP,
  RELIABLESYNCS_VERSION,
  RELIABLESYNCS_API_VERSION,
  compareResourceVersion,
  objectSyncName,
  type ObjectSync,
} from '../../api/crds/index.js';
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  resourceRef,
  type InformerFactory,
  type KubeClient,
  type KubeObject,
  type ResourceRef,
  type SharedInformer,
} from '../../kube/client/index.js';
import type { Logger } from '../../platform/log/index.js';

export const OBJECT_SYNCS: ResourceRef<ObjectSync> = resourceRef<ObjectSync>(RELIABLESYNCS_GROUP, RELIABLESYNCS_VERSION, 'objectsyncs', 'ObjectSync', true);
export const CLUSTER_OBJECT_SYNCS: ResourceRef<ObjectSync> = resourceRef<ObjectSync>(RELIABLESYNCS_GROUP, RELIABLESYNCS_VERSION, 'clusterobjectsyncs', 'ClusterObjectSync', false);
/** Label on every (Cluster)ObjectSync: the edge node it belongs to. */
export const OBJECT_SYNC_NODE_LABEL = 'kubeedge.io/node-name';

const CRDS: ResourceRef = resourceRef<KubeObject>('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false);
const CALL_TIMEOUT_MS = 15_000;
const SAVE_ATTEMPTS = 5;
const FORGET_WAIT_MS = 10_000;
const FORGET_POLL_MS = 50;

/** What a success point records about the acknowledged object. */
export interface SyncedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string | null;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
}

export class SyncPoints {
  readonly #client: KubeClient;
  readonly #log: Logger;
  readonly #namespaced: SharedInformer<ObjectSync>;
  readonly #cluster: SharedInformer<ObjectSync>;
  /** Saves and removes of one sync object run one after another. */
  readonly #chains = new Map<string, Promise<void>>();
  /** Points removed here (by sync key) until the caches show them gone or a newer save replaces them. */
  readonly #removing = new Set<string>();

  constructor(client: KubeClient, informers: InformerFactory, log: Logger) {
    this.#client = client;
    this.#log = log;
    this.#namespaced = informers.informer(OBJECT_SYNCS);
    this.#cluster = informers.informer(CLUSTER_OBJECT_SYNCS);
    // a removal is complete for readers once the cache shows it
    this.#namespaced.onDelete((sync) => this.#removing.delete(`${sync.metadata?.namespace ?? ''}/${sync.metadata?.name ?? ''}`));
    this.#cluster.onDelete((sync) => this.#removing.delete(`/${sync.metadata?.name ?? ''}`));
  }

  /**
   * The resourceVersion node `nodeName` acknowledged for object `uid`, from the informer caches; none
   * for a point removed here whose deletion the cache does not show yet (the node no longer has it).
   */
  acknowledged(nodeName: string, namespace: string | null, uid: string): string | undefined {
    const name = objectSyncName(nodeName, uid);
    const key = `${namespace ?? ''}/${name}`;
    const sync = namespace === null ? this.#cluster.get(undefined, name) : this.#namespaced.get(namespace, name);
    if (this.#removing.has(key)) return undefined;
    return sync?.status?.objectResourceVersion;
  }

  /** Records that `nodeName` has `obj` at its resourceVersion; an older version never overwrites a newer one. */
  save(nodeName: string, obj: SyncedObject): Promise<void> {
    const name = objectSyncName(nodeName, obj.uid);
    const key = `${obj.namespace ?? ''}/${name}`;
    this.#removing.delete(key);
    return this.#serial(key, () => this.#save(nodeName, name, obj));
  }

  /** Forgets the success point (the node deleted the object). A missing one is fine. */
  remove(nodeName: string, namespace: string | null, uid: string): Promise<void> {
    const name = objectSyncName(nodeName, uid);
    const key = `${namespace ?? ''}/${name}`;
    this.#removing.add(key);
    return this.#serial(key, async () => {
      try {
        await this.#client.delete(namespace === null ? CLUSTER_OBJECT_SYNCS : OBJECT_SYNCS, namespace ?? undefined, name, { timeoutMs: CALL_TIMEOUT_MS });
      } catch (err) {
        if (isNotFound(err)) {
          // nothing was there: the cache will not report a deletion
          this.#removing.delete(key);
          return;
        }
        this.#removing.delete(key);
        throw err;
      }
    });
  }

  /**
   * Deletes every ObjectSync and ClusterObjectSync of `nodeName` (a node joining afresh), then waits
   * (up to FORGET_WAIT_MS) until the caches cloudhub reads no longer hold them. Resolves to the count.
   */
  async forgetNode(nodeName: string, signal?: AbortSignal): Promise<number> {
    const labelSelector = `${OBJECT_SYNC_NODE_LABEL}=${nodeName}`;
    const call = { timeoutMs: CALL_TIMEOUT_MS, ...(signal === undefined ? {} : { signal }) };
    let n = 0;
    for (const ref of [OBJECT_SYNCS, CLUSTER_OBJECT_SYNCS]) {
      const list = await this.#client.list(ref, { labelSelector, ...call });
      for (const sync of list.items) {
        const name = sync.metadata?.name;
        if (name === undefined) continue;
        const ns = ref === CLUSTER_OBJECT_SYNCS ? undefined : sync.metadata?.namespace;
        await this.#serial(`${ns ?? ''}/${name}`, async () => {
          try {
            await this.#client.delete(ref, ns, name, call);
          } catch (err) {
            if (!isNotFound(err)) throw err;
          }
        });
        n++;
      }
    }
    const deadline = Date.now() + FORGET_WAIT_MS;
    while (this.#cachedOf(nodeName) && Date.now() < deadline && signal?.aborted !== true) await sleep(FORGET_POLL_MS, signal).catch(() => undefined);
    return n;
  }

  #cachedOf(nodeName: string): boolean {
    const mine = (s: ObjectSync): boolean => s.metadata?.labels?.[OBJECT_SYNC_NODE_LABEL] === nodeName;
    return this.#namespaced.list().some(mine) || this.#cluster.list().some(mine);
  }

  /** Resolves once both informers delivered their first list. */
  async synced(): Promise<void> {
    await Promise.all([this.#namespaced.synced, this.#cluster.synced]);
  }

  #serial(key: string, fn: () => Promise<void>): Promise<void> {
    const prev = this.#chains.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.#chains.set(key, tail);
    void tail.then(() => {
      if (this.#chains.get(key) === tail) this.#chains.delete(key);
    });
    return next;
  }

  async #save(nodeName: string, name: string, obj: SyncedObject): Promise<void> {
    const ref = obj.namespace === null ? CLUSTER_OBJECT_SYNCS : OBJECT_SYNCS;
    const ns = obj.namespace ?? undefined;
    for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
      let current: ObjectSync;
      try {
        current = await this.#client.get(ref, ns, name, { timeoutMs: CALL_TIMEOUT_MS });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        try {
          current = await this.#client.create(ref, newSync(nodeName, name, obj), { timeoutMs: CALL_TIMEOUT_MS });
        } catch (createErr) {
          if (isAlreadyExists(createErr)) continue;
          throw createErr;
        }
      }
      const recorded = current.status?.objectResourceVersion;
      if (recorded !== undefined && compareResourceVersion(recorded, obj.resourceVersion) >= 0) return;
      try {
        await this.#client.updateStatus(ref, { ...current, status: { objectResourceVersion: obj.resourceVersion } }, { timeoutMs: CALL_TIMEOUT_MS });
        return;
      } catch (err) {
        if (isConflict(err) || isNotFound(err)) continue;
        throw err;
      }
    }
    this.#log.warn({ node: nodeName, sync: name }, 'objectsync save gave up after conflicts');
    throw new KeError('KE_OBJECTSYNC_CONFLICT', `objectsync ${name}: too many conflicts`, { details: { name } });
  }
}

function newSync(nodeName: string, name: string, obj: SyncedObject): ObjectSync {
  const metadata: NonNullable<ObjectSync['metadata']> = { name, labels: { [OBJECT_SYNC_NODE_LABEL]: nodeName } };
  if (obj.namespace !== null) metadata.namespace = obj.namespace;
  return {
    apiVersion: RELIABLESYNCS_API_VERSION,
    kind: obj.namespace === null ? 'ClusterObjectSync' : 'ObjectSync',
    metadata,
    spec: { objectAPIVersion: obj.apiVersion, objectKind: obj.kind, objectName: obj.name },
    status: { objectResourceVersion: obj.resourceVersion },
  };
}

/**
 * Creates the ObjectSync and ClusterObjectSync CRDs when missing and waits (up to 60 s, or until
 * `signal` aborts) until both resources are served. Throws KE_OBJECTSYNC_CRDS_NOT_SERVED.
 */
export async function ensureReliableSyncCrds(client: KubeClient, signal?: AbortSignal): Promise<void> {
  for (const crd of RELIABLESYNCS_CRDS) {
    try {
      await client.create(CRDS, crd as KubeObject, { timeoutMs: CALL_TIMEOUT_MS, ...(signal === undefined ? {} : { signal }) });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
  const deadline = Date.now() + 60_000;
  let last: unknown;
  for (;;) {
    try {
      await client.listPage(OBJECT_SYNCS, { limit: 1, timeoutMs: CALL_TIMEOUT_MS, ...(signal === undefined ? {} : { signal }) });
      await client.listPage(CLUSTER_OBJECT_SYNCS, { limit: 1, timeoutMs: CALL_TIMEOUT_MS, ...(signal === undefined ? {} : { signal }) });
      return;
    } catch (err) {
      last = err;
    }
    if (signal?.aborted === true || Date.now() > deadline) break;
    await sleep(200, signal).catch(() => undefined);
  }
  throw new KeError('KE_OBJECTSYNC_CRDS_NOT_SERVED', 'the reliablesyncs CRDs are not served', { cause: last });
}
