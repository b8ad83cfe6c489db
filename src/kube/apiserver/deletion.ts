import { isJsonObject, type JsonObject } from '../../base/index.js';
import type { ObjectService } from './objects.js';
import { copyTop, deletionTimestampOf, finalizersOf, metaOf, rfc3339, uidOf } from './meta.js';
import type { ResourceInfo } from './resources.js';
import { ApiError, apiErrors } from './status.js';

export const PropagationPolicies = ['Background', 'Foreground', 'Orphan'] as const;
export type PropagationPolicy = (typeof PropagationPolicies)[number];

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
/** Namespaces the system relies on; Kubernetes refuses to delete them. */
const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);
/** Grace periods beyond this are clamped (a deletionTimestamp must stay a representable date). */
const MAX_GRACE_SECONDS = 10 * 365 * 24 * 3600;
export const ORPHAN_FINALIZER = 'orphan';

export interface DeleteOptions {
  readonly propagationPolicy?: PropagationPolicy | undefined;
  readonly gracePeriodSeconds?: number | undefined;
  readonly preconditions?: { readonly uid?: string | undefined; readonly resourceVersion?: string | undefined } | undefined;
  readonly dryRun?: boolean | undefined;
}

export interface DeleteOutcome {
  /** The object as it is now (being deleted) or as it was (gone). */
  readonly object: JsonObject;
  /** True when the object left the store; false when deletion is pending (finalizers or graceful pod termination). */
  readonly deleted: boolean;
}

/** Decodes a DeleteOptions body or query into our options; bad values are 400s. */
export function decodeDeleteOptions(body: unknown, query: URLSearchParams): DeleteOptions {
  const b = isJsonObject(body) ? body : {};
  const policy = (b['propagationPolicy'] ?? query.get('propagationPolicy') ?? undefined) as unknown;
  let propagationPolicy: PropagationPolicy | undefined;
  if (policy !== undefined && policy !== null && policy !== '') {
    if (typeof policy !== 'string' || !(PropagationPolicies as readonly string[]).includes(policy)) {
      throw apiErrors.badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan"`);
    }
    propagationPolicy = policy as PropagationPolicy;
  }
  const orphan = b['orphanDependents'] ?? query.get('orphanDependents') ?? undefined;
  if (propagationPolicy === undefined && (orphan === true || orphan === 'true')) propagationPolicy = 'Orphan';
  const graceRaw = b['gracePeriodSeconds'] ?? query.get('gracePeriodSeconds') ?? undefined;
  let gracePeriodSeconds: number | undefined;
  if (graceRaw !== undefined && graceRaw !== null && graceRaw !== '') {
    const n = typeof graceRaw === 'number' ? graceRaw : Number(graceRaw);
    if (!Number.isSafeInteger(n) || n < 0) throw apiErrors.badRequest(`gracePeriodSeconds must be a non-negative integer, got ${JSON.stringify(graceRaw)}`);
    gracePeriodSeconds = n;
  }
  const pre = isJsonObject(b['preconditions']) ? b['preconditions'] : undefined;
  const dry = b['dryRun'] ?? query.getAll('dryRun');
  return {
    propagationPolicy,
    gracePeriodSeconds,
    preconditions: pre
      ? {
          uid: typeof pre['uid'] === 'string' ? pre['uid'] : undefined,
          resourceVersion: typeof pre['resourceVersion'] === 'string' ? pre['resourceVersion'] : undefined,
        }
      : undefined,
    dryRun: Array.isArray(dry) && dry.includes('All'),
  };
}

/**
 * Pods bound to a node terminate gracefully: deletion marks them and the node's agent confirms with
 * a zero-grace delete. Unbound and finished pods go at once, as in Kubernetes.
 */
