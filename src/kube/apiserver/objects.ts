import { isJsonObject, jsonEqual, type JsonObject } from '../../base/index.js';
import type { ObjectStore, StoreEntry } from '../../platform/store/index.js';
import { applyDefaults, initialStatus, tracksGeneration } from './defaults.js';
import {
  copyTop,
  deepCopy,
  deletionTimestampOf,
  finalizersOf,
  generateSuffix,
  metaOf,
  nameOf,
  namespaceOf,
  newUid,
  rfc3339,
} from './meta.js';
import { recordUpdate } from './patch/index.js';
import type { ResourceRegistry } from './registry.js';
import { groupVersion, objectKey, resourcePrefix, type ResourceInfo } from './resources.js';
import { ApiError, apiErrors, type StatusCause } from './status.js';
import { validateCustom, validateObject } from './admission.js';
import { allocateClusterIP } from './cluster-ip.js';
import type { PodNodeIndex } from './node-index.js';

export interface WriteOptions {
  readonly dryRun?: boolean;
  readonly fieldManager?: string;
  readonly fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

export interface ObjectServiceOptions {
  readonly now?: () => number;
}

/** Subresources whose writes touch only `status` (or only spec for scale). */
export type WriteTarget = 'main' | 'status';

/**
 * The semantics of Kubernetes objects over an ObjectStore: metadata management, resourceVersion
 * concurrency, generation, status/spec split, defaults and validation. Transport-free, so the HTTP
 * layer and in-process controllers (GC, namespace lifecycle) share it.
 */
export class ObjectService {
  readonly store: ObjectStore;
  readonly registry: ResourceRegistry;
  readonly now: () => number;
  /** Set by the server when it keeps the pods-by-node index (see node-index.ts). */
  podNodeIndex: PodNodeIndex | undefined;
  /** Hooks that run after a committed write (CRD registration, for example). */
  private readonly afterWrite: ((res: ResourceInfo, prev: JsonObject | undefined, next: JsonObject | undefined) => void)[] = [];

  constructor(store: ObjectStore, registry: ResourceRegistry, opts: ObjectServiceOptions = {}) {
    this.store = store;
    this.registry = registry;
    this.now = opts.now ?? Date.now;
  }

  onWrite(fn: (res: ResourceInfo, prev: JsonObject | undefined, next: JsonObject | undefined) => void): void {
    this.afterWrite.push(fn);
  }

  private notify(res: ResourceInfo, prev: JsonObject | undefined, next: JsonObject | undefined): void {
    for (const fn of this.afterWrite) fn(res, prev, next);
  }

  key(res: ResourceInfo, namespace: string | undefined, name: string): string {
    return objectKey(res, namespace, name);
  }

  /** Presents a stored value through `res` (custom resources are stored once for all versions). */
  view(res: ResourceInfo, value: Readonly<JsonObject>): JsonObject {
    const apiVersion = groupVersion(res);
    if (value['apiVersion'] === apiVersion && value['kind'] === res.kind) return value as JsonObject;
    return { ...value, apiVersion, kind: res.kind };
  }

  getEntry(res: ResourceInfo, namespace: string | undefined, name: string): StoreEntry {
    const entry = this.store.get(this.key(res, namespace, name));
    if (entry === undefined) throw apiErrors.notFound(res.plural, name, res.group);
    return entry;
  }

  get(res: ResourceInfo, namespace: string | undefined, name: string): JsonObject {
    return this.view(res, this.getEntry(res, namespace, name).value);
  }

  tryGet(res: ResourceInfo, namespace: string | undefined, name: string): JsonObject | undefined {
    const entry = this.store.get(this.key(res, namespace, name));
    return entry === undefined ? undefined : this.view(res, entry.value);
  }

