/**
 * Template hashing and ControllerRevisions, as kube-controller-manager: the hash is FNV-32a over the
 * template (here: its canonical JSON) and the collision count, printed in decimal and passed through
 * SafeEncodeString; a revision is named `<ds>-<hash>`.
 */
import { sortedKeyJson } from '../../../base/index.js';
import type { V1ControllerRevision, V1DaemonSet, V1PodTemplateSpec } from '../../client/index.js';

export const REVISION_HASH_LABEL = 'controller-revision-hash';
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';


export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  const bytes = new TextEncoder().encode(s);
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** k8s.io/apimachinery rand.SafeEncodeString: no vowels, no 0/1/3, so no words and no confusion. */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length] ?? 'b';
  return out;
}

export function templateHash(template: V1PodTemplateSpec | undefined, collisionCount: number | undefined): string {
  const h = fnv32a(sortedKeyJson(template ?? {}) + (collisionCount === undefined || collisionCount === 0 ? '' : String(collisionCount)));
  return safeEncode(String(h));
}

/** The revision the controller keeps for the DaemonSet's current template. */
export function revisionFor(ds: V1DaemonSet, hash: string, revision: number): V1ControllerRevision {
  const meta = ds.metadata ?? {};
  const labels = { ...(ds.spec?.template.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${meta.name ?? ''}-${hash}`,
      namespace: meta.namespace ?? 'default',
      labels,
      annotations: { ...(meta.annotations ?? {}) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: meta.name ?? '', uid: meta.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    // what `kubectl rollout history` reads: the template as a strategic patch of the spec
    data: { spec: { template: { ...ds.spec?.template, $patch: 'replace' } } },
    revision,
  };
}
