import type { JsonObject } from '../../base/index.js';
import type { StoreEvent, WatchHandle } from '../../platform/store/index.js';
import { parseSelectors, matchesSelectors, type ListQuery } from './list.js';
import type { ObjectService } from './objects.js';
import { groupVersion, resourcePrefix, type ResourceInfo } from './resources.js';
import { apiErrors } from './status.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchQuery extends Pick<ListQuery, 'labelSelector' | 'fieldSelector'> {
  /** Absent or '0': start with the current state as ADDED events. Otherwise: events after this revision. */
  readonly resourceVersion?: string | undefined;
  readonly sendInitialEvents?: boolean | undefined;
  readonly allowWatchBookmarks?: boolean | undefined;
}

export interface WatchSink {
  event(type: WatchEventType, object: Readonly<JsonObject>): void;
}

const deletedViews = new WeakMap<StoreEvent, JsonObject>();

/** The object of a DELETED event carries the revision of the delete, as Kubernetes does. */
function deletedObject(ev: StoreEvent): JsonObject {
  const cached = deletedViews.get(ev);
  if (cached !== undefined) return cached;
  const o: JsonObject = { ...ev.value, metadata: { ...(ev.value['metadata'] as JsonObject), resourceVersion: String(ev.revision) } };
  deletedViews.set(ev, o);
  return o;
}

/**
 * Starts a watch. Selector transitions follow Kubernetes: an object that stops matching is DELETED
 * for this watcher, one that starts matching is ADDED. Throws 410 (Expired) when the requested
 * revision has left the retained history.
 */
export function startWatch(svc: ObjectService, res: ResourceInfo, namespace: string | undefined, q: WatchQuery, sink: WatchSink): WatchHandle {
  const sel = parseSelectors(res, q);
  const prefix = res.namespaced && namespace ? `${resourcePrefix(res)}${namespace}/` : resourcePrefix(res);
  const rvText = q.resourceVersion ?? '';
  const initial = rvText === '' || rvText === '0' || q.sendInitialEvents === true;
  let after: number;
  if (initial) {
    after = svc.store.currentRevision();
  } else {
    after = Number(rvText);
    if (!Number.isInteger(after) || after < 0) throw apiErrors.badRequest(`invalid resourceVersion: ${JSON.stringify(rvText)}`);
    if (after < svc.store.compactedRevision()) {
      throw apiErrors.gone(`too old resource version: ${after} (${svc.store.compactedRevision() + 1})`);
    }
  }
  const matches = (o: Readonly<JsonObject> | undefined): boolean => o !== undefined && matchesSelectors(sel, o);
  if (initial) {
    // the state at `after` as ADDED events, then the events after it (same tick: nothing falls between)
    for (const e of svc.store.list(prefix).entries) if (matches(e.value)) sink.event('ADDED', svc.view(res, e.value));
    if (q.sendInitialEvents === true && q.allowWatchBookmarks === true) sink.event('BOOKMARK', bookmark(res, after, true));
  }
  return svc.store.watch(prefix, after, (ev) => {
    const now = ev.type === 'delete' ? undefined : ev.value;
    const before = ev.type === 'create' ? undefined : ev.type === 'delete' ? ev.value : ev.prev;
    const isNow = matches(now);
    const wasBefore = matches(before);
    if (ev.type === 'delete') {
      if (wasBefore) sink.event('DELETED', svc.view(res, deletedObject(ev)));
      return;
    }
    if (isNow && (ev.type === 'create' || !wasBefore)) sink.event('ADDED', svc.view(res, ev.value));
    else if (isNow) sink.event('MODIFIED', svc.view(res, ev.value));
    else if (wasBefore) sink.event('DELETED', svc.view(res, ev.value));
  });
}

export function bookmark(res: ResourceInfo, revision: number, initialEventsEnd = false): JsonObject {
  const metadata: JsonObject = { resourceVersion: String(revision) };
  if (initialEventsEnd) metadata['annotations'] = { 'k8s.io/initial-events-end': 'true' };
  return { kind: res.kind, apiVersion: groupVersion(res), metadata };
}
