import type { KubeEdgeMessage } from '../../api/index.js';
import type { ModuleContext } from '../../beehive/index.js';
import type { Logger } from '../../platform/log/index.js';
import type { Counter } from '../../platform/metrics/index.js';
import type { EdgeDb } from '../../platform/store/edge-db-types.js';
import type { TaskRunner } from './task-runner.js';

/** What metamanager's handlers share for the life of one start. */
export interface MetaEnv {
  readonly ctx: ModuleContext<KubeEdgeMessage>;
  readonly db: EdgeDb;
  readonly log: Logger;
  /** `kubeedge_metamanager_bad_messages_total{reason}`. */
  readonly badMessages: Counter;
  /** `kubeedge_metamanager_forward_failures_total`: cloud objects stored but not handed to edged (not ACKed). */
  readonly forwardFailures: Counter;
  /** The module remote calls and reports go to (config contextSendModule, `websocket`). */
  readonly sendModule: string;
  readonly remoteTimeoutMs: number;
  readonly runner: TaskRunner;
  isConnected(): boolean;
}

export const META_SOURCE = 'metamanager';
