/**
 * Which ConfigMaps and Secrets a pod uses (KubeEdge's LocationCache input): volumes (configMap,
 * secret, projected sources), env valueFrom, envFrom of every container, and imagePullSecrets.
 */
import type { V1Container, V1Pod } from '../../kube/client/index.js';

export const RefKind = {
  ConfigMap: 'configmap',
  Secret: 'secret',
} as const;
export type RefKind = (typeof RefKind)[keyof typeof RefKind];

/** `configmap/<ns>/<name>` or `secret/<ns>/<name>`. */
export type RefKey = string;

export function refKey(kind: RefKind, namespace: string, name: string): RefKey {
  return `${kind}/${namespace}/${name}`;
}

export function parseRefKey(key: RefKey): { kind: RefKind; namespace: string; name: string } | undefined {
  const [kind, namespace, ...rest] = key.split('/');
  const name = rest.join('/');
  if ((kind !== RefKind.ConfigMap && kind !== RefKind.Secret) || namespace === undefined || name === '') return undefined;
  return { kind, namespace, name };
}

type ContainerLike = Pick<V1Container, 'env' | 'envFrom'>;

function containerRefs(c: ContainerLike, add: (kind: RefKind, name: string | undefined) => void): void {
  for (const e of c.env ?? []) {
    add(RefKind.ConfigMap, e.valueFrom?.configMapKeyRef?.name);
    add(RefKind.Secret, e.valueFrom?.secretKeyRef?.name);
  }
  for (const e of c.envFrom ?? []) {
    add(RefKind.ConfigMap, e.configMapRef?.name);
    add(RefKind.Secret, e.secretRef?.name);
  }
}

/** The sorted, de-duplicated keys of every ConfigMap and Secret `pod` uses. */
export function podRefs(pod: V1Pod): RefKey[] {
  const ns = pod.metadata?.namespace ?? 'default';
  const out = new Set<RefKey>();
  const add = (kind: RefKind, name: string | undefined): void => {
    if (name !== undefined && name !== '') out.add(refKey(kind, ns, name));
  };
  const spec = pod.spec;
  if (spec === undefined) return [];
  for (const v of spec.volumes ?? []) {
    add(RefKind.ConfigMap, v.configMap?.name);
    add(RefKind.Secret, v.secret?.secretName);
    for (const s of v.projected?.sources ?? []) {
      add(RefKind.ConfigMap, s.configMap?.name);
      add(RefKind.Secret, s.secret?.name);
    }
  }
  for (const c of spec.containers ?? []) containerRefs(c, add);
  for (const c of spec.initContainers ?? []) containerRefs(c, add);
  for (const c of spec.ephemeralContainers ?? []) containerRefs(c, add);
  for (const s of spec.imagePullSecrets ?? []) add(RefKind.Secret, s.name);
  return [...out].sort();
}

/** The pod's service account (the API's default when unset). */
export function podServiceAccount(pod: V1Pod): string {
  const sa = pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount;
  return sa === undefined || sa === '' ? 'default' : sa;
}

/** Pods by spec.nodeName: the index edgecontroller and synccontroller add to the shared pods informer. */
export const POD_NODE_INDEX = 'edgecontroller.spec.nodeName';

export function podNodeIndex(pod: V1Pod): string[] {
  const node = pod.spec?.nodeName;
  return node === undefined || node === '' ? [] : [node];
}
