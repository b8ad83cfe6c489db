/**
 * client-go's slowStartBatch: runs `count` calls in batches of 1, 2, 4, ... (at most `maxBatch`),
 * stopping after the first batch with a failure, so a controller that cannot create pods (quota,
 * admission) fails after one call instead of hundreds. Answers how many succeeded and the first error.
 */
export async function slowStartBatch(count: number, fn: (i: number) => Promise<void>, maxBatch = 64): Promise<{ readonly done: number; readonly skipped: number; readonly error: unknown }> {
  let done = 0;
  let next = 0;
  let batch = 1;
  let error: unknown;
  while (next < count) {
    const size = Math.min(batch, count - next, maxBatch);
    const start = next;
    next += size;
    const results = await Promise.allSettled(Array.from({ length: size }, (_, k) => fn(start + k)));
    for (const r of results) {
      if (r.status === 'fulfilled') done++;
      else error ??= r.reason;
    }
    if (error !== undefined) break;
    batch *= 2;
  }
  return { done, skipped: count - next, error };
}
