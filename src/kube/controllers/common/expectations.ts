/**
 * Controller expectations (client-go's ControllerExpectations): after a controller creates or deletes
 * pods it waits until its informer has seen those changes before deciding again, so a lagging cache
 * never makes it create twice. Expectations expire after `ttlMs` in case an event is lost.
 */
import type { Clock } from '../../../base/index.js';
import type { SharedInformer, V1Pod, WorkQueue } from '../../client/index.js';

interface Entry {
  adds: number;
  readonly deletes: Set<string>;
  at: number;
}

export class Expectations {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  #entry(key: string): Entry {
    let e = this.#entries.get(key);
    if (e === undefined) {
      e = { adds: 0, deletes: new Set(), at: this.clock.now() };
      this.#entries.set(key, e);
    }
    return e;
  }

  expectCreations(key: string, n: number): void {
    const e = this.#entry(key);
    e.adds += n;
    e.at = this.clock.now();
  }

  expectDeletion(key: string, podUid: string): void {
    const e = this.#entry(key);
    e.deletes.add(podUid);
    e.at = this.clock.now();
  }

  creationObserved(key: string): void {
    const e = this.#entries.get(key);
    if (e !== undefined && e.adds > 0) e.adds--;
  }

  deletionObserved(key: string, podUid: string): void {
    this.#entries.get(key)?.deletes.delete(podUid);
  }

  /** True when nothing is outstanding (or what is has expired): the controller may act. */
  satisfied(key: string): boolean {
    const e = this.#entries.get(key);
    if (e === undefined) return true;
    if ((e.adds <= 0 && e.deletes.size === 0) || this.clock.now() - e.at > this.ttlMs) {
      this.#entries.delete(key);
      return true;
    }
    return false;
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }
}

/**
 * Wires a pod informer to a controller: every change to a pod with an owner key queues that owner,
 * and creations and deletions settle the owner's expectations.
 */
export function watchOwnedPods(pods: SharedInformer<V1Pod>, ownerKey: (p: V1Pod) => string | undefined, expectations: Expectations, queue: WorkQueue<string>): void {
  pods.onAdd((p) => {
    const k = ownerKey(p);
    if (k === undefined) return;
    expectations.creationObserved(k);
    queue.add(k);
  });
  pods.onUpdate((_o, p) => {
    const k = ownerKey(p);
    if (k !== undefined) queue.add(k);
  });
  pods.onDelete((p) => {
    const k = ownerKey(p);
    if (k === undefined) return;
    expectations.deletionObserved(k, p.metadata?.uid ?? '');
    queue.add(k);
  });
}
