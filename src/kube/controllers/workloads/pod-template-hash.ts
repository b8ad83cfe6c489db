/**
 * The pod-template-hash of a Deployment's ReplicaSets (kube-controller-manager's
 * controller.ComputeHash): FNV-32a over a canonical form of the pod template, then the collision
 * count as 8 little-endian bytes, the decimal of the 32-bit sum mapped through Kubernetes'
 * safe-encoding alphabet. The canonical form sorts keys and leaves out what Go's omitempty leaves
 * out (null, '', false, 0, {} and []), so a template that went through another client's structs
 * (kubectl rollout undo) hashes and compares the same.
 */
import type { V1PodTemplateSpec } from '../../client/index.js';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** k8s.io/apimachinery/pkg/util/rand: no vowels, no 0/1/3 (no accidental words, no look-alikes). */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function fnv32a(bytes: Uint8Array, seed: number = FNV_OFFSET): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: each byte of `s` becomes alphabet[byte % 27]. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length] ?? '';
  return out;
}

function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined || v === '' || v === false || v === 0) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

/** A canonical copy: sorted keys, empty values dropped (recursively), array order kept. */
export function canonicalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => canonicalize(x) ?? null);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const c = canonicalize((v as Record<string, unknown>)[k]);
      if (!isEmpty(c)) out[k] = c;
    }
    return out;
  }
  return v;
}

export function canonicalJson(v: unknown): string {
  return JSON.stringify(canonicalize(v) ?? null);
}

/** The hash label value for a template (the template's own pod-template-hash label is ignored). */
export function computePodTemplateHash(template: V1PodTemplateSpec | undefined, collisionCount?: number): string {
  const bytes = new TextEncoder().encode(canonicalJson(withoutHash(template)));
  let h = fnv32a(bytes);
  if (collisionCount !== undefined) {
    const extra = new Uint8Array(8);
    new DataView(extra.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(extra, h);
  }
  return safeEncodeString(String(h));
}

/** The template without the pod-template-hash label. */
export function withoutHash(template: V1PodTemplateSpec | undefined): V1PodTemplateSpec {
  const t = template ?? {};
  const labels = t.metadata?.labels;
  if (labels === undefined || !(POD_TEMPLATE_HASH_LABEL in labels)) return t;
  const { [POD_TEMPLATE_HASH_LABEL]: _hash, ...rest } = labels;
  return { ...t, metadata: { ...t.metadata, labels: rest } };
}

/** deploymentutil.EqualIgnoreHash: the same template once the pod-template-hash label is set aside. */
export function equalIgnoreHash(a: V1PodTemplateSpec | undefined, b: V1PodTemplateSpec | undefined): boolean {
  return canonicalJson(withoutHash(a)) === canonicalJson(withoutHash(b));
}
