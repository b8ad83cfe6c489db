/**
 * Pending pod creations and deletions per StatefulSet: after acting, the controller waits until its
 * informer has seen what it did before deciding again (entries expire after `ttlMs` in case an event
 * is lost). Creations are tracked by pod name, deletions by pod uid.
 */
import type { Clock } from '../../../base/index.js';

interface Pending {
  readonly creates: Set<string>;
  readonly deletes: Set<string>;
  at: number;
}

export class PodExpectations {
  readonly #pending = new Map<string, Pending>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  #get(key: string): Pending {
    let e = this.#pending.get(key);
    if (e === undefined) {
      e = { creates: new Set(), deletes: new Set(), at: this.clock.now() };
      this.#pending.set(key, e);
    }
    e.at = this.clock.now();
    return e;
  }

  expectCreate(key: string, podName: string): void {
    this.#get(key).creates.add(podName);
  }

  expectDelete(key: string, podUid: string): void {
    this.#get(key).deletes.add(podUid);
  }

  created(key: string, podName: string): void {
    this.#pending.get(key)?.creates.delete(podName);
  }

  deleted(key: string, podUid: string): void {
    this.#pending.get(key)?.deletes.delete(podUid);
  }

  satisfied(key: string): boolean {
    const e = this.#pending.get(key);
    if (e === undefined) return true;
    if ((e.creates.size === 0 && e.deletes.size === 0) || this.clock.now() - e.at > this.ttlMs) {
      this.#pending.delete(key);
      return true;
    }
    return false;
  }

  forget(key: string): void {
    this.#pending.delete(key);
  }
}
