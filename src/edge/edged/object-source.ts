/**
 * ConfigMaps and Secrets for pod volumes and env, read straight from the edge's SQLite `meta` table
 * (`<ns>/configmap/<name>`, `<ns>/secret/<name>`, as metamanager stores them), so pods start offline.
 */
import { isJsonObject } from '../../base/index.js';
import type { V1ConfigMap, V1Secret } from '../../kube/client/index.js';
import type { EdgeDb } from '../../platform/store/edge-db-types.js';
import type { ObjectSource } from './runtime.js';

function read(db: EdgeDb, key: string): unknown {
  const row = db.meta.get(key);
  if (row === undefined) return undefined;
  try {
    const v = JSON.parse(row.value) as unknown;
    return isJsonObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export function metaObjectSource(db: EdgeDb): ObjectSource {
  return {
    configMap: (ns, name) => read(db, `${ns}/configmap/${name}`) as V1ConfigMap | undefined,
    secret: (ns, name) => read(db, `${ns}/secret/${name}`) as V1Secret | undefined,
  };
}

/** Whether the pod uses ConfigMap / Secret `name` (volumes, projected sources, env, envFrom, imagePullSecrets). */
export function podUses(pod: { spec?: unknown }, kind: 'configmap' | 'secret', name: string): boolean {
  const text = JSON.stringify(pod.spec ?? {});
  // A cheap pre-check before walking the spec.
  if (!text.includes(`"${name}"`)) return false;
  const spec = pod.spec as {
    volumes?: { configMap?: { name?: string }; secret?: { secretName?: string }; projected?: { sources?: { configMap?: { name?: string }; secret?: { name?: string } }[] } }[];
    containers?: ContainerRefs[];
    initContainers?: ContainerRefs[];
    imagePullSecrets?: { name?: string }[];
  };
  for (const v of spec.volumes ?? []) {
    if (kind === 'configmap' && v.configMap?.name === name) return true;
    if (kind === 'secret' && v.secret?.secretName === name) return true;
    for (const s of v.projected?.sources ?? []) {
      if (kind === 'configmap' && s.configMap?.name === name) return true;
      if (kind === 'secret' && s.secret?.name === name) return true;
    }
  }
  if (kind === 'secret' && (spec.imagePullSecrets ?? []).some((s) => s.name === name)) return true;
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    for (const e of c.env ?? []) {
      if (kind === 'configmap' && e.valueFrom?.configMapKeyRef?.name === name) return true;
      if (kind === 'secret' && e.valueFrom?.secretKeyRef?.name === name) return true;
    }
    for (const e of c.envFrom ?? []) {
      if (kind === 'configmap' && e.configMapRef?.name === name) return true;
      if (kind === 'secret' && e.secretRef?.name === name) return true;
    }
  }
  return false;
}

interface ContainerRefs {
  env?: { valueFrom?: { configMapKeyRef?: { name?: string }; secretKeyRef?: { name?: string } } }[];
  envFrom?: { configMapRef?: { name?: string }; secretRef?: { name?: string } }[];
}
