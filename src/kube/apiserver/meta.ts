import { randomUUID } from 'node:crypto';
import { isJsonObject, type JsonObject } from '../../base/index.js';

/** Helpers for metadata fields every object carries. */

export function metaOf(o: JsonObject): JsonObject {
  const m = o['metadata'];
  if (isJsonObject(m)) return m;
  const fresh: JsonObject = {};
  o['metadata'] = fresh;
  return fresh;
}

export function nameOf(o: Readonly<JsonObject>): string | undefined {
  const m = o['metadata'];
  return isJsonObject(m) && typeof m['name'] === 'string' ? m['name'] : undefined;
}

export function namespaceOf(o: Readonly<JsonObject>): string | undefined {
  const m = o['metadata'];
  return isJsonObject(m) && typeof m['namespace'] === 'string' ? m['namespace'] : undefined;
}

export function uidOf(o: Readonly<JsonObject>): string | undefined {
  const m = o['metadata'];
  return isJsonObject(m) && typeof m['uid'] === 'string' ? m['uid'] : undefined;
}

export function labelsOf(o: Readonly<JsonObject>): Record<string, string> {
  const m = o['metadata'];
  const l = isJsonObject(m) ? m['labels'] : undefined;
  const out: Record<string, string> = {};
  if (isJsonObject(l)) for (const [k, v] of Object.entries(l)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function finalizersOf(o: Readonly<JsonObject>): string[] {
  const m = o['metadata'];
  const f = isJsonObject(m) ? m['finalizers'] : undefined;
  return Array.isArray(f) ? f.filter((x): x is string => typeof x === 'string') : [];
}

export function ownerUidsOf(o: Readonly<JsonObject>): string[] {
  const m = o['metadata'];
  const refs = isJsonObject(m) ? m['ownerReferences'] : undefined;
  if (!Array.isArray(refs)) return [];
  const out: string[] = [];
  for (const r of refs) if (isJsonObject(r) && typeof r['uid'] === 'string') out.push(r['uid']);
  return out;
}

export function deletionTimestampOf(o: Readonly<JsonObject>): string | undefined {
  const m = o['metadata'];
  return isJsonObject(m) && typeof m['deletionTimestamp'] === 'string' ? m['deletionTimestamp'] : undefined;
}

/** RFC 3339 with second precision, as Kubernetes writes metav1.Time. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function newUid(): string {
  return randomUUID();
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Kubernetes' generateName suffix: 5 characters from a vowel-free alphabet. */
export function generateSuffix(random: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += GENERATE_ALPHABET[Math.floor(random() * GENERATE_ALPHABET.length)] ?? 'x';
  return s;
}

/** A shallow-copied object with a copied metadata, safe to change at the top two levels. */
export function copyTop(o: Readonly<JsonObject>): JsonObject {
  const out: JsonObject = { ...o };
  if (isJsonObject(o['metadata'])) out['metadata'] = { ...o['metadata'] };
  return out;
}

/** Deep copy of a stored (frozen) value. */
export function deepCopy(o: Readonly<JsonObject>): JsonObject {
  return structuredClone(o) as JsonObject;
}

/** Field manager name from a User-Agent, as kube-apiserver derives it: the part before the first '/'. */
export function managerFromUserAgent(ua: string | undefined): string {
  if (ua === undefined || ua === '') return 'unknown';
  const head = ua.split('/')[0] ?? ua;
  return head.slice(0, 128);
}
