/**
 * The pod a DaemonSet creates for one node: the template with `generateName: <ds>-`, the template
 * labels plus controller-revision-hash and pod-template-generation, a controller ownerReference, the
 * daemon tolerations, and both spec.nodeName and a required node affinity on metadata.name (so the
 * pod is placed with or without a scheduler).
 */
import type { V1DaemonSet, V1NodeSelectorTerm, V1Pod } from '../../client/index.js';
import { withDaemonTolerations } from './placement.js';
import { REVISION_HASH_LABEL, TEMPLATE_GENERATION_LABEL } from './revision.js';

/** ReplaceDaemonSetPodNodeNameNodeAffinity: every required term gets matchFields metadata.name In [node]. */
export function nodeNameAffinityTerms(existing: readonly V1NodeSelectorTerm[] | undefined, nodeName: string): V1NodeSelectorTerm[] {
  const field = { key: 'metadata.name', operator: 'In', values: [nodeName] };
  const terms = (existing ?? []).filter((t) => (t.matchExpressions?.length ?? 0) > 0 || (t.matchFields?.length ?? 0) > 0);
  if (terms.length === 0) return [{ matchFields: [field] }];
  return terms.map((t) => ({ ...(t.matchExpressions === undefined ? {} : { matchExpressions: t.matchExpressions }), matchFields: [field] }));
}

export function daemonPodFor(ds: V1DaemonSet, nodeName: string, hash: string): V1Pod {
  const meta = ds.metadata ?? {};
  const template = ds.spec?.template;
  const spec = template?.spec ?? { containers: [] };
  const affinity = spec.affinity ?? {};
  const nodeAffinity = affinity.nodeAffinity ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(template?.metadata?.annotations === undefined ? {} : { annotations: { ...template.metadata.annotations } }),
      generateName: `${meta.name ?? ''}-`,
      namespace: meta.namespace ?? 'default',
      labels: {
        ...(template?.metadata?.labels ?? {}),
        [REVISION_HASH_LABEL]: hash,
        ...(meta.generation === undefined ? {} : { [TEMPLATE_GENERATION_LABEL]: String(meta.generation) }),
      },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: meta.name ?? '', uid: meta.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      ...spec,
      nodeName,
      tolerations: withDaemonTolerations(spec),
      affinity: {
        ...affinity,
        nodeAffinity: {
          ...nodeAffinity,
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: nodeNameAffinityTerms(nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, nodeName),
          },
        },
      },
    },
  };
}
