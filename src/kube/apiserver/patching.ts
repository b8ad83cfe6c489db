import { isJsonObject, type JsonObject } from '../../base/index.js';
import { statusSub, type ObjectService, type WriteOptions, type WriteTarget } from './objects.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, serverSideApply, supportsStrategicMerge } from './patch/index.js';
import { deepCopy, metaOf, rfc3339 } from './meta.js';
import { groupVersion, type ResourceInfo } from './resources.js';
import { ApiError, apiErrors } from './status.js';

export const PatchTypes = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;
export type PatchType = (typeof PatchTypes)[keyof typeof PatchTypes];

export function patchTypeOf(mediaType: string): PatchType {
  for (const t of Object.values(PatchTypes)) if (t === mediaType) return t;
  if (mediaType === 'application/apply-patch+json') return PatchTypes.apply;
  throw apiErrors.unsupportedMediaType(mediaType);
}

export interface PatchOptions extends WriteOptions {
  readonly force?: boolean;
  readonly target?: WriteTarget;
}

export interface PatchOutcome {
  readonly object: JsonObject;
  readonly created: boolean;
}

/** Applies a PATCH of any of the four types and writes the result through ObjectService.update (or create for apply). */
export function patchObject(
  svc: ObjectService,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  type: PatchType,
  patch: unknown,
  opts: PatchOptions,
): PatchOutcome {
  const target = opts.target ?? 'main';
  const entry = svc.store.get(svc.key(res, namespace, name));
  if (type === PatchTypes.apply) {
    if (!isJsonObject(patch)) throw apiErrors.badRequest('the apply patch must be a YAML or JSON object');
    const manager = opts.fieldManager;
    if (manager === undefined || manager === '') throw apiErrors.badRequest('PATCH requests with apply-patch+yaml must set the fieldManager parameter');
    const applied = deepCopy(patch);
    const am = isJsonObject(applied['metadata']) ? applied['metadata'] : undefined;
    if (am !== undefined && am['name'] !== undefined && am['name'] !== name) {
      throw apiErrors.badRequest(`the name of the object (${String(am['name'])}) does not match the name on the URL (${name})`);
    }
    const common = {
      applied,
      manager,
      force: opts.force === true,
      kind: res.kind,
      apiVersion: groupVersion(res),
      now: rfc3339(svc.now()),
      ...statusSub(res),
      ...(target === 'status' ? { subresource: 'status' } : {}),
    };
    if (entry === undefined) {
      if (target === 'status') throw apiErrors.notFound(res.plural, name, res.group);
      const merged = serverSideApply({ live: undefined, ...common });
      metaOf(merged)['name'] = name;
      const object = svc.create(res, namespace, merged, { ...opts, fieldManager: manager, keepManagedFields: true });
      return { object, created: true };
    }
    const live = deepCopy(entry.value);
    const merged = serverSideApply({ live, ...common });
    const object = svc.update(res, namespace, name, stripRv(merged), { ...opts, target, expectedEntry: entry, skipManagedFields: true });
    return { object, created: false };
  }
  if (entry === undefined) throw apiErrors.notFound(res.plural, name, res.group);
  const live = deepCopy(entry.value);
  let next: unknown;
  switch (type) {
    case PatchTypes.json:
      next = applyJsonPatch(live, patch);
      break;
    case PatchTypes.merge:
      if (!isJsonObject(patch)) throw apiErrors.badRequest('a merge patch must be a JSON object');
      next = applyMergePatch(live, patch);
      break;
    case PatchTypes.strategic:
      if (!supportsStrategicMerge(res.kind) || res.custom !== undefined) {
        throw new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
      }
      if (!isJsonObject(patch)) throw apiErrors.badRequest('a strategic merge patch must be a JSON object');
      next = applyStrategicMergePatch(live, patch, res.kind);
      break;
  }
  if (!isJsonObject(next)) throw new ApiError('Invalid', 'the patched object is not a JSON object');
  // a patch that sets metadata.resourceVersion is a precondition; otherwise it applies to the version read
  const patchedRv = isJsonObject(next['metadata']) ? next['metadata']['resourceVersion'] : undefined;
  const body = patchedRv === String(entry.modRevision) ? stripRv(next) : next;
  const object = svc.update(res, namespace, name, body, { ...opts, target, expectedEntry: entry });
  return { object, created: false };
}

function stripRv(o: JsonObject): JsonObject {
  if (!isJsonObject(o['metadata'])) return o;
  const meta = { ...o['metadata'] };
  delete meta['resourceVersion'];
  return { ...o, metadata: meta };
}