  /** NamespaceLifecycle admission: the namespace must exist and not be terminating for creates. */
  private checkNamespace(res: ResourceInfo, namespace: string | undefined, isCreate: boolean): void {
    if (!res.namespaced) return;
    if (namespace === undefined || namespace === '') throw apiErrors.badRequest('the server could not find the requested resource: namespace is required');
    const nsRes = this.registry.lookup('', 'v1', 'namespaces');
    if (nsRes === undefined) return;
    const ns = this.store.get(objectKey(nsRes, undefined, namespace));
    if (ns === undefined) throw apiErrors.notFound('namespaces', namespace);
    if (isCreate && deletionTimestampOf(ns.value) !== undefined) {
      throw new ApiError('Forbidden', `${res.plural} "${'<new>'}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`, {
        kind: res.plural,
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
      });
    }
  }

  /** Normalises apiVersion/kind and the namespace of a body against the URL. */
  private normaliseBody(res: ResourceInfo, namespace: string | undefined, body: JsonObject): JsonObject {
    const o = deepCopy(body);
    const apiVersion = groupVersion(res);
    if (o['kind'] !== undefined && o['kind'] !== res.kind) {
      throw apiErrors.badRequest(`the kind of the provided object (${String(o['kind'])}) does not match the resource ${res.plural} (kind ${res.kind})`);
    }
    if (o['apiVersion'] !== undefined && o['apiVersion'] !== apiVersion) {
      throw apiErrors.badRequest(`the API version in the data (${String(o['apiVersion'])}) does not match the expected API version (${apiVersion})`);
    }
    o['apiVersion'] = apiVersion;
    o['kind'] = res.kind;
    const meta = metaOf(o);
    if (res.namespaced) {
      const bodyNs = meta['namespace'];
      if (bodyNs !== undefined && bodyNs !== '' && bodyNs !== namespace) {
        throw apiErrors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta['namespace'] = namespace ?? null;
    } else {
      delete meta['namespace'];
    }
    return o;
  }

  private validate(res: ResourceInfo, o: JsonObject, isCreate: boolean, opts: WriteOptions, old?: Readonly<JsonObject>): void {
    const causes: StatusCause[] = validateObject(this.registry, res, o, { isCreate, ...(old ? { old } : {}) });
    if (res.custom !== undefined) causes.push(...validateCustom(res, o, opts.fieldValidation ?? 'Ignore'));
    if (causes.length > 0) throw apiErrors.invalid(res.kind, nameOf(o) ?? '', causes, res.group);
  }

  create(res: ResourceInfo, namespace: string | undefined, body: JsonObject, opts: WriteOptions & { keepManagedFields?: boolean } = {}): JsonObject {
    this.checkNamespace(res, namespace, true);
    const o = this.normaliseBody(res, namespace, body);
    const meta = metaOf(o);
    if ((meta['name'] === undefined || meta['name'] === '') && typeof meta['generateName'] === 'string' && meta['generateName'] !== '') {
      meta['name'] = `${meta['generateName']}${generateSuffix()}`;
      // a collision retries with a new suffix (rare: 27^5 names per prefix)
      for (let i = 0; i < 8 && this.store.get(this.key(res, namespace, meta['name'])) !== undefined; i++) {
        meta['name'] = `${meta['generateName']}${generateSuffix()}`;
      }
    }
    for (const f of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'selfLink']) delete meta[f];
    if (meta['managedFields'] !== undefined && !Array.isArray(meta['managedFields'])) delete meta['managedFields'];
    applyDefaults(res, o);
    const status = initialStatus(res, o);
    if (status === undefined) {
      if (res.custom !== undefined && res.subresources.includes('status')) delete o['status'];
    } else {
      o['status'] = status;
    }
    this.validate(res, o, true, opts);
    if (res.group === '' && res.plural === 'services') allocateClusterIP(this.store, res, o);
    const name = String(meta['name']);
    meta['uid'] = newUid();
    meta['creationTimestamp'] = rfc3339(this.now());
    if (tracksGeneration(res)) meta['generation'] = 1;
    if (opts.keepManagedFields !== true) {
      const manager = opts.fieldManager ?? 'unknown';
      meta['managedFields'] = recordUpdate({ prev: undefined, next: o, manager, apiVersion: groupVersion(res), now: rfc3339(this.now()), kind: res.kind, ...statusSub(res) });
    }
    if (!Array.isArray(meta['managedFields']) || meta['managedFields'].length === 0) delete meta['managedFields'];
    const key = this.key(res, namespace, name);
    if (opts.dryRun === true) {
      if (this.store.get(key) !== undefined) throw apiErrors.alreadyExists(res.plural, name, res.group);
      return o;
    }
    let entry: StoreEntry;
    try {
      entry = this.store.create(key, (rev) => {
        meta['resourceVersion'] = String(rev);
        return o;
      });
    } catch (err) {
      if (err instanceof Error && 'code' in err && err.code === 'KE_STORE_EXISTS') throw apiErrors.alreadyExists(res.plural, name, res.group);
      throw err;
    }
    this.notify(res, undefined, entry.value as JsonObject);
    return this.view(res, entry.value);
  }

