/**
 * Controller references, as kube-controller-manager's ControllerRefManager: the owner reference a
 * controller puts on what it makes or adopts, the JSON patches that adopt and release (guarded by a
 * `test` op so a recreated object of the same name is never touched), and the informer indexes the
 * workload controllers share.
 */
import { RESOURCES, isConflict, isNotFound, type KubeClient, type ResourceRef, type SharedInformer, type V1OwnerReference, type V1Pod, type V1ReplicaSet } from '../../client/index.js';
import type { ControllerContext } from '../types.js';
import { controllerRefOf } from './replicaset-util.js';

export const NAMESPACE_INDEX = 'workloads/namespace';
export const CONTROLLER_UID_INDEX = 'workloads/controller-uid';
/** Pods without a controller, by namespace: the only ones a ReplicaSet may adopt. */
export const ORPHAN_INDEX = 'workloads/orphans';

type Owned = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string; uid?: string; ownerReferences?: V1OwnerReference[] } };

/** Indexes the workload controllers share on the pod and ReplicaSet informers (by namespace, by controller uid). */
export function ensureIndexes(ctx: ControllerContext): { pods: SharedInformer<V1Pod>; rss: SharedInformer<V1ReplicaSet> } {
  const pods = ctx.informers.informer(RESOURCES.pods);
  const rss = ctx.informers.informer(RESOURCES.replicasets);
  const ns = (o: Owned): string[] => [o.metadata?.namespace ?? ''];
  const owner = (o: Owned): string[] => {
    const ref = controllerRefOf(o);
    return ref === undefined ? [] : [ref.uid];
  };
  if (!pods.hasIndex(NAMESPACE_INDEX)) pods.addIndex(NAMESPACE_INDEX, ns);
  if (!pods.hasIndex(CONTROLLER_UID_INDEX)) pods.addIndex(CONTROLLER_UID_INDEX, owner);
  if (!pods.hasIndex(ORPHAN_INDEX)) pods.addIndex(ORPHAN_INDEX, (o) => (controllerRefOf(o) === undefined ? ns(o) : []));
  if (!rss.hasIndex(NAMESPACE_INDEX)) rss.addIndex(NAMESPACE_INDEX, ns);
  if (!rss.hasIndex(CONTROLLER_UID_INDEX)) rss.addIndex(CONTROLLER_UID_INDEX, owner);
  return { pods, rss };
}

/** The controller reference to `owner` (controller and blockOwnerDeletion true). */
export function ownerRefFor(owner: Owned, apiVersion: string, kind: string): V1OwnerReference {
  return { apiVersion, kind, name: owner.metadata?.name ?? '', uid: owner.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** Makes `owner` the controller of `obj`; undefined when `obj` is gone. */
export async function adopt<T extends Owned>(client: KubeClient, ref: ResourceRef<T>, obj: T, owner: V1OwnerReference, signal: AbortSignal): Promise<T | undefined> {
  const refs = obj.metadata?.ownerReferences;
  const ops = [
    { op: 'test', path: '/metadata/uid', value: obj.metadata?.uid ?? '' },
    refs === undefined ? { op: 'add', path: '/metadata/ownerReferences', value: [owner] } : { op: 'add', path: '/metadata/ownerReferences/-', value: owner },
  ];
  try {
    const adopted = await client.patch(ref, obj.metadata?.namespace, obj.metadata?.name ?? '', ops, { type: 'json', signal });
    return { ...adopted, kind: ref.kind, apiVersion: ref.group === '' ? ref.version : `${ref.group}/${ref.version}` };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Drops the owner reference with `uid` from `obj` (it no longer matches its controller's selector). */
export async function release<T extends Owned>(client: KubeClient, ref: ResourceRef<T>, obj: T, uid: string, signal: AbortSignal): Promise<void> {
  const i = (obj.metadata?.ownerReferences ?? []).findIndex((r) => r.uid === uid);
  if (i < 0) return;
  const ops = [
    { op: 'test', path: `/metadata/ownerReferences/${i}/uid`, value: uid },
    { op: 'remove', path: `/metadata/ownerReferences/${i}` },
  ];
  try {
    await client.patch(ref, obj.metadata?.namespace, obj.metadata?.name ?? '', ops, { type: 'json', signal });
  } catch (err) {
    if (!isNotFound(err) && !isConflict(err)) throw err;
  }
}

/** Whether `owner` may adopt: a fresh read (not the cache) finds it, same uid, not being deleted. */
export async function canAdopt<T extends Owned & { metadata?: { deletionTimestamp?: string } }>(client: KubeClient, ref: ResourceRef<T>, owner: T, signal: AbortSignal): Promise<boolean> {
  try {
    const fresh = await client.get(ref, owner.metadata?.namespace, owner.metadata?.name ?? '', { signal });
    return fresh.metadata?.uid === owner.metadata?.uid && fresh.metadata?.deletionTimestamp === undefined;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
