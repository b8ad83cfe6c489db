/**
 * Preemption, as kube-scheduler's default: on each node where only resources are short, remove
 * every lower-priority pod; if the preemptor then fits, add the removed pods back highest priority
 * first while it still fits ("reprieve"); the rest are the victims. Among the candidate nodes pick
 * the one whose highest victim priority is lowest, then the lowest sum of victim priorities, then
 * the fewest victims. Pure functions on NodeInfo/PodInfo; nothing here talks to the API.
 */
import { resourceShortages } from './filters.js';
import type { NodeInfo, PodInfo } from './node-info.js';
import { addInto, type Resources } from './resources.js';

export interface PreemptionCandidate {
  readonly node: NodeInfo;
  readonly victims: readonly PodInfo[];
}

/** The minimal set of lower-priority pods to evict from `node` so `pod` fits; undefined if none works. */
export function selectVictimsOnNode(pod: PodInfo, node: NodeInfo): PodInfo[] | undefined {
  const lower: PodInfo[] = [];
  const requested: Resources = { ...node.requested };
  let podCount = node.pods.size;
  for (const p of node.pods.values()) {
    if (p.priority < pod.priority && !p.terminating) {
      lower.push(p);
      addInto(requested, p.requests, -1);
      podCount--;
    }
  }
  if (lower.length === 0) return undefined;
  if (resourceShortages(pod.requests, node.allocatable, requested, podCount).length > 0) return undefined;
  // reprieve the most important first; among equals, the older pod stays
  lower.sort((a, b) => b.priority - a.priority || startOf(a) - startOf(b));
  const victims: PodInfo[] = [];
  for (const p of lower) {
    addInto(requested, p.requests);
    if (resourceShortages(pod.requests, node.allocatable, requested, podCount + 1).length === 0) {
      podCount++;
      continue;
    }
    addInto(requested, p.requests, -1);
    victims.push(p);
  }
  return victims;
}

function startOf(p: PodInfo): number {
  const t = p.pod.status?.startTime ?? p.pod.metadata?.creationTimestamp;
  const ms = t === undefined ? NaN : Date.parse(t);
  return Number.isFinite(ms) ? ms : 0;
}

/** The best candidate (fewest and least important victims), or undefined for none. */
export function pickPreemptionCandidate(candidates: readonly PreemptionCandidate[]): PreemptionCandidate | undefined {
  let best: PreemptionCandidate | undefined;
  let bestKey: readonly number[] = [];
  for (const c of candidates) {
    const key = [Math.max(...c.victims.map((v) => v.priority)), c.victims.reduce((s, v) => s + v.priority, 0), c.victims.length];
    if (best === undefined || less(key, bestKey) || (equal(key, bestKey) && c.node.name < best.node.name)) {
      best = c;
      bestKey = key;
    }
  }
  return best;
}

function less(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

function equal(a: readonly number[], b: readonly number[]): boolean {
  return !less(a, b) && !less(b, a);
}

/** Candidates among `nodes` (those that failed only for resources), each with its victims. */
export function findPreemptionCandidates(pod: PodInfo, nodes: Iterable<NodeInfo>): PreemptionCandidate[] {
  const out: PreemptionCandidate[] = [];
  for (const node of nodes) {
    const victims = selectVictimsOnNode(pod, node);
    if (victims !== undefined && victims.length > 0) out.push({ node, victims });
  }
  return out;
}
