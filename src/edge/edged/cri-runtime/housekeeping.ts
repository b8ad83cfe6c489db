/** Periodic GC run after a good relist: backoff entries, dead containers (every minute), unused images (every 5 min). */
import type { Clock } from '../../../base/index.js';
import type { CriClient } from '../../../platform/cri/client.js';
import type { Logger } from '../../../platform/log/index.js';
import type { BackoffTracker } from './backoff.js';
import { runContainerGc } from './container-gc.js';
import { imageGc, type ImageGcOptions, type ImageUse } from './images.js';
import type { PodView } from './view.js';

export interface HousekeepingDeps {
  readonly client: CriClient;
  readonly clock: Clock;
  readonly backoff: BackoffTracker;
  readonly log: Logger;
  readonly containerGcMs: number;
  readonly imageGcMs: number;
  readonly imageGc: ImageGcOptions;
  readonly views: () => Iterable<PodView>;
  /** Images the pod specs the runtime knows name (never removed by image GC). */
  readonly specImages: () => Iterable<string>;
  readonly refresh: () => Promise<void>;
}

export function createHousekeeping(d: HousekeepingDeps): () => Promise<void> {
  const use: ImageUse = new Map();
  let lastContainerGc = d.clock.now();
  let lastImageGc = d.clock.now();
  return async () => {
    const now = d.clock.now();
    d.backoff.gc(now);
    if (now - lastContainerGc >= d.containerGcMs) {
      lastContainerGc = now;
      if ((await runContainerGc(d.client, d.views(), d.log)) > 0) await d.refresh();
    }
    if (now - lastImageGc >= d.imageGcMs) {
      lastImageGc = now;
      await imageGc(d.client, use, now, { ...d.imageGc, keep: [...d.specImages()] }, d.log);
    }
  };
}
