/**
 * edged (group `edged`): registers the node, keeps its Lease and status, and runs the pods bound
 * to it through a PodRuntime (cri, process or hollow). Talks to metamanager for everything it sends;
 * reads ConfigMaps and Secrets for pods straight from the edge SQLite so pods start offline.
 */
import { dirname, join } from 'node:path';
import { Operation, parseObjectResource, type KubeEdgeMessage } from '../../api/index.js';
import { errorMessage, systemClock, type Clock } from '../../base/index.js';
import type { ModuleContext } from '../../beehive/index.js';
import { CONNECTION_OPERATION, CONNECTION_RESOURCE, EdgeGroup, EdgeModule, type EdgeModuleDeps } from '../common/index.js';
import { EDGED_SOURCE, type EdgedEnv } from './env.js';
import { readHostInfo, type HostInfo } from './host-info.js';
import { Waker } from './wake.js';
import { NodeAgent } from './node-agent.js';
import type { NodeFacts } from './node-object.js';
import { PodAgent } from './pod-agent.js';
import { metaObjectSource, podUses } from './object-source.js';
import { createPodRuntime, type PodRuntime, type RuntimeImage } from './runtime.js';
import { startRuntime } from './runtime-start.js';
import { readStaticPods, staticPodLogger } from './static-pods.js';

export { HOLLOW_RUNTIME_VERSION } from './hollow-runtime.js';
/** Margin over metamanager's remote timeout for edged's own sync calls. */
const CALL_MARGIN_MS = 5_000;
/** How often the runtime's image list is read for the Node's status.images. */
const IMAGES_REFRESH_MS = 60_000;
/** How long node registration waits for the runtime to answer first. */
const REGISTER_WAIT_FOR_RUNTIME_MS = 2_000;

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
      let runtimeReady = false;
      let images: readonly RuntimeImage[] = [];
      const nodeIPOf = (host: HostInfo): string => (cfg.nodeIP !== '' ? cfg.nodeIP : host.ipv4 !== '' ? host.ipv4 : '127.0.0.1');
      const firstHost = hostInfo();
      const kubelet = cfg.tailoredKubeletConfig;
      const rt = createPodRuntime(cfg.runtimeType, {
        clock,
        log: log.child({ component: 'runtime' }),
        nodeName: deps.nodeName,
        nodeIP: nodeIPOf(firstHost),
        rootDir: cfg.rootDirectory !== '' ? cfg.rootDirectory : join(dirname(deps.db.path), 'edged'),
        objects: metaObjectSource(deps.db),
        criEndpoint: kubelet.containerRuntimeEndpoint,
        podSandboxImage: cfg.podSandboxImage,
        imageGcHighPercent: kubelet.imageGCHighThresholdPercent,
        imageGcLowPercent: kubelet.imageGCLowThresholdPercent,
      });
      runtime = rt;
      const facts = (): NodeFacts => {
        const host = hostInfo();
        return {
          nodeName: deps.nodeName,
          nodeIP: nodeIPOf(host),
          host,
          maxPods: cfg.maxPods,
          labels: cfg.nodeLabels,
          runtimeVersion: runtimeReady ? rt.version() : '',
          runtimeReady,
          images,
        };
      };
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
      let markRuntimeUp: () => void = () => undefined;
      const runtimeUp = new Promise<void>((resolve) => {
        markRuntimeUp = resolve;
      });
      const pods = new PodAgent(env, rt, () => nodeIPOf(firstHost), runtimeUp);
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
        else if (type === 'configmap' || type === 'secret') {
          // metamanager stored it before forwarding: pods using it re-read it from SQLite.
          const [ns = '', , name = ''] = msg.route.resource.split('/');
          if (name !== '') pods.resync((p) => (p.metadata?.namespace ?? 'default') === ns && podUses(p, type, name));
        }
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
      const podsLoop = async (): Promise<void> => {
        // The runtime first (re-adopts running containers), then every stored pod, then what the
        // store no longer holds is removed; then periodic resyncs and image refreshes.
        await startRuntime(rt, env, () => {
          runtimeReady = true;
          markRuntimeUp();
          if (node.isRegistered) node.reportStatus(false);
        });
        if (ctx.signal.aborted) return;
        await pods.initialSync();
        const staticDir = kubelet.staticPodPath;
        const logRejected = staticPodLogger(log);
        const syncStatic = async (): Promise<void> => {
          if (staticDir === '') return;
          const found = readStaticPods(staticDir, deps.nodeName);
          logRejected(found);
          await pods.syncStatic(found.pods);
        };
        await syncStatic();
        if (ctx.signal.aborted) return;
        // In the background: a kill that keeps failing must not hold up resyncs.
        void rt.removeOrphans(pods.uids()).catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'removing pods deleted while edgecore was down failed'));
        const syncMs = Math.max(1, kubelet.syncFrequency) * 1000;
        let nextImages = 0;
        const resyncWaker = new Waker(clock, ctx.signal);
        while (!ctx.signal.aborted) {
          if (clock.now() >= nextImages) {
            nextImages = clock.now() + IMAGES_REFRESH_MS;
            images = await rt.images().catch(() => images);
          }
          await resyncWaker.wait(syncMs);
          if (ctx.signal.aborted) break;
          pods.resync();
          await syncStatic();
        }
      };
      const nodeLoop = async (): Promise<void> => {
        // The first Node says Ready when the runtime answers at once; a runtime that is down does not hold registration up.
        await Promise.race([runtimeUp, new Waker(clock, ctx.signal).wait(REGISTER_WAIT_FOR_RUNTIME_MS)]);
        await node.run();
      };
      const background = Promise.all([nodeLoop(), podsLoop()]).catch((err: unknown) => {
        if (!ctx.signal.aborted) ctx.fail(err);
      });
      tasks = Promise.all([loop, background]);
      log.info({ node: deps.nodeName, runtime: rt.name }, 'edged started');
      return Promise.resolve();
    },
    async stop() {
      // The runtime stops first, so a kill or sync that keeps retrying ends and the loops can finish.
      const stopping = runtime?.stop();
      await tasks;
      tasks = undefined;
      await stopping;
      runtime = undefined;
    },
  };
}
