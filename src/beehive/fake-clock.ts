import type { Clock } from '../base/index.js';

/** A manual clock for tests: timers fire only when `advance` moves time past them. */
export interface FakeClock extends Clock {
  /** Moves time forward, firing due timers in order; yields to the microtask queue between timers. */
  advance(ms: number): Promise<void>;
  /** Timers not yet fired or cancelled. */
  pending(): number;
}

export function createFakeClock(start = 0): FakeClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = seq++;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return { cancel: () => void timers.delete(id) };
    },
    pending: () => timers.size,
    async advance(ms) {
      const target = now + ms;
      await flush();
      for (;;) {
        let next: [number, { at: number; fn: () => void }] | undefined;
        for (const e of timers) if (e[1].at <= target && (next === undefined || e[1].at < next[1].at)) next = e;
        if (next === undefined) break;
        timers.delete(next[0]);
        now = next[1].at;
        next[1].fn();
        await flush();
      }
      now = target;
      await flush();
    },
  };
}
