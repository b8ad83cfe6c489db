/**
 * The pods of a StatefulSet: stable names `<sts>-<ordinal>` (no generateName), the template labels
 * plus the pod-name, pod-index and controller-revision-hash labels, hostname = pod name, subdomain =
 * spec.serviceName, and a controller ownerReference. volumeClaimTemplates are not served here: they
 * are ignored (no PVCs, no volumes added).
 */
import type { V1Pod, V1PodTemplateSpec, V1StatefulSet } from '../../client/index.js';
import { STS_REVISION_LABEL } from './revision.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/** The ordinal of a pod of `setName` (`<set>-<n>`), or -1 when the name is not one of its. */
export function ordinalOf(setName: string, podName: string | undefined): number {
  if (podName === undefined || !podName.startsWith(`${setName}-`)) return -1;
  const rest = podName.slice(setName.length + 1);
  if (!/^(0|[1-9][0-9]*)$/.test(rest)) return -1;
  const n = Number(rest);
  return Number.isSafeInteger(n) ? n : -1;
}

export function statefulPodFor(sts: V1StatefulSet, ordinal: number, revision: string, template: V1PodTemplateSpec | undefined): V1Pod {
  const meta = sts.metadata ?? {};
  const setName = meta.name ?? '';
  const name = `${setName}-${ordinal}`;
  const tmpl = template ?? sts.spec?.template;
  const spec = tmpl?.spec ?? { containers: [] };
  const serviceName = sts.spec?.serviceName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(tmpl?.metadata?.annotations === undefined ? {} : { annotations: { ...tmpl.metadata.annotations } }),
      name,
      namespace: meta.namespace ?? 'default',
      labels: {
        ...(tmpl?.metadata?.labels ?? {}),
        [POD_NAME_LABEL]: name,
        [POD_INDEX_LABEL]: String(ordinal),
        [STS_REVISION_LABEL]: revision,
      },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: setName, uid: meta.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      ...spec,
      hostname: name,
      ...(serviceName === undefined || serviceName === '' ? {} : { subdomain: serviceName }),
    },
  };
}
