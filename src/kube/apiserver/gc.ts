import { isJsonObject, type JsonObject } from '../../base/index.js';
import type { Logger } from '../../platform/log/index.js';
import type { StoreEntry, WatchHandle } from '../../platform/store/index.js';
import { deleteObject, FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from './deletion.js';
import { copyTop, deletionTimestampOf, finalizersOf, metaOf, nameOf, namespaceOf, ownerUidsOf, uidOf } from './meta.js';
import type { ObjectService } from './objects.js';
import { objectKey, resourcePrefix, type ResourceInfo } from './resources.js';

/**
 * In-process garbage collector and namespace lifecycle of the embedded API server.
 * - ownerReference GC: dependents whose owners are all gone are deleted (background); dangling
 *   references beside live owners are removed.
 * - foreground deletion: an owner with the `foregroundDeletion` finalizer waits until its dependents are gone.
 * - orphan deletion: the `orphan` finalizer strips the owner's references from dependents first.
 * - namespaces: a terminating namespace has its content deleted, then its `kubernetes` finalizer removed.
 * Work is driven by store events plus a periodic resync, so a restart mid-way finishes the job.
 */
export class GarbageCollector {
  private readonly byUid = new Map<string, string>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly ownersOfKey = new Map<string, string[]>();
  private readonly queue = new Set<string>();
  private readonly namespaces = new Set<string>();
  private scheduled = false;
  private stopped = false;
  private watch: WatchHandle | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly svc: ObjectService,
    private readonly log: Logger,
    private readonly resyncMs = 10_000,
  ) {}

  start(): void {
    const revision = this.svc.store.currentRevision();
    for (const res of this.distinctResources()) {
      for (const e of this.svc.store.list(resourcePrefix(res)).entries) this.index(e.key, e.value);
    }
    this.watch = this.svc.store.watch('/', revision, (ev) => {
      if (ev.type === 'delete') this.unindex(ev.key, ev.value);
      else this.index(ev.key, ev.value, ev.prev);
    });
    this.timer = setInterval(() => this.resync(), this.resyncMs);
    this.timer.unref();
    this.resync();
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  private distinctResources(): ResourceInfo[] {
    const seen = new Set<string>();
    const out: ResourceInfo[] = [];
    for (const r of this.svc.registry.all()) {
      const p = resourcePrefix(r);
      if (seen.has(p)) continue;
      seen.add(p);
      out.push(r);
    }
    return out;
  }

  private resourceOfKey(key: string): ResourceInfo | undefined {
    const [, group, plural] = key.split('/');
    if (group === undefined || plural === undefined) return undefined;
    return this.svc.registry.lookupAnyVersion(group === 'core' ? '' : group, plural);
  }

  private index(key: string, value: Readonly<JsonObject>, prev?: Readonly<JsonObject>): void {
    const uid = uidOf(value);
    if (uid !== undefined) this.byUid.set(uid, key);
    const owners = ownerUidsOf(value);
    const before = this.ownersOfKey.get(key) ?? [];
    for (const o of before) if (!owners.includes(o)) this.dropDependent(o, key);
    for (const o of owners) {
      let set = this.dependents.get(o);
      if (set === undefined) this.dependents.set(o, (set = new Set()));
      set.add(key);
      if (!this.byUid.has(o)) this.enqueue(key);
    }
    if (owners.length > 0) this.ownersOfKey.set(key, owners);
    else this.ownersOfKey.delete(key);
    if (deletionTimestampOf(value) !== undefined && (prev === undefined || deletionTimestampOf(prev) === undefined || finalizersOf(prev).length !== finalizersOf(value).length)) {
      this.enqueue(key);
    }
  }

  private unindex(key: string, value: Readonly<JsonObject>): void {
    const uid = uidOf(value);
    if (uid !== undefined && this.byUid.get(uid) === key) this.byUid.delete(uid);
    for (const o of this.ownersOfKey.get(key) ?? []) {
      this.dropDependent(o, key);
      const ownerKey = this.byUid.get(o);
      if (ownerKey !== undefined) this.enqueue(ownerKey); // a foreground owner may be waiting for this
    }
    this.ownersOfKey.delete(key);
    if (uid !== undefined) for (const d of this.dependents.get(uid) ?? []) this.enqueue(d);
    // a namespace's content leaving may let the namespace go
    const ns = namespaceOf(value);
    if (ns !== undefined && this.namespaces.has(ns)) this.enqueue(`ns:${ns}`);
  }

  private dropDependent(ownerUid: string, key: string): void {
    const set = this.dependents.get(ownerUid);
    if (set === undefined) return;
    set.delete(key);
    if (set.size === 0) this.dependents.delete(ownerUid);
  }

  private enqueue(item: string): void {
    this.queue.add(item);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    if (this.stopped) return;
    const items = [...this.queue];
    this.queue.clear();
    for (const item of items) {
      try {
        if (item.startsWith('ns:')) this.syncNamespace(item.slice(3));
        else this.syncObject(item);
      } catch (err) {
        // conflicts and races are retried by the next event or resync
        this.log.debug({ item, err }, 'gc item failed, will retry');
      }
    }
  }

  private resync(): void {
    if (this.stopped) return;
    const nsRes = this.svc.registry.lookup('', 'v1', 'namespaces');
    if (nsRes !== undefined) {
      for (const e of this.svc.store.list(resourcePrefix(nsRes)).entries) {
        if (deletionTimestampOf(e.value) !== undefined) this.enqueue(`ns:${nameOf(e.value) ?? ''}`);
      }
    }
    for (const [key, owners] of this.ownersOfKey) if (owners.some((o) => !this.byUid.has(o))) this.enqueue(key);
    for (const key of this.byUid.values()) {
      const e = this.svc.store.get(key);
      if (e !== undefined && deletionTimestampOf(e.value) !== undefined) this.enqueue(key);
    }
  }

  private syncObject(key: string): void {
    const entry = this.svc.store.get(key);
    const res = this.resourceOfKey(key);
    if (entry === undefined || res === undefined) return;
    const v = entry.value;
    if (res.group === '' && res.plural === 'namespaces' && deletionTimestampOf(v) !== undefined) {
      this.enqueue(`ns:${nameOf(v) ?? ''}`);
      return;
    }
    const finalizers = finalizersOf(v);
    const uid = uidOf(v);
    if (deletionTimestampOf(v) !== undefined && uid !== undefined) {
      const deps = [...(this.dependents.get(uid) ?? [])];
      if (finalizers.includes(ORPHAN_FINALIZER)) {
        for (const d of deps) this.dropOwnerRef(d, uid);
        this.removeFinalizer(res, entry, ORPHAN_FINALIZER);
        return;
      }
      if (finalizers.includes(FOREGROUND_FINALIZER)) {
        let remaining = 0;
        for (const d of deps) {
          const de = this.svc.store.get(d);
          const dres = this.resourceOfKey(d);
          if (de === undefined || dres === undefined) continue;
          remaining++;
          if (deletionTimestampOf(de.value) === undefined) {
            deleteObject(this.svc, dres, namespaceOf(de.value), nameOf(de.value) ?? '', { propagationPolicy: 'Foreground' });
          }
        }
        if (remaining === 0) this.removeFinalizer(res, entry, FOREGROUND_FINALIZER);
        return;
      }
    }
    // dependent side: are all owners gone?
    const owners = ownerUidsOf(v);
    if (owners.length === 0) return;
    const live = owners.filter((o) => this.byUid.has(o));
    if (live.length === owners.length) {
      // owners alive; an owner deleting in foreground takes its dependents with it
      for (const o of live) {
        const oe = this.svc.store.get(this.byUid.get(o) ?? '');
        if (oe !== undefined && finalizersOf(oe.value).includes(FOREGROUND_FINALIZER) && deletionTimestampOf(v) === undefined) {
          deleteObject(this.svc, res, namespaceOf(v), nameOf(v) ?? '', { propagationPolicy: 'Foreground' });
          return;
        }
      }
      return;
    }
    if (live.length === 0) {
      if (deletionTimestampOf(v) === undefined) deleteObject(this.svc, res, namespaceOf(v), nameOf(v) ?? '', { propagationPolicy: 'Background' });
      return;
    }
    for (const o of owners) if (!this.byUid.has(o)) this.dropOwnerRef(key, o);
  }

  private dropOwnerRef(key: string, ownerUid: string): void {
    const entry = this.svc.store.get(key);
    const res = this.resourceOfKey(key);
    if (entry === undefined || res === undefined) return;
    const next = copyTop(entry.value);
    const meta = metaOf(next);
    const refs = Array.isArray(meta['ownerReferences']) ? meta['ownerReferences'] : [];
    const kept = refs.filter((r) => !(isJsonObject(r) && r['uid'] === ownerUid));
    if (kept.length === refs.length) return;
    if (kept.length > 0) meta['ownerReferences'] = kept;
    else delete meta['ownerReferences'];
    this.svc.writeRaw(res, entry, next);
  }

  private removeFinalizer(res: ResourceInfo, entry: StoreEntry, finalizer: string): void {
    const next = copyTop(entry.value);
    metaOf(next)['finalizers'] = finalizersOf(entry.value).filter((f) => f !== finalizer);
    this.svc.writeRaw(res, entry, next);
  }

  private syncNamespace(name: string): void {
    const nsRes = this.svc.registry.lookup('', 'v1', 'namespaces');
    if (nsRes === undefined) return;
    const entry = this.svc.store.get(objectKey(nsRes, undefined, name));
    if (entry === undefined || deletionTimestampOf(entry.value) === undefined) {
      this.namespaces.delete(name);
      return;
    }
    this.namespaces.add(name);
    let remaining = 0;
    const nodeRes = this.svc.registry.lookup('', 'v1', 'nodes');
    for (const res of this.distinctResources()) {
      if (!res.namespaced) continue;
      for (const e of this.svc.store.list(`${resourcePrefix(res)}${name}/`).entries) {
        remaining++;
        const objName = nameOf(e.value) ?? '';
        let grace: number | undefined;
        if (res.group === '' && res.plural === 'pods' && nodeRes !== undefined) {
          const nodeName = isJsonObject(e.value['spec']) ? e.value['spec']['nodeName'] : undefined;
          // a pod on a node that does not exist has nobody to confirm its termination
          if (typeof nodeName !== 'string' || this.svc.store.get(objectKey(nodeRes, undefined, nodeName)) === undefined) grace = 0;
        }
        if (deletionTimestampOf(e.value) === undefined || grace === 0) {
          try {
            deleteObject(this.svc, res, name, objName, { propagationPolicy: 'Background', ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}) });
          } catch (err) {
            // one object that cannot be deleted now must not stop the rest; the resync retries it
            this.log.debug({ namespace: name, object: objName, err }, 'namespace content delete failed, will retry');
          }
        }
      }
    }
    if (remaining > 0) return;
    const next = copyTop(entry.value);
    const spec = isJsonObject(next['spec']) ? { ...next['spec'] } : {};
    spec['finalizers'] = [];
    next['spec'] = spec;
    if (finalizersOf(next).length === 0) {
      this.svc.removeFromStore(nsRes, entry);
      this.namespaces.delete(name);
    } else {
      this.svc.writeRaw(nsRes, entry, next);
    }
  }
}
