/** Clock-driven waits that end early on `wake()` (e.g. the cloud connection came back) or on abort. */
import type { Clock } from '../../base/index.js';

export class Waker {
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly clock: Clock,
    private readonly signal: AbortSignal,
  ) {}

  /** Resolves after `ms`, on wake(), or at abort (never rejects). */
  wait(ms: number): Promise<void> {
    if (this.signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        timer.cancel();
        this.waiters.delete(done);
        this.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = this.clock.setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
      this.signal.addEventListener('abort', done, { once: true });
    });
  }

  wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** Settles like `p`, or rejects with the signal's reason once it aborts. */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
