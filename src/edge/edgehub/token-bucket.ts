import type { Clock } from '../../base/index.js';

/** Resolves after `ms` on `clock`, or rejects with the signal's reason once it aborts. */
export function clockDelay(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(signal.reason);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The upstream rate limit (edgeHub messageQPS / messageBurst): a token bucket that never refuses, it only
 * makes the caller wait for the next token. qps ≤ 0 disables it.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {
    this.tokens = Math.max(1, burst);
    this.last = clock.now();
  }

  /** Takes a token now when there is one (true), without waiting. */
  tryTake(): boolean {
    if (this.qps <= 0) return true;
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Waits until a token is free and takes it. */
  async take(signal: AbortSignal): Promise<void> {
    while (!this.tryTake()) {
      const waitMs = Math.max(1, Math.ceil(((1 - this.tokens) / this.qps) * 1000));
      await clockDelay(this.clock, waitMs, signal);
    }
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(Math.max(1, this.burst), this.tokens + (elapsed * this.qps) / 1000);
  }
}
