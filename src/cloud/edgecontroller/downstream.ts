/**
 * Downstream (KubeEdge's DownstreamController): turns informer events into messages for cloudhub.
 * Pods go to the edge node they are bound to; ConfigMaps and Secrets only to the edge nodes whose
 * pods use them (sent before the pod that needs them, deleted when the last such pod leaves);
 * Services and Endpoints to every edge node; an edge node's own Node object to that node.
 */
import { Operation, Group, Source, ResourceType, cloudObjectResource, newMessage, type KubeEdgeMessage } from '../../api/index.js';
import {
  dropManagedFields,
  objectKey,
  type KubeObject,
  type SharedInformer,
  type V1ConfigMap,
  type V1Endpoints,
  type V1Node,
  type V1Pod,
  type V1Secret,
  type V1Service,
} from '../../kube/client/index.js';
import { EDGE_NODE_LABEL, POD_NODE_INDEX, RefKind, markUnassign, parseRefKey, podNodeIndex, podRefs, refKey, type RefKey } from '../common/index.js';
import type { Logger } from '../../platform/log/index.js';
import { LocationCache } from './location.js';

export { POD_NODE_INDEX };

export interface DownstreamInformers {
  readonly nodes: SharedInformer<V1Node>;
  readonly pods: SharedInformer<V1Pod>;
  readonly configmaps: SharedInformer<V1ConfigMap>;
  readonly secrets: SharedInformer<V1Secret>;
  readonly services: SharedInformer<V1Service>;
  readonly endpoints: SharedInformer<V1Endpoints>;
}

type DownOp = typeof Operation.Insert | typeof Operation.Update | typeof Operation.Delete;

export function isEdgeNode(node: V1Node | undefined): boolean {
  return node?.metadata?.labels?.[EDGE_NODE_LABEL] !== undefined;
}

/** The message cloudhub queues for `node`: resource `node/<node>/<ns|null>/<type>/<name>`, header.resourceversion the object's. */
export function downstreamMessage(node: string, operation: string, resourceType: string, obj: KubeObject): KubeEdgeMessage {
  const meta = obj.metadata ?? {};
  const rv = meta.resourceVersion;
  return newMessage({
    source: Source.EdgeController,
    group: Group.Resource,
    operation,
    resource: cloudObjectResource(node, meta.namespace === undefined || meta.namespace === '' ? null : meta.namespace, resourceType, meta.name ?? ''),
    content: dropManagedFields(obj),
    ...(rv === undefined || rv === '' ? {} : { resourceVersion: rv }),
  });
}

function readyStatus(n: V1Node): string | undefined {
  return n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
}

/**
 * Whether a Node changed in a way its edge must learn (labels, annotations, spec, deletion, and its Ready
 * condition, so an edge marked Unknown while it runs re-reports at once); the rest of status it reports itself.
 */
function nodeChangedForEdge(a: V1Node, b: V1Node): boolean {
  const same = (x: unknown, y: unknown): boolean => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);
  return !(
    readyStatus(a) === readyStatus(b) &&
    same(a.metadata?.labels, b.metadata?.labels) &&
    same(a.metadata?.annotations, b.metadata?.annotations) &&
    same(a.spec, b.spec) &&
    same(a.metadata?.deletionTimestamp, b.metadata?.deletionTimestamp)
  );
}

export class Downstream {
  readonly location = new LocationCache();
  readonly #inf: DownstreamInformers;
  readonly #emit: (msg: KubeEdgeMessage) => void;
  readonly #log: Logger;
  readonly #edgeNodes = new Set<string>();
  /** resourceVersion of the pod version last sent, by pod key. */
  readonly #podRv = new Map<string, string>();

  constructor(informers: DownstreamInformers, emit: (msg: KubeEdgeMessage) => void, log: Logger) {
    this.#inf = informers;
    this.#emit = emit;
    this.#log = log;
    if (!informers.pods.hasIndex(POD_NODE_INDEX)) {
      informers.pods.addIndex(POD_NODE_INDEX, podNodeIndex);
    }
  }

  isEdge(node: string): boolean {
    return this.#edgeNodes.has(node);
  }

