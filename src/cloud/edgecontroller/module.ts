/**
 * The edgecontroller module (KubeEdge's name and group): downstream informer events → cloudhub, and
 * upstream edge requests → the Kubernetes API, answered through cloudhub.
 */
import { Group, Operation, Source, parseCloudResource, responseTo, type KubeEdgeMessage } from '../../api/index.js';
import { errorMessage } from '../../base/index.js';
import { RESOURCES, type V1Pod } from '../../kube/client/index.js';
import { CloudGroup, CloudModule as CloudModuleName, type CloudModule, type CloudModuleDeps } from '../common/index.js';
import { Downstream, POD_NODE_INDEX, type DownstreamInformers } from './downstream.js';
import { KeyedChain, orderKey } from './keyed-chain.js';
import { edgeControllerMetrics } from './metrics.js';
import { Outbox } from './outbox.js';
import { kubeStatus, errorContent, statusOf, StatusReason } from './replies.js';
import type { UpstreamEnv, UpstreamRequest } from './upstream/context.js';
import { dispatch, dispatchClusterCa, parseRequest } from './upstream/dispatch.js';
import { annotateConnected } from './upstream/node.js';

export interface EdgeControllerConfig {
  /** Seconds; heartbeats in a legacy nodestatus update older than this are moved to now. */
  readonly nodeUpdateFrequency: number;
  /** This cloudcore's address, written into the `cloudcore` annotation of its nodes (default 127.0.0.1). */
  readonly advertiseAddress?: string;
  /** The cluster CA (PEM) answered to `k8s/ca.crt` queries; default: ConfigMap kube-system/kube-root-ca.crt. */
  readonly clusterCaPem?: string;
}

/** Upstream requests handled at once; more wait. */
const MAX_IN_FLIGHT = 256;
/** Upstream requests wait this long at most for the caches before being handled anyway. */
const SYNC_WAIT_MS = 10_000;

