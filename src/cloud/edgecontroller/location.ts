/**
 * Where objects live (KubeEdge's LocationCache): which edge node each tracked pod was sent to, and
 * per node how many of its pods use each ConfigMap / Secret. A ref goes to a node when its count
 * goes 0 → 1 and is deleted there when it drops back to 0.
 */
import type { RefKey } from '../common/index.js';

export interface TrackedPod {
  readonly node: string;
  readonly uid: string;
  readonly refs: readonly RefKey[];
}

export interface RefChange {
  /** Refs whose count on the node went 0 → 1. */
  readonly added: RefKey[];
  /** Refs whose count on the node went to 0. */
  readonly removed: RefKey[];
}

export class LocationCache {
  readonly #pods = new Map<string, TrackedPod>();
  readonly #nodeRefs = new Map<string, Map<RefKey, number>>();
  readonly #refNodes = new Map<RefKey, Set<string>>();
  readonly #nodePods = new Map<string, Set<string>>();

  pod(podKey: string): TrackedPod | undefined {
    return this.#pods.get(podKey);
  }

  /** Keys of the pods tracked on `node`. */
  podsOn(node: string): string[] {
    return [...(this.#nodePods.get(node) ?? [])];
  }

  /** Nodes that have at least one pod using `ref`. */
  nodesUsing(ref: RefKey): string[] {
    return [...(this.#refNodes.get(ref) ?? [])];
  }

  refsOn(node: string): RefKey[] {
    return [...(this.#nodeRefs.get(node)?.keys() ?? [])];
  }

  uses(node: string, ref: RefKey): boolean {
    return (this.#nodeRefs.get(node)?.get(ref) ?? 0) > 0;
  }

  /**
   * Records `podKey` on `pod.node` with `pod.refs`, replacing what was tracked (possibly on another
   * node). Returns the net changes: refs that left the old node and refs new on the new node.
   */
  track(podKey: string, pod: TrackedPod): { left: { node: string; refs: RefKey[] } | undefined; arrived: RefKey[] } {
    const old = this.untrack(podKey);
    this.#pods.set(podKey, pod);
    let pods = this.#nodePods.get(pod.node);
    if (pods === undefined) {
      pods = new Set();
      this.#nodePods.set(pod.node, pods);
    }
    pods.add(podKey);
    const arrived: RefKey[] = [];
    for (const ref of pod.refs) if (this.#inc(pod.node, ref)) arrived.push(ref);
    if (old === undefined) return { left: undefined, arrived };
    const removed = old.change.removed;
    if (old.pod.node !== pod.node) return { left: { node: old.pod.node, refs: removed }, arrived };
    // on the same node a ref that went 1 -> 0 -> 1 never really left
    return { left: { node: pod.node, refs: removed.filter((r) => !arrived.includes(r)) }, arrived: arrived.filter((r) => !removed.includes(r)) };
  }

  /** Stops tracking `podKey`; returns where it was and the refs that left its node. */
  untrack(podKey: string): { pod: TrackedPod; change: RefChange } | undefined {
    const pod = this.#pods.get(podKey);
    if (pod === undefined) return undefined;
    this.#pods.delete(podKey);
    const pods = this.#nodePods.get(pod.node);
    pods?.delete(podKey);
    if (pods?.size === 0) this.#nodePods.delete(pod.node);
    const removed: RefKey[] = [];
    for (const ref of pod.refs) if (this.#dec(pod.node, ref)) removed.push(ref);
    return { pod, change: { added: [], removed } };
  }

  /** Forgets a node and every pod tracked on it. */
  dropNode(node: string): void {
    for (const key of this.podsOn(node)) this.untrack(key);
    this.#nodeRefs.delete(node);
  }

  #inc(node: string, ref: RefKey): boolean {
    let refs = this.#nodeRefs.get(node);
    if (refs === undefined) {
      refs = new Map();
      this.#nodeRefs.set(node, refs);
    }
    const n = (refs.get(ref) ?? 0) + 1;
    refs.set(ref, n);
    if (n === 1) {
      let nodes = this.#refNodes.get(ref);
      if (nodes === undefined) {
        nodes = new Set();
        this.#refNodes.set(ref, nodes);
      }
      nodes.add(node);
    }
    return n === 1;
  }

  #dec(node: string, ref: RefKey): boolean {
    const refs = this.#nodeRefs.get(node);
    const n = (refs?.get(ref) ?? 0) - 1;
    if (refs === undefined || n < 0) return false;
    if (n > 0) {
      refs.set(ref, n);
      return false;
    }
    refs.delete(ref);
    if (refs.size === 0) this.#nodeRefs.delete(node);
    const nodes = this.#refNodes.get(ref);
    nodes?.delete(node);
    if (nodes?.size === 0) this.#refNodes.delete(ref);
    return true;
  }
}
