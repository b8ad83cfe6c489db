/**
 * metamanager (group `meta`): between edged and edgehub, keeper of the `meta` table. The inbox loop
 * never waits on the cloud: local work (stores, ACKs, offline answers) is done in line, in arrival
 * order; remote calls run on a bounded TaskRunner, in order per resource.
 */
import { Source, type KubeEdgeMessage } from '../../api/index.js';
import { errorMessage } from '../../base/index.js';
import type { ModuleContext } from '../../beehive/index.js';
import { CONNECTION_OPERATION, CONNECTION_RESOURCE, EdgeGroup, EdgeModule, type EdgeModuleDeps } from '../common/index.js';
import { handleDownstream } from './downstream.js';
import type { MetaEnv } from './env.js';
import { handleFromEdged } from './from-edged.js';
import { TaskRunner } from './task-runner.js';

/** Remote calls in flight at once. */
export const REMOTE_CONCURRENCY = 64;
const CLOUD_SOURCES: ReadonlySet<string> = new Set([Source.EdgeController, Source.SyncController, Source.CloudHub]);

export function createMetaManagerModule(deps: EdgeModuleDeps): EdgeModule {
  const mm = deps.config.modules.metaManager;
  const badMessages = deps.metrics.counter('kubeedge_metamanager_bad_messages_total', 'Messages metamanager dropped as malformed, by reason');
  const forwardFailures = deps.metrics.counter('kubeedge_metamanager_forward_failures_total', 'Cloud objects stored but not handed to edged (left unACKed for a resend)');
  let loop: Promise<void> | undefined;

  const dispatch = (env: MetaEnv, msg: KubeEdgeMessage, setConnected: (c: boolean) => void): void => {
    const { route } = msg;
    if (route.operation === CONNECTION_OPERATION && route.resource === CONNECTION_RESOURCE) {
      setConnected(msg.content === 'connected');
      env.log.info({ connected: msg.content === 'connected' }, 'cloud connection changed');
      return;
    }
    if (route.source === Source.Edged) {
      handleFromEdged(env, msg);
      return;
    }
    if (msg.header.parent_msg_id !== undefined && msg.header.parent_msg_id !== '') {
      env.log.debug({ resource: route.resource, op: route.operation }, 'late reply dropped');
      return;
    }
    if (CLOUD_SOURCES.has(route.source)) {
      handleDownstream(env, msg);
      return;
    }
    env.log.debug({ source: route.source, resource: route.resource, op: route.operation }, 'message ignored');
  };

  return {
    name: EdgeModule.MetaManager,
    group: EdgeGroup.Meta,
    async start(ctx: ModuleContext<KubeEdgeMessage>) {
      let connected = false;
      const log = ctx.log;
      const env: MetaEnv = {
        ctx,
        db: deps.db,
        log,
        badMessages,
        forwardFailures,
        sendModule: mm.contextSendModule,
        remoteTimeoutMs: Math.max(1, mm.remoteQueryTimeout) * 1000,
        runner: new TaskRunner(REMOTE_CONCURRENCY, (err) => log.error({ err: errorMessage(err) }, 'remote task failed')),
        isConnected: () => connected,
      };
      const setConnected = (c: boolean): void => {
        connected = c;
      };
      loop = (async () => {
        for await (const msg of ctx.receive()) {
          try {
            dispatch(env, msg, setConnected);
          } catch (err) {
            log.error({ resource: msg.route.resource, op: msg.route.operation, err: errorMessage(err) }, 'message handling failed');
          }
        }
      })().catch((err: unknown) => ctx.fail(err));
      return Promise.resolve();
    },
    async stop() {
      await loop;
      loop = undefined;
    },
  };
}
