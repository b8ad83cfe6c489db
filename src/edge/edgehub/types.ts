import type { Clock } from '../../base/index.js';
import type { DialOptions, FrameConnection } from '../../platform/transport/types.js';
import type { EdgeModule } from '../common/index.js';

export interface EdgeHubStats {
  /** TLS bytes written to / read from cloudhub, over every connection so far. */
  readonly bytesWritten: number;
  readonly bytesRead: number;
  /** Connections established after the first one. */
  readonly reconnects: number;
  /** Rows waiting in the durable upstream queue. */
  readonly queued: number;
}

export interface EdgeHubModule extends EdgeModule {
  connected(): boolean;
  stats(): EdgeHubStats;
}

export interface EdgeHubOptions {
  /** Timers and timestamps (tests pass a fake clock). */
  readonly clock?: Clock;
  /** The transport's dialFrameServer (tests may wrap it). */
  readonly dial?: (opts: DialOptions) => Promise<FrameConnection>;
  /** Randomness for backoff and rotation jitter. */
  readonly random?: () => number;
}
