/**
 * The metaserver's ObjectStore: an in-memory mirror of the served rows of the edge database, kept in
 * step with the `meta` table through its change hook. Each row change recomputes the one object it
 * affects from the committed rows (the object row plus its status report), so the mirror converges
 * whatever order changes come in. Objects keep their cloud metadata (uid, labels, creationTimestamp);
 * `metadata.resourceVersion` is the mirror's own revision, monotonic and the same in lists and watches.
 * Malformed rows are skipped (the object is not served) and counted; nothing here throws at the writer.
 */
import { isJsonObject, jsonEqual, errorMessage, type JsonObject } from '../../base/index.js';
import { groupVersion, type ResourceInfo } from '../../kube/apiserver/index.js';
import type { Logger } from '../../platform/log/index.js';
import type { EdgeDb, MetaRow, ObjectStore } from '../../platform/store/index.js';
import { OBJECT_TYPE_OF_PATCH, PATCH_TYPE_OF, SERVED_TYPES, edgeKey, mirrorKeyOf, parseEdgeKey, type EdgeKey } from './edge-resources.js';

export class MetaMirror {
  private badRows = 0;

  constructor(
    private readonly db: EdgeDb,
    readonly store: ObjectStore,
    private readonly log: Logger,
  ) {}

  /** Rows skipped because they could not be served (not a JSON object, name or namespace not the key's). */
  skippedRows(): number {
    return this.badRows;
  }

  /** Loads every served row (call once, with the change hook already installed). */
  load(): void {
    for (const type of SERVED_TYPES.keys()) {
      for (const row of this.db.meta.listByType(type)) {
        if (parseEdgeKey(row.key) === undefined) this.skip(row.key, 'key is not <namespace>/<type>/<name>');
        else this.changed(row.key);
      }
    }
  }

  /** The meta table changed at `key` (committed): bring the object it belongs to up to date. */
  changed(key: string): void {
    const k = parseEdgeKey(key);
    if (k === undefined) return;
    const objectType = OBJECT_TYPE_OF_PATCH.get(k.type) ?? k.type;
    const res = SERVED_TYPES.get(objectType);
    if (res === undefined) return;
    const objKey: EdgeKey = { ...k, type: objectType };
    try {
      this.apply(mirrorKeyOf(res, objKey), this.desired(res, objKey));
    } catch (err) {
      this.log.error({ key, err: errorMessage(err) }, 'metaserver mirror update failed');
    }
  }

  /** The object as served: its row, with its status report merged in; undefined when absent or bad. */
  private desired(res: ResourceInfo, k: EdgeKey): JsonObject | undefined {
    const row = this.db.meta.get(edgeKey(k));
    if (row === undefined) return undefined;
    const obj = this.decode(res, k, row);
    if (obj === undefined) return undefined;
    const patchType = PATCH_TYPE_OF.get(k.type);
    const patchRow = patchType === undefined ? undefined : this.db.meta.get(edgeKey({ ...k, type: patchType }));
    if (patchRow !== undefined) mergeReport(obj, this.parse(patchRow));
    return obj;
  }

  private parse(row: MetaRow): JsonObject | undefined {
    let v: unknown;
    try {
      v = JSON.parse(row.value);
    } catch {
      v = undefined;
    }
    if (isJsonObject(v) && (v['metadata'] === undefined || isJsonObject(v['metadata']))) return v;
    this.skip(row.key, 'not a JSON object');
    return undefined;
  }

  private decode(res: ResourceInfo, k: EdgeKey, row: MetaRow): JsonObject | undefined {
    const obj = this.parse(row);
    if (obj === undefined) return undefined;
    const meta = isJsonObject(obj['metadata']) ? { ...obj['metadata'] } : {};
    if (meta['name'] !== k.name) return this.skip(row.key, 'metadata.name is not the name in the key');
    if (res.namespaced) {
      if (k.namespace === '') return this.skip(row.key, 'no namespace in the key');
      if (meta['namespace'] !== undefined && meta['namespace'] !== k.namespace) return this.skip(row.key, 'metadata.namespace is not the namespace in the key');
      meta['namespace'] = k.namespace;
    } else {
      delete meta['namespace'];
    }
    delete meta['resourceVersion']; // the mirror's revision replaces the cloud's
    return { ...obj, apiVersion: groupVersion(res), kind: res.kind, metadata: meta };
  }

  private skip(key: string, reason: string): undefined {
    this.badRows++;
    this.log.warn({ key, reason }, 'metaserver skipped a malformed meta row');
    return undefined;
  }

  private apply(key: string, desired: JsonObject | undefined): void {
    const current = this.store.get(key);
    if (desired === undefined) {
      if (current !== undefined) this.store.delete(key);
      return;
    }
    if (current !== undefined && jsonEqual(withoutRv(current.value), desired)) return;
    const build = (rev: number): JsonObject => ({ ...desired, metadata: { ...(desired['metadata'] as JsonObject), resourceVersion: String(rev) } });
    if (current === undefined) this.store.create(key, build);
    else this.store.update(key, build);
  }
}

/**
 * Merges a status report into the object: its status fields over the object's (a report carries the
 * whole status edged computed); a report naming another incarnation (metadata.uid) is ignored.
 */
function mergeReport(obj: JsonObject, report: JsonObject | undefined): void {
  if (report === undefined || !isJsonObject(report['status'])) return;
  const reportUid = isJsonObject(report['metadata']) ? report['metadata']['uid'] : undefined;
  const uid = isJsonObject(obj['metadata']) ? obj['metadata']['uid'] : undefined;
  if (typeof reportUid === 'string' && reportUid !== '' && typeof uid === 'string' && reportUid !== uid) return;
  obj['status'] = { ...(isJsonObject(obj['status']) ? obj['status'] : {}), ...report['status'] };
}

function withoutRv(v: Readonly<JsonObject>): JsonObject {
  const meta = isJsonObject(v['metadata']) ? { ...v['metadata'] } : {};
  delete meta['resourceVersion'];
  return { ...v, metadata: meta };
}
