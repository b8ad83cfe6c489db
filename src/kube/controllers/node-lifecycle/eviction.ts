/**
 * When a pod on a NoExecute-tainted node is to be deleted (Kubernetes' taint manager), with the
 * edge rule of kubeedge-ts: on an edge node the unreachable / not-ready taints evict only pods that
 * opted in with an explicit toleration carrying tolerationSeconds; everything else stays bound so it
 * keeps running at the edge while the node is offline. Cloud nodes follow Kubernetes, including the
 * DefaultTolerationSeconds admission (pods without a toleration for those taints get
 * `defaultEvictionSeconds`).
 */
import type { V1Pod, V1Taint } from '../../client/index.js';
import { tolerates } from '../common/matching.js';
import { TAINT_NOT_READY, TAINT_UNREACHABLE } from './taints.js';

export type EvictionDecision =
  /** Never evicted for the current taints. */
  | { readonly kind: 'keep' }
  /** Evicted at `atMs` (epoch ms; already due when <= now) because of `taint`. */
  | { readonly kind: 'evict'; readonly atMs: number; readonly taint: V1Taint };

export interface EvictionInput {
  readonly pod: V1Pod;
  readonly taints: readonly V1Taint[];
  readonly edge: boolean;
  readonly defaultEvictionSeconds: number;
  /** Used for a taint without timeAdded. */
  readonly nowMs: number;
}

export { tolerates };

function isLifecycleKey(key: string): boolean {
  return key === TAINT_UNREACHABLE || key === TAINT_NOT_READY;
}

/**
 * Seconds the pod tolerates `taint`: 0 = evict at once, undefined = forever. Kubernetes'
 * getMinTolerationTime over the matching tolerations, plus the edge and default-seconds rules.
 */
export function toleratedSeconds(pod: V1Pod, taint: V1Taint, edge: boolean, defaultEvictionSeconds: number): number | undefined {
  const matching = (pod.spec?.tolerations ?? []).filter((t) => tolerates(t, taint));
  if (matching.length === 0) {
    if (isLifecycleKey(taint.key)) return edge ? undefined : defaultEvictionSeconds;
    return 0;
  }
  let min: number | undefined;
  for (const t of matching) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    const s = Math.max(0, t.tolerationSeconds);
    if (min === undefined || s < min) min = s;
  }
  return min;
}

export function evictionDecision(input: EvictionInput): EvictionDecision {
  const { pod, edge, defaultEvictionSeconds, nowMs } = input;
  let best: { atMs: number; taint: V1Taint } | undefined;
  for (const taint of input.taints) {
    if (taint.effect !== 'NoExecute') continue;
    const seconds = toleratedSeconds(pod, taint, edge, defaultEvictionSeconds);
    if (seconds === undefined) continue;
    const added = taint.timeAdded === undefined ? Number.NaN : Date.parse(taint.timeAdded);
    const start = Number.isFinite(added) ? added : nowMs;
    const atMs = start + seconds * 1000;
    if (best === undefined || atMs < best.atMs) best = { atMs, taint };
  }
  return best === undefined ? { kind: 'keep' } : { kind: 'evict', ...best };
}
