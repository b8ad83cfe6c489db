import { isJsonObject, type JsonObject } from '../../base/index.js';
import type { ObjectService } from './objects.js';
import { resourcePrefix, type ResourceInfo } from './resources.js';

/**
 * Pods by `spec.nodeName`: every edge node lists and watches its own pods, so that field selector
 * is the hot path. Kept in step synchronously with every write made through ObjectService (the only
 * writer of pods), so a list right after a write sees it.
 */
export class PodNodeIndex {
  private readonly byNode = new Map<string, Set<string>>();
  private readonly nodeOfKey = new Map<string, string>();

  constructor(private readonly pods: ResourceInfo) {}

  start(svc: ObjectService): void {
    for (const e of svc.store.list(resourcePrefix(this.pods)).entries) this.set(e.key, e.value);
    svc.onWrite((res, prev, next) => {
      if (res.group !== '' || res.plural !== 'pods') return;
      const o = next ?? prev;
      if (o === undefined) return;
      const key = svc.key(res, namespaceOf(o), nameOf(o));
      if (next === undefined) this.remove(key);
      else this.set(key, next);
    });
  }

  /** Keys of the pods bound to `node` ('' for unbound pods), unordered. */
  keys(node: string): ReadonlySet<string> {
    return this.byNode.get(node) ?? EMPTY;
  }

  private set(key: string, pod: Readonly<JsonObject>): void {
    const spec = pod['spec'];
    const node = isJsonObject(spec) && typeof spec['nodeName'] === 'string' ? spec['nodeName'] : '';
    if (this.nodeOfKey.get(key) === node) return;
    this.remove(key);
    this.nodeOfKey.set(key, node);
    let set = this.byNode.get(node);
    if (set === undefined) this.byNode.set(node, (set = new Set()));
    set.add(key);
  }

  private remove(key: string): void {
    const node = this.nodeOfKey.get(key);
    if (node === undefined) return;
    this.nodeOfKey.delete(key);
    const set = this.byNode.get(node);
    set?.delete(key);
    if (set?.size === 0) this.byNode.delete(node);
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function metaField(o: Readonly<JsonObject>, f: string): string {
  const m = o['metadata'];
  return isJsonObject(m) && typeof m[f] === 'string' ? m[f] : '';
}
const nameOf = (o: Readonly<JsonObject>): string => metaField(o, 'name');
const namespaceOf = (o: Readonly<JsonObject>): string => metaField(o, 'namespace');
