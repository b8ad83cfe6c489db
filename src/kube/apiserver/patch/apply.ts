import { isJsonObject, jsonEqual, type JsonObject } from '../../../base/index.js';
import { ApiError, apiErrors, type StatusCause } from '../status.js';
import { pathString, type FieldSet } from './field-set.js';
import { compareObjects, rootNode, setFields, trackedView, type TrackOptions } from './field-walk.js';
import {
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  entryIdentity,
  managedFieldsOf,
  type ManagedEntry,
} from './managed-fields.js';
import { mergeApplied, pruneFields, withoutNulls } from './ssa-merge.js';

/**
 * Server-side apply (`application/apply-patch+yaml`), as the Kubernetes field manager does it: merge the
 * applied configuration into the live object, drop what the applier stopped applying (unless someone else
 * owns it), refuse to change a field another manager owns unless forced, and record the applier's
 * `Apply` entry with exactly the fields it applied.
 */

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** The manager Kubernetes gives the fields of an object that had no managedFields at its first apply. */
export const BEFORE_FIRST_APPLY_MANAGER = 'before-first-apply';

export interface ServerSideApplyArgs extends TrackOptions {
  /** The stored object, or undefined when the apply creates it. */
  readonly live: JsonObject | undefined;
  /** The decoded apply body. */
  readonly applied: JsonObject;
  readonly manager: string;
  readonly force: boolean;
  readonly kind: string;
  /** The group/version served, e.g. `apps/v1`. */
  readonly apiVersion: string;
  /** RFC 3339 time stamped on the entry when the object changes. */
  readonly now: string;
}

/**
 * The new object (with its new metadata.managedFields) after applying. Throws 400 for a body carrying
 * managedFields or another apiVersion, and 409 Conflict (causes: FieldManagerConflict) when `!force` and
 * another manager owns a field whose value would change.
 */
export function serverSideApply(args: ServerSideApplyArgs): JsonObject {
  const { live, applied, manager, kind } = args;
  const opts: TrackOptions = {
    ...(args.subresource === undefined ? {} : { subresource: args.subresource }),
    ...(args.statusSubresource === undefined ? {} : { statusSubresource: args.statusSubresource }),
  };
  validateApplied(applied, args.apiVersion);

  const appliedView = trackedView(applied, kind, opts);
  const appliedSet = setFields(appliedView, kind);
  const entries = liveEntries(live, kind, args.apiVersion, opts);
  const mineId = entryIdentity({ manager, operation: 'Apply', apiVersion: args.apiVersion, ...sub(args.subresource) });
  const last = entries.find((e) => entryIdentity(e) === mineId);
  const others = entries.filter((e) => e !== last);

  // merge: the reset half of the object (status on the main resource, spec on /status) is not applied
  const mergeInput = resetHalfRemoved(applied, kind, opts);
  const merged = mergeApplied(stripManaged(live), mergeInput, rootNode(kind));
  let next: JsonObject = isJsonObject(merged) ? merged : {};

  if (last !== undefined) {
    const toRemove = last.fields.difference(appliedSet);
    if (!toRemove.isEmpty()) {
      const keep = others.reduce((acc, e) => acc.union(e.fields), appliedSet);
      const pruned = pruneFields(next, toRemove, keep, rootNode(kind));
      if (isJsonObject(pruned)) next = pruned;
    }
  }

  const liveView = live === undefined ? undefined : trackedView(live, kind, opts);
  const { changed, removed } = compareObjects(liveView, trackedView(next, kind, opts), kind);
  const conflicts = others.map((e) => ({ entry: e, fields: e.fields.intersection(changed) })).filter((c) => !c.fields.isEmpty());
  if (conflicts.length > 0 && !args.force) {
    const allowed = manager === 'kubectl' ? lastAppliedFields(live, kind, opts) : undefined;
    const remaining = conflicts.map((c) => ({ ...c, fields: c.fields.difference(allowed) })).filter((c) => !c.fields.isEmpty());
    if (remaining.length > 0) throw conflictError(remaining);
  }

  if (manager === 'kubectl') syncLastApplied(next, applied);
  const objectChanged = live === undefined || !jsonEqual(stripManaged(live), next);
  const updated: ManagedEntry[] = others.map((e) => {
    const lost = conflicts.find((c) => c.entry === e)?.fields;
    return { ...e, fields: e.fields.difference(lost).difference(removed) };
  });
  const time = objectChanged || last?.time === undefined ? args.now : last.time;
  updated.push({ manager, operation: 'Apply', apiVersion: args.apiVersion, time, ...sub(args.subresource), fields: appliedSet });

  const meta = isJsonObject(next['metadata']) ? next['metadata'] : {};
  const managedFields = encodeManagedFields(capUpdateManagers(updated.filter((e) => !e.fields.isEmpty())));
  if (managedFields.length > 0) meta['managedFields'] = managedFields;
  else delete meta['managedFields'];
  if (Object.keys(meta).length > 0) next['metadata'] = meta;
  return next;
}