function gracePeriodFor(res: ResourceInfo, o: Readonly<JsonObject>, requested: number | undefined): number {
  if (!(res.group === '' && res.plural === 'pods')) return 0;
  const spec = isJsonObject(o['spec']) ? o['spec'] : {};
  const status = isJsonObject(o['status']) ? o['status'] : {};
  if (typeof spec['nodeName'] !== 'string' || spec['nodeName'] === '') return 0;
  if (status['phase'] === 'Succeeded' || status['phase'] === 'Failed') return 0;
  if (requested !== undefined) return requested;
  return typeof spec['terminationGracePeriodSeconds'] === 'number' ? spec['terminationGracePeriodSeconds'] : 30;
}

export function deleteObject(svc: ObjectService, res: ResourceInfo, namespace: string | undefined, name: string, opts: DeleteOptions): DeleteOutcome {
  const entry = svc.getEntry(res, namespace, name);
  const cur = entry.value;
  if (res.group === '' && res.plural === 'namespaces' && PROTECTED_NAMESPACES.has(name)) {
    throw new ApiError('Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' });
  }
  const pre = opts.preconditions;
  if (pre?.uid !== undefined && pre.uid !== uidOf(cur)) {
    throw apiErrors.conflict(res.plural, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${uidOf(cur) ?? ''}`, res.group);
  }
  if (pre?.resourceVersion !== undefined && pre.resourceVersion !== String(entry.modRevision)) {
    throw apiErrors.conflict(res.plural, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${entry.modRevision}`, res.group);
  }
  const grace = Math.min(gracePeriodFor(res, cur, opts.gracePeriodSeconds), MAX_GRACE_SECONDS);
  const finalizers = finalizersOf(cur);
  const existing = deletionTimestampOf(cur);
  const policy = opts.propagationPolicy ?? defaultPolicy(res);
  if (existing === undefined) {
    if (policy === 'Foreground' && !finalizers.includes(FOREGROUND_FINALIZER)) finalizers.push(FOREGROUND_FINALIZER);
    if (policy === 'Orphan' && !finalizers.includes(ORPHAN_FINALIZER)) finalizers.push(ORPHAN_FINALIZER);
  }
  const isNamespace = res.group === '' && res.plural === 'namespaces';
  const nsFinalizers = isNamespace && isJsonObject(cur['spec']) && Array.isArray(cur['spec']['finalizers']) ? cur['spec']['finalizers'] : [];
  const pending = finalizers.length > 0 || grace > 0 || nsFinalizers.length > 0;
  if (!pending) {
    if (opts.dryRun === true) return { object: svc.view(res, cur), deleted: true };
    const gone = svc.removeFromStore(res, entry);
    const object = svc.view(res, { ...gone.value, metadata: { ...(gone.value['metadata'] as JsonObject), resourceVersion: String(gone.modRevision) } });
    return { object, deleted: true };
  }
  const next = copyTop(cur);
  const meta = metaOf(next);
  const now = svc.now();
  if (existing === undefined) {
    meta['deletionTimestamp'] = rfc3339(now + grace * 1000);
    meta['deletionGracePeriodSeconds'] = grace;
  } else {
    // a repeated delete may only shorten a pending graceful termination
    const oldGrace = typeof meta['deletionGracePeriodSeconds'] === 'number' ? meta['deletionGracePeriodSeconds'] : 0;
    if (grace >= oldGrace) return { object: svc.view(res, cur), deleted: false };
    meta['deletionTimestamp'] = rfc3339(now + grace * 1000);
    meta['deletionGracePeriodSeconds'] = grace;
  }
  if (finalizers.length > 0) meta['finalizers'] = finalizers;
  if (isNamespace) next['status'] = { ...(isJsonObject(cur['status']) ? cur['status'] : {}), phase: 'Terminating' };
  if (opts.dryRun === true) return { object: next, deleted: false };
  const written = svc.writeRaw(res, entry, next);
  const deleted = svc.store.get(entry.key) === undefined;
  return { object: svc.view(res, written), deleted };
}

/** Kubernetes' defaults: Background for everything we serve (Orphan for the legacy extension kinds is not relevant here). */
function defaultPolicy(_res: ResourceInfo): PropagationPolicy {
  return 'Background';
}
