/**
 * Per-key exponential backoff as kubelet's flowcontrol.Backoff: CrashLoopBackOff for container
 * restarts and ImagePullBackOff for pulls. A restart is allowed when no window is open since the
 * event (the first one at once); each allowed attempt doubles the window up to the maximum.
 */

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** A container that ran at least this long starts over at the initial delay. */
  readonly resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

export class BackoffTracker {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly policy: BackoffPolicy) {}

  /** True while the window opened by the last `next` has not passed since `eventTime`. */
  inBackoffSince(key: string, eventTime: number, now: number): boolean {
    const e = this.entries.get(key);
    return e !== undefined && now - eventTime < e.delayMs;
  }

  /** The current window, 0 when none. */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** The time of the last `next`, undefined when none. */
  lastUpdate(key: string): number | undefined {
    return this.entries.get(key)?.lastUpdate;
  }

  /** Records an attempt: opens the initial window, or doubles the current one up to the maximum. */
  next(key: string, now: number): void {
    const e = this.entries.get(key);
    if (e === undefined) this.entries.set(key, { delayMs: this.policy.initialMs, lastUpdate: now });
    else {
      e.delayMs = Math.min(e.delayMs * 2, this.policy.maxMs);
      e.lastUpdate = now;
    }
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key starting with `prefix` (a pod that went away). */
  resetPrefix(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  /** Drops entries idle for twice the maximum (kubelet's GC of its backoff). */
  gc(now: number): void {
    for (const [k, e] of this.entries) if (now - e.lastUpdate > 2 * this.policy.maxMs) this.entries.delete(k);
  }

  /**
   * Whether a container that ran from `startedAt` to `finishedAt` may be restarted now; when it may,
   * the attempt is recorded. Returns the remaining wait in ms (0 = restart now).
   */
  restartWait(key: string, startedAt: number, finishedAt: number, now: number): number {
    if (finishedAt - startedAt >= this.policy.resetAfterMs) this.reset(key);
    if (this.inBackoffSince(key, finishedAt, now)) return finishedAt + this.delay(key) - now;
    this.next(key, now);
    return 0;
  }
}