function sub(subresource: string | undefined): { subresource?: string } {
  return subresource === undefined ? {} : { subresource };
}

function validateApplied(applied: JsonObject, apiVersion: string): void {
  if (!isJsonObject(applied)) throw apiErrors.badRequest('the apply patch must be a JSON or YAML object');
  const meta = applied['metadata'];
  if (isJsonObject(meta) && meta['managedFields'] !== undefined && meta['managedFields'] !== null) {
    throw apiErrors.badRequest('metadata.managedFields must be nil');
  }
  const version = applied['apiVersion'];
  if (version !== undefined && version !== apiVersion) {
    throw apiErrors.badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${String(version)}, expected: ${apiVersion}`,
    );
  }
}

/** The live entries; an existing object without any gets a `before-first-apply` entry owning everything. */
function liveEntries(live: JsonObject | undefined, kind: string, apiVersion: string, opts: TrackOptions): ManagedEntry[] {
  if (live === undefined) return [];
  const decoded = decodeManagedFields(managedFieldsOf(live)) ?? [];
  if (decoded.length > 0) return decoded;
  const { changed } = compareObjects(undefined, trackedView(live, kind, opts), kind);
  if (changed.isEmpty()) return [];
  return [{ manager: BEFORE_FIRST_APPLY_MANAGER, operation: 'Update', apiVersion, fields: changed }];
}

function stripManaged(obj: JsonObject | undefined): JsonObject | undefined {
  if (obj === undefined) return undefined;
  const meta = obj['metadata'];
  if (!isJsonObject(meta) || meta['managedFields'] === undefined) return obj;
  const m: JsonObject = { ...meta };
  delete m['managedFields'];
  return { ...obj, metadata: m };
}

function resetHalfRemoved(applied: JsonObject, kind: string, opts: TrackOptions): JsonObject {
  const view = trackedView(applied, kind, opts);
  const out: JsonObject = { ...applied };
  for (const half of ['spec', 'status']) if (out[half] !== undefined && view[half] === undefined) delete out[half];
  return out;
}

/** Fields recorded in the client-side-apply annotation: kubectl may take them over without --force. */
function lastAppliedFields(live: JsonObject | undefined, kind: string, opts: TrackOptions): FieldSet | undefined {
  const annotations = live?.['metadata'];
  const text = isJsonObject(annotations) && isJsonObject(annotations['annotations']) ? annotations['annotations'][LAST_APPLIED_ANNOTATION] : undefined;
  if (typeof text !== 'string' || text === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isJsonObject(parsed)) return undefined;
    const clean = withoutNulls(parsed);
    return isJsonObject(clean) ? setFields(trackedView(clean, kind, opts), kind) : undefined;
  } catch {
    return undefined;
  }
}

/** kubectl's server-side apply keeps an existing client-side-apply annotation in step with what it applied. */
function syncLastApplied(next: JsonObject, applied: JsonObject): void {
  const meta = next['metadata'];
  const annotations = isJsonObject(meta) ? meta['annotations'] : undefined;
  if (!isJsonObject(annotations) || typeof annotations[LAST_APPLIED_ANNOTATION] !== 'string') return;
  const copy: JsonObject = { ...applied };
  const appliedMeta = copy['metadata'];
  if (isJsonObject(appliedMeta) && isJsonObject(appliedMeta['annotations'])) {
    const a: JsonObject = { ...appliedMeta['annotations'] };
    delete a[LAST_APPLIED_ANNOTATION];
    const m: JsonObject = { ...appliedMeta, annotations: a };
    if (Object.keys(a).length === 0) delete m['annotations'];
    copy['metadata'] = m;
  }
  annotations[LAST_APPLIED_ANNOTATION] = JSON.stringify(copy);
}

function printManager(e: ManagedEntry): string {
  let out = JSON.stringify(e.manager);
  if (e.subresource !== undefined) out += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') out += ` using ${e.apiVersion}`;
  return out;
}

/** The 409 Kubernetes returns for apply conflicts, with its message layout. */
function conflictError(conflicts: ReadonlyArray<{ entry: ManagedEntry; fields: FieldSet }>): ApiError {
  const byManager = conflicts
    .map((c) => ({ who: printManager(c.entry), paths: c.fields.paths().map(pathString) }))
    .sort((a, b) => (a.who < b.who ? -1 : a.who > b.who ? 1 : 0));
  const causes: StatusCause[] = byManager.flatMap((m) =>
    m.paths.map((field) => ({ reason: 'FieldManagerConflict', message: `conflict with ${m.who}`, field })),
  );
  const first = byManager[0];
  const message =
    causes.length === 1 && first !== undefined
      ? `Apply failed with 1 conflict: conflict with ${first.who}: ${first.paths[0] ?? ''}`
      : `Apply failed with ${causes.length} conflicts: ` +
        byManager.flatMap((m) => [`conflicts with ${m.who}:`, ...m.paths.map((p) => `- ${p}`)]).join('\n');
  return new ApiError('Conflict', message, { causes });
}
