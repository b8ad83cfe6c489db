import type { Counter, MetricsRegistry } from '../../platform/metrics/index.js';

export interface EdgeControllerMetrics {
  /** Upstream requests refused by object-level authorization, by reason. */
  readonly refused: Counter;
  /** Upstream requests with an unknown resource type or operation, or a bad body, by reason. */
  readonly unsupported: Counter;
  /** Downstream messages handed to cloudhub, by resource type and operation. */
  readonly downstream: Counter;
}

export function edgeControllerMetrics(registry: MetricsRegistry): EdgeControllerMetrics {
  return {
    refused: registry.counter('kubeedge_edgecontroller_refused_total', 'Upstream requests refused by object-level authorization, by reason.'),
    unsupported: registry.counter('kubeedge_edgecontroller_unsupported_total', 'Upstream requests with an unknown resource type or operation or a bad body, by reason.'),
    downstream: registry.counter('kubeedge_edgecontroller_downstream_messages_total', 'Downstream messages sent to cloudhub, by resource type and operation.'),
  };
}