  edgeNodes(): string[] {
    return [...this.#edgeNodes];
  }

  /**
   * Registers the handlers. Call once every informer has synced: the add handlers replay the caches,
   * in an order (referenced objects, then nodes, then pods) that sends each object once.
   */
  subscribe(): () => void {
    const offs: (() => void)[] = [];
    const { configmaps, secrets, services, endpoints, nodes, pods } = this.#inf;
    offs.push(configmaps.onAdd((o) => this.#refChanged(RefKind.ConfigMap, o, Operation.Insert)));
    offs.push(configmaps.onUpdate((_, o) => this.#refChanged(RefKind.ConfigMap, o, Operation.Update)));
    offs.push(configmaps.onDelete((o) => this.#refChanged(RefKind.ConfigMap, o, Operation.Delete)));
    offs.push(secrets.onAdd((o) => this.#refChanged(RefKind.Secret, o, Operation.Insert)));
    offs.push(secrets.onUpdate((_, o) => this.#refChanged(RefKind.Secret, o, Operation.Update)));
    offs.push(secrets.onDelete((o) => this.#refChanged(RefKind.Secret, o, Operation.Delete)));
    offs.push(services.onAdd((o) => this.#toAll(ResourceType.Service, o, Operation.Insert)));
    offs.push(services.onUpdate((_, o) => this.#toAll(ResourceType.Service, o, Operation.Update)));
    offs.push(services.onDelete((o) => this.#toAll(ResourceType.Service, o, Operation.Delete)));
    offs.push(endpoints.onAdd((o) => this.#toAll(ResourceType.Endpoints, o, Operation.Insert)));
    offs.push(endpoints.onUpdate((_, o) => this.#toAll(ResourceType.Endpoints, o, Operation.Update)));
    offs.push(endpoints.onDelete((o) => this.#toAll(ResourceType.Endpoints, o, Operation.Delete)));
    offs.push(nodes.onAdd((n) => this.#nodeAdded(n)));
    offs.push(nodes.onUpdate((old, n) => this.#nodeUpdated(old, n)));
    offs.push(nodes.onDelete((n) => this.#nodeDeleted(n)));
    offs.push(pods.onAdd((p) => this.#syncPod(p, Operation.Insert)));
    offs.push(pods.onUpdate((_, p) => this.#syncPod(p, Operation.Update)));
    offs.push(pods.onDelete((p) => this.#podDeleted(p)));
    return () => {
      for (const off of offs) off();
    };
  }

  /** Sends `node` everything it should have (its pods with their ConfigMaps and Secrets, Services, Endpoints). */
  resendNode(node: string): number {
    if (!this.#edgeNodes.has(node)) return 0;
    let n = 0;
    for (const ref of this.location.refsOn(node)) {
      const obj = this.#refObject(ref);
      if (obj === undefined) continue;
      const parsed = parseRefKey(ref);
      if (parsed === undefined) continue;
      this.#send(node, Operation.Insert, parsed.kind, obj);
      n++;
    }
    for (const key of this.location.podsOn(node)) {
      const pod = this.#inf.pods.getByKey(key);
      if (pod === undefined) continue;
      this.#send(node, Operation.Insert, ResourceType.Pod, pod);
      n++;
    }
    for (const svc of this.#inf.services.list()) {
      this.#send(node, Operation.Insert, ResourceType.Service, svc);
      n++;
    }
    for (const ep of this.#inf.endpoints.list()) {
      this.#send(node, Operation.Insert, ResourceType.Endpoints, ep);
      n++;
    }
    return n;
  }

  #send(node: string, op: DownOp, resourceType: string, obj: KubeObject, unassign = false): void {
    try {
      const msg = downstreamMessage(node, op, resourceType, obj);
      this.#emit(unassign ? markUnassign(msg) : msg);
    } catch (err) {
      this.#log.warn({ err, node, resourceType, operation: op }, 'downstream message not built');
    }
  }

  #refObject(ref: RefKey): KubeObject | undefined {
    const parsed = parseRefKey(ref);
    if (parsed === undefined) return undefined;
    return parsed.kind === RefKind.ConfigMap ? this.#inf.configmaps.get(parsed.namespace, parsed.name) : this.#inf.secrets.get(parsed.namespace, parsed.name);
  }

  #refChanged(kind: RefKind, obj: KubeObject, op: DownOp): void {
    const ns = obj.metadata?.namespace;
    const name = obj.metadata?.name;
    if (ns === undefined || name === undefined) return;
    for (const node of this.location.nodesUsing(refKey(kind, ns, name))) this.#send(node, op, kind, obj);
  }

  #toAll(resourceType: string, obj: KubeObject, op: DownOp): void {
    for (const node of this.#edgeNodes) this.#send(node, op, resourceType, obj);
  }

  #nodeAdded(node: V1Node): void {
    if (!isEdgeNode(node)) return;
    const name = node.metadata?.name;
    if (name === undefined) return;
    this.#edgeNodes.add(name);
    for (const svc of this.#inf.services.list()) this.#send(name, Operation.Insert, ResourceType.Service, svc);
    for (const ep of this.#inf.endpoints.list()) this.#send(name, Operation.Insert, ResourceType.Endpoints, ep);
    for (const pod of this.#inf.pods.byIndex(POD_NODE_INDEX, name)) this.#syncPod(pod, Operation.Insert);
  }

  #nodeUpdated(old: V1Node, node: V1Node): void {
    const name = node.metadata?.name;
    if (name === undefined) return;
    const was = this.#edgeNodes.has(name);
    const is = isEdgeNode(node);
    if (!was && is) {
      this.#nodeAdded(node);
      return;
    }
    if (was && !is) {
      this.#forgetNode(name);
      return;
    }
    if (is && nodeChangedForEdge(old, node)) this.#send(name, Operation.Update, ResourceType.Node, node);
  }

  #nodeDeleted(node: V1Node): void {
    const name = node.metadata?.name;
    if (name === undefined || !this.#edgeNodes.has(name)) return;
    this.#send(name, Operation.Delete, ResourceType.Node, node);
    this.#forgetNode(name);
  }

  #forgetNode(name: string): void {
    for (const key of this.location.podsOn(name)) this.#podRv.delete(key);
    this.location.dropNode(name);
    this.#edgeNodes.delete(name);
  }

  #syncPod(pod: V1Pod, op: DownOp): void {
    const key = objectKey(pod);
    if (key === '') return;
    const node = pod.spec?.nodeName ?? '';
    const uid = pod.metadata?.uid ?? '';
    const rv = pod.metadata?.resourceVersion ?? '';
    const tracked = this.location.pod(key);
    if (node === '' || !this.#edgeNodes.has(node)) {
      if (tracked !== undefined) this.#podDeleted(pod);
      return;
    }
    if (tracked !== undefined && tracked.node === node && tracked.uid === uid && this.#podRv.get(key) === rv) return;
    if (tracked !== undefined && tracked.uid !== uid) {
      // the same name now holds another pod: the old one is gone
      const gone = this.location.untrack(key);
      if (gone !== undefined) this.#sendPodGone(key, gone.pod.node, { apiVersion: 'v1', kind: 'Pod', metadata: { ...pod.metadata, uid: gone.pod.uid } }, gone.change.removed);
    }
    const again = this.location.pod(key);
    const { left, arrived } = this.location.track(key, { node, uid, refs: podRefs(pod) });
    for (const ref of arrived) {
      const obj = this.#refObject(ref);
      const parsed = parseRefKey(ref);
      if (obj !== undefined && parsed !== undefined) this.#send(node, Operation.Insert, parsed.kind, obj);
    }
    if (left !== undefined && left.node !== node) {
      this.#send(left.node, Operation.Delete, ResourceType.Pod, pod);
      this.#sendRefDeletes(left.node, left.refs);
    }
    const moved = again === undefined || again.node !== node;
    this.#send(node, moved ? Operation.Insert : op, ResourceType.Pod, pod);
    this.#podRv.set(key, rv);
    if (left !== undefined && left.node === node) this.#sendRefDeletes(node, left.refs);
  }

  #podDeleted(pod: V1Pod): void {
    const key = objectKey(pod);
    const gone = this.location.untrack(key);
    if (gone === undefined) return;
    this.#sendPodGone(key, gone.pod.node, pod, gone.change.removed);
  }

  #sendPodGone(key: string, node: string, pod: V1Pod, refs: readonly RefKey[]): void {
    this.#podRv.delete(key);
    this.#send(node, Operation.Delete, ResourceType.Pod, pod);
    this.#sendRefDeletes(node, refs);
  }

  #sendRefDeletes(node: string, refs: readonly RefKey[]): void {
    for (const ref of refs) {
      const obj = this.#refObject(ref);
      const parsed = parseRefKey(ref);
      // an object no longer cached was deleted, and that delete already went out; one still cached is
      // only no longer needed on this node: an unassign, which a later insert of it must not be stale to
      if (obj !== undefined && parsed !== undefined) this.#send(node, Operation.Delete, parsed.kind, obj, true);
    }
  }
}
