/**
 * The cloudhub module: the WebSocket server edges connect to, the certificate server, the join-token
 * secret, and the inbox loop that feeds downstream messages into the node queues.
 */
import type { CloudHubConfig } from '../../api/config/index.js';
import type { KubeEdgeMessage } from '../../api/index.js';
import { errorMessage, systemClock, type Clock } from '../../base/index.js';
import type { ModuleContext } from '../../beehive/index.js';
import { createFrameServer, type FrameServer } from '../../platform/transport/index.js';
import { CloudGroup, CloudModule, SyncPoints, type CloudModuleDeps } from '../common/index.js';
import { startCertServer, type CertServer } from './cert-server.js';
import { ensureHubPki } from './hub-pki.js';
import { Hub, type SyncPointStore } from './hub.js';
import { hubMetrics } from './metrics.js';
import { watchEdgeNodes, type EdgeNodeWatch } from './node-watch.js';
import { refreshJoinTokenLoop } from './token-secret.js';

export interface CloudHubModule extends CloudModule {
  /** Bound ports after start (0 for a disabled server). */
  ports(): { websocket: number; https: number };
  sessionCount(): number;
}

/** Knobs for tests and benchmarks; production uses the defaults. */
export interface CloudHubTuning {
  /** Instead of SyncPoints over the Kubernetes API. */
  readonly syncPoints?: SyncPointStore;
  readonly clock?: Clock;
  /** KubeEdge: 5 s. */
  readonly resendIntervalMs?: number;
  /** KubeEdge: 4. */
  readonly maxResends?: number;
  /** ACK messages in flight per node; default 128. */
  readonly ackWindow?: number;
  /** false: do not write the token secret (no API server in the test). */
  readonly tokenSecret?: boolean;
  /** Cap on the queued text of a node without a session; default DEFAULT_OFFLINE_QUEUE_BYTES. */
  readonly maxOfflineQueueBytes?: number;
}

export function createCloudHubModule(config: CloudHubConfig, deps: CloudModuleDeps & { readonly dataDir: string } & CloudHubTuning): CloudHubModule {
  let ws: FrameServer | undefined;
  let certs: CertServer | undefined;
  let hub: Hub | undefined;
  let nodeWatch: EdgeNodeWatch | undefined;
  let stopper: AbortController | undefined;
  const log = deps.log;
  const metrics = hubMetrics(deps.metrics);

  async function start(ctx: ModuleContext<KubeEdgeMessage>): Promise<void> {
    const pki = await ensureHubPki(config, deps.dataDir);
    if (pki.created.length > 0) log.info({ created: pki.created, ca: pki.caPath, cert: pki.certPath }, 'cloudhub certificates generated');
    stopper = new AbortController();
    const signal = AbortSignal.any([ctx.signal, stopper.signal]);
    const syncPoints: SyncPointStore = deps.syncPoints ?? new SyncPoints(deps.client, deps.informers, log.child({ part: 'syncpoints' }));
    const h = new Hub({
      nodeLimit: config.nodeLimit,
      keepaliveMs: config.keepaliveInterval * 1000,
      writeTimeoutMs: config.writeTimeout * 1000,
      maxMessageBytes: config.maxMessageBytes,
      authorize: config.authorization.enable,
      resendMs: deps.resendIntervalMs ?? 5000,
      maxResends: deps.maxResends ?? 4,
      ackWindow: deps.ackWindow ?? 128,
      clock: deps.clock ?? systemClock,
      log,
      metrics,
      syncPoints,
      send: (to, msg) => ctx.send(to, msg),
      respond: (reply) => ctx.respond(reply),
      nodeGone: (node) => nodeWatch?.gone(node) === true,
      ...(deps.maxOfflineQueueBytes === undefined ? {} : { maxOfflineQueueBytes: deps.maxOfflineQueueBytes }),
    });
    hub = h;
    nodeWatch = watchEdgeNodes(deps.informers, (node) => h.nodeRemoved(node));
    try {
      if (config.https.enable) {
        certs = await startCertServer({
          host: config.https.address,
          port: config.https.port,
          pki,
          certDays: config.edgeCertSigningDuration,
          log,
          metrics,
          connected: (node) => h.session(node) !== undefined,
          forgetNode: async (node) => {
            const n = await syncPoints.forgetNode?.(node, signal);
            if (n !== undefined && n > 0) log.info({ node, syncs: n }, 'joining node: its success points deleted');
          },
        });
      }
      if (config.websocket.enable) {
        ws = await createFrameServer({
          host: config.websocket.address,
          port: config.websocket.port,
          tls: { caPem: pki.ca.certPem, certPem: pki.server.certPem, keyPem: pki.server.keyPem },
          verifyUpgrade: h.verifyUpgrade,
          onConnection: h.accept,
        });
      }
    } catch (err) {
      await closeServers();
      throw err;
    }
    log.info({ websocket: ws?.port, https: certs?.port }, 'cloudhub listening');

    if (deps.tokenSecret !== false) {
      void refreshJoinTokenLoop({ client: deps.client, ca: pki.ca, refreshHours: config.tokenRefreshDuration, log, signal }).catch((err: unknown) =>
        log.error({ err: errorMessage(err) }, 'join token loop ended'),
      );
    }
    void (async () => {
      for await (const msg of ctx.receive()) {
        try {
          h.downstream(msg);
        } catch (err) {
          log.error({ err: errorMessage(err), resource: msg.route.resource }, 'downstream message failed');
        }
      }
    })().catch((err: unknown) => ctx.fail(err));
  }

  async function closeServers(): Promise<void> {
    const servers = [ws, certs];
    ws = undefined;
    certs = undefined;
    await Promise.all(servers.map((s) => s?.close()));
  }

  return {
    name: CloudModule.CloudHub,
    group: CloudGroup.CloudHub,
    start,
    async stop() {
      stopper?.abort();
      nodeWatch?.stop();
      nodeWatch = undefined;
      hub?.shutdown();
      await closeServers();
    },
    ports: () => ({ websocket: ws?.port ?? 0, https: certs?.port ?? 0 }),
    sessionCount: () => hub?.sessionCount ?? 0,
  };
}