  /**
   * Replaces an object (PUT, and the tail of every PATCH). `target` selects the status subresource,
   * whose writes change only `status`; main writes keep the stored status when the kind has a status subresource.
   */
  update(
    res: ResourceInfo,
    namespace: string | undefined,
    name: string,
    body: JsonObject,
    opts: WriteOptions & { target?: WriteTarget; expectedEntry?: StoreEntry; skipManagedFields?: boolean } = {},
  ): JsonObject {
    const target = opts.target ?? 'main';
    const entry = opts.expectedEntry ?? this.getEntry(res, namespace, name);
    const old = entry.value;
    const o = this.normaliseBody(res, namespace, body);
    const meta = metaOf(o);
    if (meta['name'] !== undefined && meta['name'] !== name) {
      throw apiErrors.badRequest(`the name of the object (${String(meta['name'])}) does not match the name on the URL (${name})`);
    }
    meta['name'] = name;
    const rv = meta['resourceVersion'];
    if (rv !== undefined && rv !== null && rv !== '' && rv !== String(entry.modRevision)) {
      throw apiErrors.conflict(res.plural, name, 'the object has been modified; please apply your changes to the latest version and try again', res.group);
    }
    const oldMeta = isJsonObject(old['metadata']) ? old['metadata'] : {};
    let next: JsonObject;
    if (target === 'status') {
      // status writes change only status (metav1.ResetObjectMetaForStatus keeps the stored metadata)
      next = copyTop(old);
      next['status'] = o['status'] ?? null;
      if (next['status'] === null) delete next['status'];
    } else {
      next = o;
      if (res.subresources.includes('status')) {
        if (old['status'] !== undefined) next['status'] = old['status'] as JsonObject;
        else delete next['status'];
      }
      const nm = metaOf(next);
      // immutable and system-owned metadata
      for (const f of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'namespace']) {
        if (oldMeta[f] === undefined) delete nm[f];
        else nm[f] = oldMeta[f];
      }
      if (res.plural === 'namespaces' && res.group === '') {
        // spec.finalizers changes only through /finalize
        const spec = isJsonObject(next['spec']) ? next['spec'] : {};
        const oldSpec = isJsonObject(old['spec']) ? old['spec'] : {};
        spec['finalizers'] = oldSpec['finalizers'] ?? null;
        if (spec['finalizers'] === null) delete spec['finalizers'];
        next['spec'] = spec;
      }
      // a deleting object may lose finalizers but not gain new ones
      if (deletionTimestampOf(old) !== undefined) {
        const before = new Set(finalizersOf(old));
        const added = finalizersOf(next).filter((f) => !before.has(f));
        if (added.length > 0) {
          throw new ApiError('Forbidden', `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`);
        }
      }
      applyDefaults(res, next);
    }
    const nm = metaOf(next);
    nm['resourceVersion'] = String(entry.modRevision);
    if (tracksGeneration(res)) {
      const oldGen = typeof oldMeta['generation'] === 'number' ? oldMeta['generation'] : 1;
      nm['generation'] = specChanged(old, next) ? oldGen + 1 : oldGen;
    }
    if (opts.skipManagedFields !== true) {
      const mf = recordUpdate({
        prev: old as JsonObject,
        next,
        manager: opts.fieldManager ?? 'unknown',
        apiVersion: groupVersion(res),
        now: rfc3339(this.now()),
        kind: res.kind,
        ...statusSub(res),
        ...(target === 'status' ? { subresource: 'status' } : {}),
      });
      if (mf.length > 0) nm['managedFields'] = mf;
      else delete nm['managedFields'];
    }
    this.validate(res, next, false, opts, old);
    if (jsonEqual(withoutVolatile(old), withoutVolatile(next))) return this.view(res, old); // no-op write keeps the resourceVersion
    if (opts.dryRun === true) return next;
    return this.view(res, this.commit(res, entry, next));
  }

