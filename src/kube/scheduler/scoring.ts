/**
 * The scores: among the nodes a pod fits, which is best? Least allocated (the free fraction of cpu
 * and memory after placing the pod, 0..100) plus preferred node affinity (matching terms' weights,
 * normalised to 0..100 over the candidates). Ties go to a hash of pod and node name, so identical
 * pods spread over equally good nodes instead of piling onto the first.
 */
import { matchNodeSelectorTerm } from './filters.js';
import type { NodeInfo, PodInfo } from './node-info.js';

export const MAX_NODE_SCORE = 100;

/** Least allocated over cpu and memory, each weighted 1, using the non-zero default requests. */
function freeFraction(alloc: number | undefined, used: number): number {
  if (alloc === undefined || alloc <= 0 || used > alloc) return 0;
  return ((alloc - used) * MAX_NODE_SCORE) / alloc;
}

export function leastAllocatedScore(pod: PodInfo, node: NodeInfo): number {
  const cpu = freeFraction(node.allocatable['cpu'], node.nonZeroCpu + pod.nonZeroCpu);
  const mem = freeFraction(node.allocatable['memory'], node.nonZeroMemory + pod.nonZeroMemory);
  return (cpu + mem) / 2;
}

/** Sum of the weights of the preferred node-affinity terms the node matches (not normalised). */
export function preferredAffinityWeight(pod: PodInfo, node: NodeInfo): number {
  let sum = 0;
  for (const t of pod.preferredTerms) {
    if (t.weight > 0 && matchNodeSelectorTerm(t.preference, node.labels, node.name)) sum += t.weight;
  }
  return sum;
}

/** FNV-1a 32-bit: a cheap, stable hash for tie-breaking. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const nameHashes = new Map<string, number>();

/** A per-(pod, node) pseudo-random number from the two hashes (node-name hashes are memoised). */
function tieHash(saltHash: number, nodeName: string): number {
  let h = nameHashes.get(nodeName);
  if (h === undefined) {
    h = fnv1a(nodeName);
    if (nameHashes.size > 100_000) nameHashes.clear();
    nameHashes.set(nodeName, h);
  }
  let x = Math.imul(h ^ saltHash, 0x9e3779b1);
  x ^= x >>> 15;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  return x >>> 0;
}

export interface Scored {
  readonly node: NodeInfo;
  readonly score: number;
}

/** Scores the feasible nodes and returns the best (undefined for none). */
export function selectHost(pod: PodInfo, feasible: readonly NodeInfo[]): Scored | undefined {
  if (feasible.length === 0) return undefined;
  const weights = pod.preferredTerms.length > 0 ? feasible.map((n) => preferredAffinityWeight(pod, n)) : undefined;
  const maxWeight = weights === undefined ? 0 : Math.max(...weights);
  let best: Scored | undefined;
  let bestTie = 0;
  const saltHash = fnv1a(pod.uid === '' ? pod.key : pod.uid);
  for (let i = 0; i < feasible.length; i++) {
    const node = feasible[i];
    if (node === undefined) continue;
    let score = leastAllocatedScore(pod, node);
    if (weights !== undefined && maxWeight > 0) score += ((weights[i] ?? 0) * MAX_NODE_SCORE) / maxWeight;
    if (best === undefined || score > best.score) {
      best = { node, score };
      bestTie = -1;
      continue;
    }
    if (score === best.score) {
      if (bestTie < 0) bestTie = tieHash(saltHash, best.node.name);
      const tie = tieHash(saltHash, node.name);
      if (tie > bestTie) {
        best = { node, score };
        bestTie = tie;
      }
    }
  }
  return best;
}
