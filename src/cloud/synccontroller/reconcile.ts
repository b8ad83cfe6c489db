/**
 * One synccontroller pass over the success points (KubeEdge's reliable sync): decides, for every
 * ObjectSync / ClusterObjectSync, whether the node is gone (drop the sync), the object is gone or
 * replaced (tell the node to delete it), a ConfigMap / Secret is no longer used by any pod bound to
 * the node (an unassign delete: the object still exists), or the object is newer than what the node
 * acknowledged (send it again). Pure: lookups in, actions out.
 */
import { compareResourceVersion, parseObjectSyncName, type ObjectSync } from '../../api/crds/index.js';
import { ResourceType } from '../../api/index.js';
import type { KubeObject, V1Pod } from '../../kube/client/index.js';

/** Object kinds edgecontroller sends, and their resource type on the wire. */
export const KIND_RESOURCE_TYPES: Readonly<Record<string, string>> = {
  Pod: ResourceType.Pod,
  ConfigMap: ResourceType.ConfigMap,
  Secret: ResourceType.Secret,
  Service: ResourceType.Service,
  Endpoints: ResourceType.Endpoints,
  Node: ResourceType.Node,
};

export type SyncAction =
  | { readonly kind: 'drop-sync'; readonly sync: ObjectSync; readonly namespace: string | null; readonly name: string }
  | {
      readonly kind: 'delete';
      readonly node: string;
      readonly resourceType: string;
      readonly object: KubeObject;
      readonly uid: string;
      /** The object still exists; the node only no longer needs it (see src/cloud/common/unassign.ts). */
      readonly unassign?: true;
    }
  | { readonly kind: 'update'; readonly node: string; readonly resourceType: string; readonly object: KubeObject; readonly uid: string; readonly resourceVersion: string };

export interface ReconcileLookups {
  nodeExists(name: string): boolean;
  /** The current object of `kind`, or undefined when it is gone (or the kind is not cached). */
  object(kind: string, namespace: string | null, name: string): KubeObject | undefined;
  /** Whether a pod bound to `node` uses ConfigMap / Secret `name` (the references of src/cloud/common/pod-refs.ts). */
  usedOnNode(kind: 'ConfigMap' | 'Secret', namespace: string, name: string, node: string): boolean;
}

export function reconcileSync(sync: ObjectSync, look: ReconcileLookups): SyncAction | undefined {
  const syncName = sync.metadata?.name;
  if (syncName === undefined) return undefined;
  const parsed = parseObjectSyncName(syncName);
  if (parsed === undefined) return undefined;
  const namespace = sync.kind === 'ClusterObjectSync' || sync.metadata?.namespace === undefined || sync.metadata.namespace === '' ? null : sync.metadata.namespace;
  if (!look.nodeExists(parsed.nodeName)) return { kind: 'drop-sync', sync, namespace, name: syncName };
  const kind = sync.spec?.objectKind ?? '';
  const objName = sync.spec?.objectName ?? '';
  const resourceType = KIND_RESOURCE_TYPES[kind];
  if (resourceType === undefined || objName === '') return undefined;
  const obj = look.object(kind, namespace, objName);
  const movedAway = kind === 'Pod' && obj !== undefined && (obj as V1Pod).spec?.nodeName !== parsed.nodeName;
  if (obj === undefined || obj.metadata?.uid !== parsed.objectUid || movedAway) {
    const stub: KubeObject = {
      apiVersion: sync.spec?.objectAPIVersion ?? 'v1',
      kind,
      metadata: { name: objName, ...(namespace === null ? {} : { namespace }), uid: parsed.objectUid },
    };
    return { kind: 'delete', node: parsed.nodeName, resourceType, object: stub, uid: parsed.objectUid };
  }
  if ((kind === 'ConfigMap' || kind === 'Secret') && namespace !== null && !look.usedOnNode(kind, namespace, objName, parsed.nodeName)) {
    return { kind: 'delete', node: parsed.nodeName, resourceType, object: obj, uid: parsed.objectUid, unassign: true };
  }
  const rv = obj.metadata?.resourceVersion ?? '';
  const acked = sync.status?.objectResourceVersion;
  // a sync without a status is being created by cloudhub right now
  if (acked === undefined || acked === '') return undefined;
  if (compareResourceVersion(rv, acked) > 0) {
    return { kind: 'update', node: parsed.nodeName, resourceType, object: obj, uid: parsed.objectUid, resourceVersion: rv };
  }
  return undefined;
}

/** Remembers what was sent lately so a slow ACK does not make every pass send it again. */
export class RecentSends {
  readonly #sent = new Map<string, number>();
  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when `key` was sent within the window. */
  has(key: string): boolean {
    const at = this.#sent.get(key);
    return at !== undefined && this.now() - at < this.windowMs;
  }

  add(key: string): void {
    this.#sent.set(key, this.now());
  }

  /** Forgets entries older than the window. */
  prune(): void {
    const now = this.now();
    for (const [k, at] of this.#sent) if (now - at >= this.windowMs) this.#sent.delete(k);
  }

  get size(): number {
    return this.#sent.size;
  }
}
