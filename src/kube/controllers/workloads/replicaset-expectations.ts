/**
 * controller.UIDTrackingControllerExpectations: what a controller has asked the API server for and
 * not yet seen in its informer. While a key has outstanding expectations its sync does not create
 * or delete again (the informer lag would otherwise cause double creates). Expectations expire
 * after 5 minutes so a lost watch event cannot wedge a controller.
 */
import type { Clock } from '../../../base/index.js';

export const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Entry {
  adds: number;
  readonly deletes: Set<string>;
  readonly at: number;
}

export class Expectations {
  readonly #entries = new Map<string, Entry>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** True when nothing is outstanding for `key` (or its expectations expired). */
  satisfied(key: string): boolean {
    const e = this.#entries.get(key);
    if (e === undefined) return true;
    if (e.adds <= 0 && e.deletes.size === 0) return true;
    return this.#clock.now() - e.at > EXPECTATIONS_TTL_MS;
  }

  expectCreations(key: string, n: number): void {
    this.#entries.set(key, { adds: n, deletes: new Set(), at: this.#clock.now() });
  }

  expectDeletions(key: string, podKeys: readonly string[]): void {
    this.#entries.set(key, { adds: 0, deletes: new Set(podKeys), at: this.#clock.now() });
  }

  creationObserved(key: string): void {
    const e = this.#entries.get(key);
    if (e !== undefined && e.adds > 0) e.adds--;
  }

  /** A create that failed (or was skipped) will never be observed. */
  lowerCreations(key: string, n: number): void {
    const e = this.#entries.get(key);
    if (e !== undefined) e.adds = Math.max(0, e.adds - n);
  }

  deletionObserved(key: string, podKey: string): void {
    this.#entries.get(key)?.deletes.delete(podKey);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}
