import type { Counter, Gauge, MetricsRegistry } from '../../platform/metrics/index.js';

export interface HubMetrics {
  readonly sessions: Gauge;
  /** label direction: upstream | downstream */
  readonly messages: Counter;
  /** label reason */
  readonly badMessages: Counter;
  /** label reason */
  readonly refused: Counter;
  readonly resends: Counter;
  readonly certsIssued: Counter;
  /** label op: save | remove */
  readonly syncPointFailures: Counter;
  /** label reason: offline | stale | queue-full | offline-queue-full | node-gone */
  readonly dropped: Counter;
}

export function hubMetrics(registry: MetricsRegistry): HubMetrics {
  return {
    sessions: registry.gauge('kubeedge_cloudhub_sessions', 'Connected edge sessions'),
    messages: registry.counter('kubeedge_cloudhub_messages_total', 'Messages through cloudhub by direction'),
    badMessages: registry.counter('kubeedge_cloudhub_bad_messages_total', 'Upstream frames dropped as invalid, by reason'),
    refused: registry.counter('kubeedge_cloudhub_refused_total', 'Upstream messages or connections refused by authorization, by reason'),
    resends: registry.counter('kubeedge_cloudhub_resends_total', 'Downstream messages resent for lack of an ACK'),
    certsIssued: registry.counter('kubeedge_cloudhub_certificates_issued_total', 'Edge certificates signed by the certificate server'),
    syncPointFailures: registry.counter('kubeedge_cloudhub_sync_point_failures_total', 'ObjectSync success points that could not be recorded'),
    dropped: registry.counter('kubeedge_cloudhub_dropped_total', 'Downstream messages dropped, by reason'),
  };
}
