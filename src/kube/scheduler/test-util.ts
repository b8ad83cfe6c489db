/** Builders of plain pods and nodes for this folder's unit tests. */
import type { Clock } from '../../base/index.js';
import type { V1Node, V1Pod, V1PodSpec, V1Taint } from '../client/index.js';
import { addPodToNode, makeNodeInfo, makePodInfo, type NodeInfo, type PodInfo } from './node-info.js';

export function pod(name: string, requests: Record<string, string> = {}, spec: Partial<V1PodSpec> = {}, priority = 0): PodInfo {
  const p: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests } }], ...spec },
  };
  return makePodInfo(p, priority);
}

export function node(
  name: string,
  opts: { allocatable?: Record<string, string>; labels?: Record<string, string>; taints?: V1Taint[]; ready?: boolean; unschedulable?: boolean } = {},
): NodeInfo {
  const n: V1Node = {
    metadata: { name, labels: opts.labels ?? {} },
    spec: { ...(opts.taints === undefined ? {} : { taints: opts.taints }), ...(opts.unschedulable === true ? { unschedulable: true } : {}) },
    status: {
      allocatable: { cpu: '4', memory: '8Gi', pods: '110', ...opts.allocatable },
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
  return makeNodeInfo(n);
}

export function withPods(n: NodeInfo, ...pods: PodInfo[]): NodeInfo {
  for (const p of pods) addPodToNode(n, p);
  return n;
}

/** A manual clock: timers fire only on advance(). */
export class ManualClock implements Clock {
  #now = 1_000_000;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return { cancel: () => this.#timers.delete(id) };
  }

  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.#timers) if (e[1].at <= end && (next === undefined || e[1].at < next[1].at)) next = e;
      if (next === undefined) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
    }
    this.#now = end;
  }
}
