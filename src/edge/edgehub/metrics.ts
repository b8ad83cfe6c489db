import type { Counter, MetricsRegistry } from '../../platform/metrics/index.js';

export const BadMessageReason = {
  Malformed: 'malformed',
  Oversized: 'oversized',
  Binary: 'binary',
  UnknownOperation: 'unknown_operation',
} as const;
export type BadMessageReason = (typeof BadMessageReason)[keyof typeof BadMessageReason];

/** Where edgehub caught an unexpected error (usually SQLite) and kept running. */
export const ErrorSite = {
  /** Settling a durable row from a cloud reply. */
  Settle: 'settle',
  /** Handling one frame from the cloud. */
  Frame: 'frame',
  /** Handling one message from the inbox (queueing a report, sending). */
  Upstream: 'upstream',
} as const;
export type ErrorSite = (typeof ErrorSite)[keyof typeof ErrorSite];

export interface EdgeHubMetrics {
  /** Downstream frames dropped as unusable, by reason. */
  readonly badMessages: Counter;
  /** Upstream messages dropped because the link was down (non-durable, non-sync). */
  readonly dropped: Counter;
  /** Successful connections to cloudhub. */
  readonly connects: Counter;
  /** Errors caught and survived, by site (`kubeedge_edgehub_errors_total{site}`). */
  readonly errors: Counter;
}

export function edgeHubMetrics(registry: MetricsRegistry): EdgeHubMetrics {
  return {
    badMessages: registry.counter('kubeedge_edgehub_bad_messages_total', 'Frames from the cloud dropped as unusable, by reason'),
    dropped: registry.counter('kubeedge_edgehub_dropped_total', 'Upstream messages dropped while disconnected'),
    connects: registry.counter('kubeedge_edgehub_connects_total', 'Connections established to cloudhub'),
    errors: registry.counter('kubeedge_edgehub_errors_total', 'Unexpected errors edgehub caught and survived, by site'),
  };
}
