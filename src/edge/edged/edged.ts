/**
 * edged (group `edged`): registers the node, keeps its Lease and status, and runs the pods bound
 * to it through a PodRuntime (`hollow` in this release). Talks only to metamanager.
 */
import { dirname } from 'node:path';
import { Operation, parseObjectResource, type KubeEdgeMessage } from '../../api/index.js';
import { errorMessage, systemClock, type Clock } from '../../base/index.js';
import type { ModuleContext } from '../../beehive/index.js';
import { CONNECTION_OPERATION, CONNECTION_RESOURCE, EdgeGroup, EdgeModule, type EdgeModuleDeps } from '../common/index.js';
import { EDGED_SOURCE, type EdgedEnv } from './env.js';
import { readHostInfo, type HostInfo } from './host-info.js';
import { NodeAgent } from './node-agent.js';
import type { NodeFacts } from './node-object.js';
import { PodAgent } from './pod-agent.js';
import { createPodRuntime, type PodRuntime } from './runtime.js';

export const HOLLOW_RUNTIME_VERSION = 'hollow://0.1.0';
/** Margin over metamanager's remote timeout for edged's own sync calls. */
const CALL_MARGIN_MS = 5_000;

export interface EdgedOptions {
  readonly clock?: Clock;
  readonly hostInfo?: () => HostInfo;
}

export function createEdgedModule(deps: EdgeModuleDeps, opts: EdgedOptions = {}): EdgeModule {
  const cfg = deps.config.modules.edged;
  const clock = opts.clock ?? systemClock;
  const hostInfo = opts.hostInfo ?? (() => readHostInfo(dirname(deps.db.path)));
  let runtime: PodRuntime | undefined;
  let tasks: Promise<unknown> | undefined;

  return {
    name: EdgeModule.Edged,
    group: EdgeGroup.Edged,
    start(ctx: ModuleContext<KubeEdgeMessage>) {
      const log = ctx.log;
      let connected = false;
      const facts = (): NodeFacts => {
        const host = hostInfo();
        return {
          nodeName: deps.nodeName,
          nodeIP: cfg.nodeIP !== '' ? cfg.nodeIP : host.ipv4 !== '' ? host.ipv4 : '127.0.0.1',
          host,
          maxPods: cfg.maxPods,
          labels: cfg.nodeLabels,
          runtimeVersion: HOLLOW_RUNTIME_VERSION,
        };
      };
      const first = facts();
      const rt = createPodRuntime(cfg.runtimeType, { clock, nodeIP: first.nodeIP });
      runtime = rt;
      const env: EdgedEnv = {
        ctx,
        log,
        clock,
        nodeName: deps.nodeName,
        nodeNamespace: cfg.registerNodeNamespace,
        callTimeoutMs: deps.config.modules.metaManager.remoteQueryTimeout * 1000 + CALL_MARGIN_MS,
        isConnected: () => connected,
      };
      const node = new NodeAgent(env, {
        leaseDurationSeconds: cfg.nodeLeaseDurationSeconds,
        statusReportFrequencySeconds: cfg.nodeStatusReportFrequency,
        facts,
      });
      const pods = new PodAgent(env, rt, () => first.nodeIP);
      rt.onChange((uid) => pods.changed(uid));

      const dispatch = (msg: KubeEdgeMessage): void => {
        const { route } = msg;
        if (route.operation === CONNECTION_OPERATION && route.resource === CONNECTION_RESOURCE) {
          connected = msg.content === 'connected';
          if (connected) {
            node.onConnected();
            pods.onConnected();
          }
          return;
        }
        if (route.source === EDGED_SOURCE) return;
        let type: string;
        try {
          type = parseObjectResource(route.resource).resourceType;
        } catch {
          return;
        }
        if (type === 'pod') pods.handle(msg);
        else if (type === 'node' && msg.route.operation !== Operation.Delete) node.onCloudNode(msg.content);
      };

      const loop = (async () => {
        for await (const msg of ctx.receive()) {
          try {
            dispatch(msg);
          } catch (err) {
            log.error({ resource: msg.route.resource, op: msg.route.operation, err: errorMessage(err) }, 'message handling failed');
          }
        }
      })();
      const background = Promise.all([node.run(), pods.initialSync()]).catch((err: unknown) => {
        if (!ctx.signal.aborted) ctx.fail(err);
      });
      tasks = Promise.all([loop, background]);
      log.info({ node: deps.nodeName, runtime: rt.name }, 'edged started');
      return Promise.resolve();
    },
    async stop() {
      await tasks;
      tasks = undefined;
      await runtime?.stop();
      runtime = undefined;
    },
  };
}
