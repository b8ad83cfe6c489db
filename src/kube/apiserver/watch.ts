import type { JsonObject } from '../../base/index.js';
import type { StoreEvent, WatchHandle } from '../../platform/store/index.js';
import { parseSelectors, matchesSelectors, type ListQuery } from './list.js';
import type { ObjectService } from './objects.js';
import { groupVersion, resourcePrefix, type ResourceInfo } from './resources.js';
import { ApiError, apiErrors } from './status.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchQuery extends Pick<ListQuery, 'labelSelector' | 'fieldSelector'> {
  /** Absent or '0': start with the current state as ADDED events. Otherwise: events after this revision. */
  readonly resourceVersion?: string | undefined;
  readonly sendInitialEvents?: boolean | undefined;
  readonly allowWatchBookmarks?: boolean | undefined;
}

export interface WatchSink {
  event(type: WatchEventType, object: Readonly<JsonObject>): void;
  /** Every revision up to this one has been processed for this watcher (sent or filtered out). */
  progress?(revision: number): void;
}

const deletedViews = new WeakMap<StoreEvent, JsonObject>();

/**
 * The object of a DELETED event: the last state the watcher could see (the previous value), with
 * the revision of the event, as Kubernetes does.
 */
function deletedObject(ev: StoreEvent): JsonObject {
  const cached = deletedViews.get(ev);
  if (cached !== undefined) return cached;
  const last = ev.type === 'delete' ? ev.value : (ev.prev ?? ev.value);
  const o: JsonObject = { ...last, metadata: { ...(last['metadata'] as JsonObject), resourceVersion: String(ev.revision) } };
  deletedViews.set(ev, o);
  return o;
}

/** Rejects a watch from a revision the store has not reached (Kubernetes answers 504 with this cause). */
export function checkWatchRevision(svc: ObjectService, resourceVersion: string | undefined): void {
  if (resourceVersion === undefined || resourceVersion === '' || resourceVersion === '0') return;
  const rv = Number(resourceVersion);
  if (!Number.isSafeInteger(rv) || rv < 0) throw apiErrors.badRequest(`invalid resourceVersion: ${JSON.stringify(resourceVersion)}`);
  const current = svc.store.currentRevision();
  if (rv > current) {
    throw new ApiError('Timeout', `Too large resource version: ${rv}, current: ${current}`, {
      causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
      retryAfterSeconds: 1,
    });
  }
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
  sink.progress?.(after);
  return svc.store.watch(prefix, after, (ev) => {
    const now = ev.type === 'delete' ? undefined : ev.value;
    const before = ev.type === 'create' ? undefined : ev.type === 'delete' ? ev.value : ev.prev;
    const isNow = matches(now);
    const wasBefore = matches(before);
    if (ev.type === 'delete') {
      if (wasBefore) sink.event('DELETED', svc.view(res, deletedObject(ev)));
    } else if (isNow && (ev.type === 'create' || !wasBefore)) sink.event('ADDED', svc.view(res, ev.value));
    else if (isNow) sink.event('MODIFIED', svc.view(res, ev.value));
    else if (wasBefore) sink.event('DELETED', svc.view(res, deletedObject(ev)));
    sink.progress?.(ev.revision);
  });
}

export function bookmark(res: ResourceInfo, revision: number, initialEventsEnd = false): JsonObject {
  const metadata: JsonObject = { resourceVersion: String(revision) };
  if (initialEventsEnd) metadata['annotations'] = { 'k8s.io/initial-events-end': 'true' };
  return { kind: res.kind, apiVersion: groupVersion(res), metadata };
}