  /** A raw write by the server itself (GC, namespace lifecycle, CRD status), with an optimistic check. */
  writeRaw(res: ResourceInfo, entry: StoreEntry, next: JsonObject): JsonObject {
    return this.commit(res, entry, next);
  }

  /**
   * Writes `next` over `entry` (failing on a concurrent change). Removing the last finalizer of an
   * object whose deletion is due deletes it instead; the result then carries the delete's revision.
   */
  private commit(res: ResourceInfo, entry: StoreEntry, next: JsonObject): JsonObject {
    const nm = metaOf(next);
    if (deletionDue(res, next)) {
      const gone = this.removeFromStore(res, entry);
      return { ...gone.value, metadata: { ...(gone.value['metadata'] as JsonObject), resourceVersion: String(gone.modRevision) } };
    }
    const written = this.store.update(
      entry.key,
      (rev) => {
        nm['resourceVersion'] = String(rev);
        return next;
      },
      entry.modRevision,
    );
    this.notify(res, entry.value as JsonObject, written.value as JsonObject);
    return written.value as JsonObject;
  }

  removeFromStore(res: ResourceInfo, entry: StoreEntry): StoreEntry {
    const gone = this.store.delete(entry.key, entry.modRevision);
    this.notify(res, entry.value as JsonObject, undefined);
    return gone;
  }

  /** Every stored object of a resource (all namespaces or one). */
  entries(res: ResourceInfo, namespace?: string): StoreEntry[] {
    const prefix = res.namespaced && namespace !== undefined ? `${resourcePrefix(res)}${namespace}/` : resourcePrefix(res);
    return this.store.list(prefix).entries;
  }

  namespaceOfKey(res: ResourceInfo, value: Readonly<JsonObject>): string | undefined {
    return res.namespaced ? namespaceOf(value) : undefined;
  }
}

/**
 * Whether an object marked for deletion may leave the store: no finalizers, no grace period left,
 * and for a namespace, its `spec.finalizers` (the content cleanup) done as well.
 */
function deletionDue(res: ResourceInfo, o: Readonly<JsonObject>): boolean {
  if (deletionTimestampOf(o) === undefined || finalizersOf(o).length > 0) return false;
  const meta = isJsonObject(o['metadata']) ? o['metadata'] : {};
  if ((meta['deletionGracePeriodSeconds'] ?? 0) !== 0) return false;
  if (res.group === '' && res.plural === 'namespaces') {
    const spec = isJsonObject(o['spec']) ? o['spec'] : {};
    if (Array.isArray(spec['finalizers']) && spec['finalizers'].length > 0) return false;
  }
  return true;
}

/** Custom resources tell the field manager whether status is a subresource; built-ins are known to it. */
export function statusSub(res: ResourceInfo): { statusSubresource?: boolean } {
  return res.custom === undefined ? {} : { statusSubresource: res.subresources.includes('status') };
}

const VOLATILE = new Set(['resourceVersion', 'generation']);

function withoutVolatile(o: Readonly<JsonObject>): JsonObject {
  const out: JsonObject = { ...o };
  if (isJsonObject(o['metadata'])) {
    const m: JsonObject = {};
    for (const [k, v] of Object.entries(o['metadata'])) if (!VOLATILE.has(k)) m[k] = v;
    out['metadata'] = m;
  }
  return out;
}

/** Whether anything outside metadata and status changed (what bumps metadata.generation). */
function specChanged(a: Readonly<JsonObject>, b: Readonly<JsonObject>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (k === 'metadata' || k === 'status' || k === 'apiVersion' || k === 'kind') continue;
    if (!jsonEqual(a[k], b[k])) return true;
  }
  return false;
}
