/**
 * The relist loop (kubelet's PLEG): relists every period, runs housekeeping (GC) after a good relist,
 * and backs off while the runtime fails, reporting health transitions. Never throws. Also the timer
 * helpers of the runtime's loops.
 */
import type { Clock } from '../../../base/index.js';

export interface PlegOptions {
  readonly clock: Clock;
  readonly periodMs: number;
  readonly maxBackoffMs: number;
  readonly relist: () => Promise<void>;
  readonly housekeeping: () => Promise<void>;
  /** Called when relisting starts failing (with the error) and when it works again. */
  readonly onHealth: (healthy: boolean, err?: unknown) => void;
}

export interface Pleg {
  stop(): void;
}

export function startPleg(o: PlegOptions): Pleg {
  let stopped = false;
  let healthy = true;
  let failures = 0;
  let timer: { cancel(): void } | undefined;
  const tick = async (): Promise<void> => {
    if (stopped) return;
    try {
      await o.relist();
      failures = 0;
      if (!healthy) {
        healthy = true;
        o.onHealth(true);
      }
      await o.housekeeping().catch(() => undefined);
    } catch (err) {
      failures++;
      if (healthy) {
        healthy = false;
        o.onHealth(false, err);
      }
    }
    if (stopped) return;
    const delay = healthy ? o.periodMs : Math.min(o.maxBackoffMs, o.periodMs * 2 ** Math.min(failures, 10));
    timer = o.clock.setTimeout(() => void tick(), delay);
  };
  timer = o.clock.setTimeout(() => void tick(), o.periodMs);
  return {
    stop() {
      stopped = true;
      timer?.cancel();
    },
  };
}

/** Runs `fn` one at a time; a caller arriving while it runs gets the next run (which starts after its call). */
export function coalesced(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let next: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | undefined;
  const run = (): Promise<void> => {
    running = fn().finally(() => {
      running = undefined;
      const n = next;
      next = undefined;
      if (n !== undefined) run().then(n.resolve, n.reject);
    });
    return running;
  };
  return () => {
    if (running === undefined) return run();
    if (next === undefined) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      next = { promise, resolve, reject };
    }
    return next.promise;
  };
}

/** Sleeps on `clock` that wakeAll() ends early (at stop, so that no loop waits on a timer). */
export function createSleeper(clock: Clock): { sleep(ms: number): Promise<void>; wakeAll(): void } {
  const sleepers = new Set<() => void>();
  return {
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          sleepers.delete(done);
          t.cancel();
          resolve();
        };
        const t = clock.setTimeout(done, ms);
        sleepers.add(done);
      }),
    wakeAll: () => {
      for (const wake of [...sleepers]) wake();
    },
  };
}

/** `p`, or `timeoutError()` once `ms` passed first (`p` goes on). */
export function withDeadline(clock: Clock, p: Promise<void>, ms: number, timeoutError: () => Error): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const t = clock.setTimeout(() => reject(timeoutError()), ms);
    p.then(
      () => {
        t.cancel();
        resolve();
      },
      (err: unknown) => {
        t.cancel();
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
