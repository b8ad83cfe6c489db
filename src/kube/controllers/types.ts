import type { Clock } from '../../base/index.js';
import type { Logger } from '../../platform/log/index.js';
import type { EventRecorder, InformerFactory, KubeClient } from '../client/index.js';

/**
 * What every controller of the embedded control plane gets. Controllers talk to the API server
 * only through `client` (HTTP) and the shared informers, so they run against any API server.
 */
export interface ControllerContext {
  readonly client: KubeClient;
  readonly informers: InformerFactory;
  /** Makes an event recorder reporting as `component` (e.g. 'deployment-controller'). */
  readonly recorder: (component: string) => EventRecorder;
  readonly log: Logger;
  readonly clock: Clock;
  readonly options: ControlPlaneOptions;
}

export interface ControlPlaneOptions {
  /** Seconds without a Lease renewal before a node is NotReady/Unknown (default 40). */
  readonly nodeMonitorGracePeriodSeconds: number;
  /** Default tolerationSeconds for cloud nodes' pods on not-ready/unreachable taints (default 300). */
  readonly defaultEvictionSeconds: number;
  /** Workers per controller queue (default 2). */
  readonly workers: number;
}

export const DEFAULT_CONTROL_PLANE_OPTIONS: ControlPlaneOptions = {
  nodeMonitorGracePeriodSeconds: 40,
  defaultEvictionSeconds: 300,
  workers: 2,
};

/** A controller: `start` resolves once its informers are synced and its workers run; it stops when `signal` aborts. */
export interface Controller {
  readonly name: string;
  start(ctx: ControllerContext, signal: AbortSignal): Promise<void>;
}
