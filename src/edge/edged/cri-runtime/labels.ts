/**
 * Labels and annotations on CRI sandboxes and containers: kubelet's keys (so tools that know
 * kubelet's layout read ours) plus our own container-type label and spec hash.
 */
import { createHash } from 'node:crypto';
import { sortedKeyJson } from '../../../base/index.js';
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


/** A hash of the container spec: a container whose hash differs from its spec's is restarted. */
export function containerHash(c: V1Container): string {
  return createHash('sha256').update(sortedKeyJson(c)).digest('hex').slice(0, 16);
}
