import type { JsonObject } from '../../base/index.js';
import type { StoreEntry } from '../../platform/store/index.js';
import type { ObjectService } from './objects.js';
import { groupVersion, resourcePrefix, type ResourceInfo } from './resources.js';
import { parseFieldSelector, parseLabelSelector, type FieldSelector, type LabelSelector } from './selectors.js';
import { labelsOf } from './meta.js';
import { apiErrors } from './status.js';

export interface ListQuery {
  readonly labelSelector?: string | undefined;
  readonly fieldSelector?: string | undefined;
  readonly limit?: number | undefined;
  readonly continue?: string | undefined;
}

export interface ListOutcome {
  readonly items: JsonObject[];
  readonly resourceVersion: string;
  readonly continue?: string;
  readonly remainingItemCount?: number;
}

export interface Selectors {
  readonly label: LabelSelector | undefined;
  readonly field: FieldSelector | undefined;
}

export function parseSelectors(res: ResourceInfo, q: Pick<ListQuery, 'labelSelector' | 'fieldSelector'>): Selectors {
  const label = q.labelSelector ? parseLabelSelector(q.labelSelector) : undefined;
  const field = q.fieldSelector ? parseFieldSelector(q.fieldSelector, res) : undefined;
  return { label: label?.empty ? undefined : label, field: field?.empty ? undefined : field };
}

export function matchesSelectors(sel: Selectors, o: Readonly<JsonObject>): boolean {
  if (sel.label !== undefined && !sel.label.matches(labelsOf(o))) return false;
  if (sel.field !== undefined && !sel.field.matches(o as JsonObject)) return false;
  return true;
}

interface ContinueToken {
  readonly v: 'meta.k8s.io/v1';
  readonly rv: number;
  readonly start: string;
}

function encodeContinue(rv: number, lastKey: string): string {
  const t: ContinueToken = { v: 'meta.k8s.io/v1', rv, start: lastKey };
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeContinue(token: string, prefix: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<ContinueToken>;
    if (t.v === 'meta.k8s.io/v1' && typeof t.rv === 'number' && typeof t.start === 'string' && t.start.startsWith(prefix)) return t as ContinueToken;
  } catch {
    // reported below
  }
  throw apiErrors.badRequest('continue key is not valid: the token is malformed or was issued for another list');
}

/**
 * Lists a resource. Paging uses a continue token holding the last key; the list is served from
 * the current state (not a snapshot), which Kubernetes allows for resourceVersion-less continues.
 */
export function listObjects(svc: ObjectService, res: ResourceInfo, namespace: string | undefined, q: ListQuery): ListOutcome {
  const sel = parseSelectors(res, q);
  const prefix = res.namespaced && namespace ? `${resourcePrefix(res)}${namespace}/` : resourcePrefix(res);
  let startAfter: string | undefined;
  if (q.continue) startAfter = decodeContinue(q.continue, prefix).start;
  const limit = q.limit !== undefined && q.limit > 0 ? q.limit : 0;
  const node = svc.podNodeIndex !== undefined && res.group === '' && res.plural === 'pods' ? sel.field?.exactValue('spec.nodeName') : undefined;
  if (node !== undefined && svc.podNodeIndex !== undefined) return listByKeys(svc, res, [...svc.podNodeIndex.keys(node)], prefix, sel, startAfter, limit);
  const filter = sel.label === undefined && sel.field === undefined ? undefined : (e: StoreEntry) => matchesSelectors(sel, e.value);
  const result = svc.store.list(prefix, {
    ...(startAfter !== undefined ? { startAfter } : {}),
    ...(limit > 0 ? { limit } : {}),
    ...(filter !== undefined ? { filter } : {}),
  });
  const items = result.entries.map((e) => svc.view(res, e.value));
  const last = result.entries[result.entries.length - 1];
  const out: { items: JsonObject[]; resourceVersion: string; continue?: string; remainingItemCount?: number } = {
    items,
    resourceVersion: String(result.revision),
  };
  if (result.remaining > 0 && last !== undefined) {
    out.continue = encodeContinue(result.revision, last.key);
    out.remainingItemCount = result.remaining;
  }
  return out;
}

/** A list served from an index: the candidate keys, then the same filtering and paging as a scan. */
function listByKeys(
  svc: ObjectService,
  res: ResourceInfo,
  keys: string[],
  prefix: string,
  sel: Selectors,
  startAfter: string | undefined,
  limit: number,
): ListOutcome {
  const revision = svc.store.currentRevision();
  const entries: StoreEntry[] = [];
  for (const key of keys.sort()) {
    if (!key.startsWith(prefix) || (startAfter !== undefined && key <= startAfter)) continue;
    const e = svc.store.get(key);
    if (e !== undefined && matchesSelectors(sel, e.value)) entries.push(e);
  }
  const page = limit > 0 ? entries.slice(0, limit) : entries;
  const out: { items: JsonObject[]; resourceVersion: string; continue?: string; remainingItemCount?: number } = {
    items: page.map((e) => svc.view(res, e.value)),
    resourceVersion: String(revision),
  };
  const last = page[page.length - 1];
  if (entries.length > page.length && last !== undefined) {
    out.continue = encodeContinue(revision, last.key);
    out.remainingItemCount = entries.length - page.length;
  }
  return out;
}

export function listObject(res: ResourceInfo, outcome: ListOutcome): JsonObject {
  const metadata: JsonObject = { resourceVersion: outcome.resourceVersion };
  if (outcome.continue !== undefined) metadata['continue'] = outcome.continue;
  if (outcome.remainingItemCount !== undefined) metadata['remainingItemCount'] = outcome.remainingItemCount;
  return { kind: res.listKind, apiVersion: groupVersion(res), metadata, items: outcome.items };
}