export function createEdgeControllerModule(config: EdgeControllerConfig, deps: CloudModuleDeps): CloudModule {
  const metrics = edgeControllerMetrics(deps.metrics);
  let unsubscribe: (() => void) | undefined;
  const inFlight = new Set<Promise<void>>();
  let loops: Promise<unknown>[] = [];

  return {
    name: CloudModuleName.EdgeController,
    group: CloudGroup.EdgeController,
    async start(ctx) {
      const log = ctx.log;
      const inf = deps.informers;
      const informers: DownstreamInformers = {
        nodes: inf.informer(RESOURCES.nodes),
        pods: inf.informer(RESOURCES.pods),
        configmaps: inf.informer(RESOURCES.configmaps),
        secrets: inf.informer(RESOURCES.secrets),
        services: inf.informer(RESOURCES.services),
        endpoints: inf.informer(RESOURCES.endpoints),
      };
      const outbox = new Outbox((msg) => ctx.send(CloudModuleName.CloudHub, msg), log);
      const emit = (msg: KubeEdgeMessage): void => {
        metrics.downstream.inc({ operation: msg.route.operation });
        outbox.push(msg);
      };
      const downstream = new Downstream(informers, emit, log);
      const podsOn = (node: string): V1Pod[] => informers.pods.byIndex(POD_NODE_INDEX, node);

      let synced = false;
      const ready = Promise.all(Object.values(informers).map((i: { synced: Promise<void> }) => i.synced)).then(() => {
        if (ctx.signal.aborted) return;
        unsubscribe = downstream.subscribe();
        synced = true;
        log.info({ edgeNodes: downstream.edgeNodes().length }, 'edgecontroller caches synced');
      });
      ready.catch(() => undefined);

      const reply = (req: UpstreamRequest, content: unknown, resourceVersion?: string): void => {
        outbox.push(
          responseTo(req.msg, content, { source: Source.EdgeController, group: Group.Resource, ...(resourceVersion === undefined || resourceVersion === '' ? {} : { resourceVersion }) }),
        );
      };
      const env: UpstreamEnv = {
        client: deps.client,
        nodes: informers.nodes,
        pods: informers.pods,
        configmaps: informers.configmaps,
        secrets: informers.secrets,
        podsOn,
        log,
        metrics,
        advertiseAddress: config.advertiseAddress ?? '127.0.0.1',
        nodeUpdateFrequency: config.nodeUpdateFrequency,
        clusterCaPem: config.clusterCaPem,
        signal: ctx.signal,
        sendDownstream: emit,
        reply,
        replyError: (req, shape, status) => reply(req, errorContent(shape, status)),
        refuse: (req, shape, reason, message) => {
          metrics.refused.inc({ reason });
          log.warn({ node: req.nodeId, resource: req.msg.route.resource, operation: req.msg.route.operation, reason }, 'edge request refused');
          reply(req, errorContent(shape, kubeStatus(403, StatusReason.Forbidden, message)));
        },
        unsupported: (req, shape, code, reason, message) => {
          metrics.unsupported.inc({ reason });
          log.warn({ node: req.nodeId, resource: req.msg.route.resource, operation: req.msg.route.operation, reason }, 'edge request not supported');
          const why = code === 405 ? StatusReason.MethodNotAllowed : code === 501 ? StatusReason.NotImplemented : StatusReason.BadRequest;
          reply(req, errorContent(shape, kubeStatus(code, why, message)));
        },
      };

      const waitReady = async (): Promise<void> => {
        if (synced) return;
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([ready, new Promise<void>((r) => (timer = setTimeout(r, SYNC_WAIT_MS)))]).catch(() => undefined);
        clearTimeout(timer);
      };

      const handle = async (msg: KubeEdgeMessage): Promise<void> => {
        const op = msg.route.operation;
        if (op === Operation.Connected || op === Operation.Disconnected) {
          if (op === Operation.Disconnected) return;
          let nodeId: string;
          try {
            nodeId = parseCloudResource(msg.route.resource).nodeId;
          } catch {
            return;
          }
          await waitReady();
          const n = downstream.resendNode(nodeId);
          log.info({ node: nodeId, objects: n }, 'edge node connected; objects resent');
          await annotateConnected(nodeId, env);
          return;
        }
        if (op === Operation.Response || op === Operation.Keepalive) return;
        const parsed = parseRequest(msg);
        if ('bad' in parsed) {
          metrics.unsupported.inc({ reason: parsed.bad });
          log.warn({ resource: msg.route.resource, operation: op }, 'edge request with a bad resource dropped');
          return;
        }
        await waitReady();
        const req = 'req' in parsed ? parsed.req : parsed.clusterCa;
        try {
          if ('req' in parsed) await dispatch(parsed.req, env);
          else await dispatchClusterCa(parsed.clusterCa, env);
        } catch (err) {
          log.warn({ node: req.nodeId, resource: msg.route.resource, operation: op, err: errorMessage(err) }, 'edge request failed');
          reply(req, errorContent(op === Operation.Query ? 'query' : 'call', statusOf(err)));
        }
      };

      const order = new KeyedChain();
      const inbox = (async (): Promise<void> => {
        for await (const msg of ctx.receive()) {
          while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
          // one request of a resource at a time, in arrival order (two status patches of a pod); other resources run alongside
          const p = order.run(orderKey(msg.route.resource), () => handle(msg).catch((err: unknown) => log.error({ err: errorMessage(err) }, 'edgecontroller handler crashed')));
          inFlight.add(p);
          void p.finally(() => inFlight.delete(p));
        }
      })();
      loops = [outbox.run(ctx.signal), inbox];
      for (const l of loops) l.catch((err: unknown) => ctx.fail(err));
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = undefined;
      await Promise.allSettled([...loops, ...inFlight]);
      loops = [];
    },
  };
}
