/**
 * metamanager's view of the `meta` table: objects keyed by their edge resource string, values as
 * KubeEdge stores them (the object's JSON; a report's patch text as sent).
 */
import { isJsonObject, type JsonObject } from '../../base/index.js';
import type { EdgeDb, MetaRow } from '../../platform/store/edge-db-types.js';

/** The stored value as JSON; undefined when it is not JSON. */
export function parseValue(row: MetaRow): unknown {
  try {
    return JSON.parse(row.value) as unknown;
  } catch {
    return undefined;
  }
}

export function metadataOf(obj: unknown): JsonObject | undefined {
  if (!isJsonObject(obj)) return undefined;
  const m = obj['metadata'];
  return isJsonObject(m) ? m : undefined;
}

/** A Kubernetes-like object: a JSON object whose metadata.name is a non-empty string. */
export function isNamedObject(obj: unknown): obj is JsonObject {
  const name = metadataOf(obj)?.['name'];
  return typeof name === 'string' && name !== '';
}

export function uidOf(obj: unknown): string | undefined {
  const uid = metadataOf(obj)?.['uid'];
  return typeof uid === 'string' && uid !== '' ? uid : undefined;
}

export function resourceVersionOf(obj: unknown): bigint | undefined {
  return parseResourceVersion(metadataOf(obj)?.['resourceVersion']);
}

export function upsertObject(db: EdgeDb, key: string, type: string, obj: unknown): void {
  db.meta.put({ key, type, value: JSON.stringify(obj) });
}

/**
 * Stores a result fetched from the cloud unless the stored row is newer (a downstream update may
 * have committed while the query was in flight).
 */
export function storeFetched(db: EdgeDb, key: string, type: string, obj: unknown): boolean {
  const row = db.meta.get(key);
  if (row !== undefined) {
    const stored = resourceVersionOf(parseValue(row));
    const fetched = resourceVersionOf(obj);
    if (stored !== undefined && fetched !== undefined && stored > fetched) return false;
  }
  upsertObject(db, key, type, obj);
  return true;
}

/** A resource version as a number: decimal digits only, otherwise undefined. */
export function parseResourceVersion(rv: unknown): bigint | undefined {
  if (typeof rv !== 'string' || !/^\d{1,30}$/.test(rv)) return undefined;
  return BigInt(rv);
}

/**
 * Stores a downstream insert / update / patch. When the stored object is another incarnation (a
 * different UID), the incoming one replaces it only when the message's resource version is greater
 * than the stored object's (a late resend of an older incarnation must not bring it back); a stored
 * object without a numeric resource version counts as 0. Returns whether the incoming object was stored.
 */
export function storeDownstream(db: EdgeDb, key: string, type: string, obj: unknown, messageRv: string | undefined): boolean {
  return db.transaction(() => {
    const row = db.meta.get(key);
    const uid = uidOf(obj);
    if (row !== undefined && uid !== undefined) {
      const stored = parseValue(row);
      const storedUid = uidOf(stored);
      if (storedUid !== undefined && storedUid !== uid) {
        const incoming = parseResourceVersion(messageRv);
        const current = resourceVersionOf(stored) ?? 0n;
        if (incoming === undefined || incoming <= current) return false;
      }
    }
    upsertObject(db, key, type, obj);
    return true;
  });
}

/**
 * Deletes a downstream object, only when the stored object's UID equals the one in the message (an
 * object of the same name may have been recreated); a message without a UID deletes whatever is stored.
 * A pod's delete drops its podpatch row too. Returns whether the stored object was the one named (or
 * nothing was stored).
 */
export function deleteObject(db: EdgeDb, key: string, namespace: string, type: string, name: string, uid: string | undefined): boolean {
  return db.transaction(() => {
    const row = db.meta.get(key);
    if (row === undefined) return true;
    const storedUid = uidOf(parseValue(row));
    if (uid !== undefined && storedUid !== undefined && storedUid !== uid) return false;
    if (type === 'pod') db.meta.delete(`${namespace}/podpatch/${name}`);
    db.meta.delete(key);
    return true;
  });
}
