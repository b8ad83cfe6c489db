/**
 * StatefulSet ControllerRevisions, as kube-controller-manager: the template is hashed (FNV-32a over
 * its key-sorted JSON and the collision count, SafeEncodeString'd), the revision is named
 * `<sts>-<hash>`, and that whole name is the pods' `controller-revision-hash` label.
 */
import { sortedKeyJson } from '../../../base/index.js';
import type { V1ControllerRevision, V1PodTemplateSpec, V1StatefulSet } from '../../client/index.js';

export const STS_REVISION_LABEL = 'controller-revision-hash';


function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** The hash part of the revision name of `template`. */
export function statefulSetTemplateHash(template: V1PodTemplateSpec | undefined, collisionCount: number | undefined): string {
  const h = fnv32a(sortedKeyJson(template ?? {}) + (collisionCount === undefined || collisionCount === 0 ? '' : String(collisionCount)));
  return [...String(h)].map((c) => SAFE[c.charCodeAt(0) % SAFE.length] ?? 'b').join('');
}

/** `<sts>-<hash>`: the revision name, also the value of the pods' controller-revision-hash label. */
export function revisionName(sts: V1StatefulSet): string {
  return `${sts.metadata?.name ?? ''}-${statefulSetTemplateHash(sts.spec?.template, sts.status?.collisionCount)}`;
}

export function statefulSetRevision(sts: V1StatefulSet, name: string, revision: number): V1ControllerRevision {
  const meta = sts.metadata ?? {};
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace: meta.namespace ?? 'default',
      labels: { ...(sts.spec?.template.metadata?.labels ?? {}), [STS_REVISION_LABEL]: name },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: meta.name ?? '', uid: meta.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    data: { spec: { template: { ...sts.spec?.template, $patch: 'replace' } } },
    revision,
  };
}

/** The pod template a revision recorded (undefined when it holds none). */
export function templateOfRevision(rev: V1ControllerRevision | undefined): V1PodTemplateSpec | undefined {
  const data = rev?.data as { spec?: { template?: V1PodTemplateSpec & { $patch?: string } } } | undefined;
  const t = data?.spec?.template;
  if (t === undefined) return undefined;
  const { $patch: _patch, ...template } = t;
  return template;
}
