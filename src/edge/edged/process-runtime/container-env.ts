/** The environment of a host-process container: the container's `env` (values and pod field refs). */
import type { V1Container, V1Pod } from '../../../kube/client/index.js';

function fieldValue(pod: V1Pod, path: string, podIP: string): string {
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'status.podIP':
    case 'status.hostIP':
      return podIP;
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    default:
      return '';
  }
}

/** PATH and HOME come from edgecore's own environment so commands resolve as on the host. */
export function containerEnv(pod: V1Pod, c: V1Container, podIP: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'LANG', 'TZ']) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = expand(e.value, env);
    else if (e.valueFrom?.fieldRef !== undefined) env[e.name] = fieldValue(pod, e.valueFrom.fieldRef.fieldPath, podIP);
    else env[e.name] = '';
  }
  return env;
}

/** Kubernetes `$(VAR)` expansion against earlier variables; `$$` escapes. */
export function expand(s: string, env: Readonly<Record<string, string>>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && env[name] !== undefined ? env[name] : m;
  });
}
