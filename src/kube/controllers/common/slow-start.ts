/**
 * client-go's slowStartBatch: runs `count` calls in batches of 1, 2, 4, ... (at most `maxBatch`),
 * stopping after the first batch with a failure, so a controller that cannot create pods (quota,
 * admission) fails after one call instead of hundreds. Answers how many succeeded and the first error.
 */
/** The batch sizes of a slow start of `count` calls: 1, 2, 4, … (each at most `maxBatch`). */
export function slowStartSizes(count: number, maxBatch = 64): number[] {
  const out: number[] = [];
  let left = count;
  for (let batch = 1; left > 0; batch *= 2) {
    const size = Math.min(batch, left, maxBatch);
    out.push(size);
    left -= size;
  }
  return out;
}

export async function slowStartBatch(count: number, fn: (i: number) => Promise<void>, maxBatch = 64): Promise<{ readonly done: number; readonly skipped: number; readonly error: unknown }> {
  let done = 0;
  let next = 0;
  let error: unknown;
  for (const size of slowStartSizes(count, maxBatch)) {
    const start = next;
    next += size;
    const results = await Promise.allSettled(Array.from({ length: size }, (_, k) => fn(start + k)));
    for (const r of results) {
      if (r.status === 'fulfilled') done++;
      else error ??= r.reason ?? new Error('call failed');
    }
    if (error !== undefined) break;
  }
  return { done, skipped: count - next, error };
}
