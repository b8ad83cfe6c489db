/**
 * The scheduler cache: one NodeInfo per node with the pods bound (or assumed) there, updated per
 * informer event in O(1). A pod the scheduler has decided on is "assumed" on its node at once, so
 * the next decision already sees it; the informer's bound pod later replaces it, and a failed bind
 * forgets it. Pods may arrive before their node: they wait in a NodeInfo without a Node object.
 */
import type { V1Node } from '../client/index.js';
import { addPodToNode, makeNodeInfo, removePodFromNode, setNode, type NodeInfo, type PodInfo } from './node-info.js';

export class SchedulerCache {
  readonly #nodes = new Map<string, NodeInfo>();
  /** Nodes that exist (have a Node object). */
  readonly #present = new Set<string>();
  readonly #podNode = new Map<string, string>();
  readonly #assumed = new Set<string>();
  readonly #nominated = new Map<string, string>();
  #list: NodeInfo[] | undefined;

  /** The existing nodes, in a stable order (rebuilt only when nodes come or go). */
  nodeList(): readonly NodeInfo[] {
    if (this.#list === undefined) {
      this.#list = [...this.#present].sort().map((n) => this.#nodes.get(n)).filter((n): n is NodeInfo => n !== undefined);
    }
    return this.#list;
  }

  node(name: string): NodeInfo | undefined {
    return this.#present.has(name) ? this.#nodes.get(name) : undefined;
  }

  get nodeCount(): number {
    return this.#present.size;
  }

  setNode(node: V1Node): NodeInfo {
    const name = node.metadata?.name ?? '';
    let info = this.#nodes.get(name);
    if (info === undefined) {
      info = makeNodeInfo(node);
      this.#nodes.set(name, info);
    } else setNode(info, node);
    if (!this.#present.has(name)) {
      this.#present.add(name);
      this.#list = undefined;
    }
    return info;
  }

  removeNode(name: string): void {
    if (!this.#present.delete(name)) return;
    this.#list = undefined;
    const info = this.#nodes.get(name);
    if (info !== undefined && info.pods.size === 0) this.#nodes.delete(name);
  }

  /** A pod the informer shows bound to `nodeName` (replaces an assumption). */
  addBoundPod(p: PodInfo, nodeName: string): void {
    this.#assumed.delete(p.key);
    this.#place(p, nodeName);
    this.clearNomination(p.key);
  }

  /** The scheduler's decision, before the bind is confirmed. */
  assume(p: PodInfo, nodeName: string): void {
    this.#assumed.add(p.key);
    this.#place(p, nodeName);
    this.clearNomination(p.key);
  }

  isAssumed(key: string): boolean {
    return this.#assumed.has(key);
  }

  /** Undoes an assumption (bind failed); a pod the informer has confirmed meanwhile stays. */
  forget(key: string): void {
    if (this.#assumed.delete(key)) this.removePod(key);
  }

  /** True when the pod was accounted anywhere. */
  removePod(key: string): boolean {
    this.#assumed.delete(key);
    this.clearNomination(key);
    const name = this.#podNode.get(key);
    if (name === undefined) return false;
    this.#podNode.delete(key);
    const info = this.#nodes.get(name);
    if (info === undefined) return true;
    removePodFromNode(info, key);
    if (info.pods.size === 0 && !this.#present.has(name)) this.#nodes.delete(name);
    return true;
  }

  nodeOf(key: string): string | undefined {
    return this.#podNode.get(key);
  }

  /** Reserves room for a preemptor on `nodeName` until it binds (pods of lower priority cannot take it). */
  nominate(p: PodInfo, nodeName: string): void {
    this.clearNomination(p.key);
    const info = this.#nodes.get(nodeName);
    if (info === undefined) return;
    info.nominated.set(p.key, p);
    this.#nominated.set(p.key, nodeName);
  }

  nominatedNode(key: string): string | undefined {
    return this.#nominated.get(key);
  }

  clearNomination(key: string): void {
    const name = this.#nominated.get(key);
    if (name === undefined) return;
    this.#nominated.delete(key);
    this.#nodes.get(name)?.nominated.delete(key);
  }

  #place(p: PodInfo, nodeName: string): void {
    const prev = this.#podNode.get(p.key);
    if (prev !== undefined && prev !== nodeName) {
      const old = this.#nodes.get(prev);
      if (old !== undefined) removePodFromNode(old, p.key);
    }
    let info = this.#nodes.get(nodeName);
    if (info === undefined) {
      info = makeNodeInfo({ metadata: { name: nodeName } });
      this.#nodes.set(nodeName, info);
    }
    addPodToNode(info, p);
    this.#podNode.set(p.key, nodeName);
  }
}
