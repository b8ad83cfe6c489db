/**
 * Labels and annotations on CRI sandboxes and containers: kubelet's keys (so tools that know
 * kubelet's layout read ours) plus our own container-type label and spec hash.
 */
import { createHash } from 'node:crypto';
import type { V1Container } from '../../../kube/client/index.js';

export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
/** `init` or `app`: lets a re-adopted pod be reported before its spec is known again. */
export const LABEL_CONTAINER_TYPE = 'kubeedge.io/container-type';
/** Set on sandboxes of host-network pods (their IP is the node's). */
export const LABEL_HOST_NETWORK = 'kubeedge.io/host-network';
export const ANNOTATION_RESTART_COUNT = 'io.kubernetes.container.restartCount';
export const ANNOTATION_GRACE = 'io.kubernetes.pod.terminationGracePeriod';
export const ANNOTATION_HASH = 'kubeedge.io/container-hash';

/** JSON with object keys sorted, undefined dropped: the same spec always gives the same text. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonical(x))).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** A hash of the container spec: a container whose hash differs from its spec's is restarted. */
export function containerHash(c: V1Container): string {
  return createHash('sha256').update(canonical(c)).digest('hex').slice(0, 16);
}
