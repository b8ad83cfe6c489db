/**
 * edgehub (module `websocket`, group `hub`): the edge end of the cloud–edge channel (ADR 0005, facts §3).
 *
 * - Dials wss://<server>/<projectID>/<node>/events with node_id / project_id / ConnectionUse headers and the
 *   node's client certificate; reconnects forever with jittered backoff (1 s … 30 s). start() does not wait
 *   for the link: the edge runs offline. Without a usable certificate it bootstraps one with the join token.
 * - Announces `connected` / `disconnected` to the meta and edged groups.
 * - Downstream: see downstream.ts. Upstream: see upstream.ts (durable status reports, rate limit).
 * - Liveness: see session.ts (keepalive only when idle, read timeout max(readDeadline*4, 60) s).
 * - Rotation: see rotation.ts; a renewed certificate forces a reconnect.
 */
import { KEEPALIVE_PING, KEEPALIVE_RESOURCE, Group, Operation, Source, encodeMessage, newMessage, type KubeEdgeMessage } from '../../api/index.js';
import { KeError, backoff, errorMessage, systemClock, type Clock } from '../../base/index.js';
import type { ModuleContext } from '../../beehive/index.js';
import { dialFrameServer } from '../../platform/transport/index.js';
import type { DialOptions, FrameConnection } from '../../platform/transport/types.js';
import { CONNECTION_OPERATION, CONNECTION_RESOURCE, EdgeGroup, EdgeModule, type ConnectionState, type EdgeModuleDeps } from '../common/index.js';
import { bootstrapCertificates, needsBootstrap } from './bootstrap.js';
import { readTlsMaterial } from './cert-files.js';
import { decodeDownstream, dispatchDownstream } from './downstream.js';
import { EdgeHubErrorCode } from './errors.js';
import { ErrorSite, edgeHubMetrics } from './metrics.js';
import { rotationLoop } from './rotation.js';
import { HubSession } from './session.js';
import { TokenBucket, clockDelay } from './token-bucket.js';
import { UpstreamSender } from './upstream.js';
import type { EdgeHubModule, EdgeHubOptions, EdgeHubStats } from './types.js';

/** Reconnect backoff (jittered exponential). */
const RECONNECT_BASE_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;
/** How often a live session looks for durable rows whose answer is overdue. */
const RESEND_CHECK_MS = 5_000;

interface Run {
  readonly ctx: ModuleContext<KubeEdgeMessage>;
  readonly controller: AbortController;
  readonly upstream: UpstreamSender;
  session: HubSession | undefined;
  /** Loops that end soon after the abort (the upstream loop ends with the module's own signal). */
  readonly loops: Promise<void>[];
}

/** edgehub (module `websocket`, group `hub`): the edge end of the cloud–edge channel (ADR 0005). */
export function createEdgeHubModule(deps: EdgeModuleDeps, opts: EdgeHubOptions = {}): EdgeHubModule {
  const cfg = deps.config.modules.edgeHub;
  const clock: Clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const dial: (o: DialOptions) => Promise<FrameConnection> = opts.dial ?? dialFrameServer;
  const metrics = edgeHubMetrics(deps.metrics);
  const files = { caFile: cfg.tlsCaFile, certFile: cfg.tlsCertFile, keyFile: cfg.tlsPrivateKeyFile };
  const url = `wss://${cfg.websocket.server}/${cfg.projectID}/${deps.nodeName}/events`;
  const headers = { node_id: deps.nodeName, project_id: cfg.projectID, ConnectionUse: 'msg' };
  const handshakeTimeoutMs = cfg.websocket.handshakeTimeout * 1000;
  const readTimeoutMs = Math.max(cfg.websocket.readDeadline * 4, 60) * 1000;
  const heartbeatMs = Math.max(1, cfg.heartbeat) * 1000;
  const writeTimeoutMs = Math.max(1, cfg.websocket.writeDeadline) * 1000;
  const stats = { bytesWritten: 0, bytesRead: 0, reconnects: 0, connects: 0 };
  let run: Run | undefined;
  const log = deps.log;
  /** Bumped when rotation saved a new certificate: a connection dialled with an older one is dropped. */
  let certGeneration = 0;

  const keepalive = (): string =>
    encodeMessage(newMessage({ source: Source.WebSocket, group: Group.Resource, operation: Operation.Keepalive, resource: KEEPALIVE_RESOURCE, content: KEEPALIVE_PING }, { now: clock.now }));

  const broadcast = (r: Run, state: ConnectionState): void => {
    const msg = newMessage({ source: Source.EdgeHub, group: EdgeGroup.Meta, operation: CONNECTION_OPERATION, resource: CONNECTION_RESOURCE, content: state }, { now: clock.now });
    for (const group of [EdgeGroup.Meta, EdgeGroup.Edged]) {
      try {
        r.ctx.sendToGroup(group, msg);
      } catch (err) {
        log.debug({ group, err: errorMessage(err) }, 'connection event not delivered');
      }
    }
  };

  /** Makes sure the node has a certificate, bootstrapping it with the configured token when needed. */
  const ensureIdentity = async (signal: AbortSignal): Promise<void> => {
    // An expired (or not yet valid) certificate is replaced only when a token can replace it.
    if (!needsBootstrap(files.caFile, files.certFile, files.keyFile, deps.nodeName, { now: clock.now(), checkValidity: cfg.token !== '' })) return;
    if (cfg.token === '') {
      throw new KeError(EdgeHubErrorCode.CertFilesMissing, 'no usable node certificate and no join token: run keadm join, or set edgeHub.token', { details: files });
    }
    log.info({ httpServer: cfg.httpServer }, 'requesting node certificate with the join token');
    await bootstrapCertificates({ httpServer: cfg.httpServer, token: cfg.token, nodeName: deps.nodeName, ...files, signal, timeoutMs: handshakeTimeoutMs });
    log.info({ certFile: files.certFile }, 'node certificate saved');
  };

  const runSession = async (r: Run, conn: FrameConnection): Promise<void> => {
    const signal = r.controller.signal;
    const session = new HubSession(conn, {
      clock,
      log,
      heartbeatMs,
      readTimeoutMs,
      writeTimeoutMs,
      keepalive,
      onFrame: (data) => {
        // Runs inside the socket's 'message' event: anything thrown here would be an uncaught exception.
        try {
          const msg = decodeDownstream(data, { log, metrics });
          if (msg !== undefined) dispatchDownstream(msg, { ctx: r.ctx, log, metrics, settle: (reply) => r.upstream.settle(reply) });
        } catch (err) {
          metrics.errors.inc({ site: ErrorSite.Frame });
          log.error({ err: errorMessage(err) }, 'cloud message handling failed');
        }
      },
    });
    if (!session.open) return;
    r.session = session;
    stats.connects++;
    if (stats.connects > 1) stats.reconnects++;
    metrics.connects.inc();
    log.info({ url, remote: conn.remote }, 'connected to cloud');
    broadcast(r, 'connected');
    r.upstream.onConnected();
    let resendTimer: { cancel(): void } | undefined;
    const armResend = (): void => {
      resendTimer = clock.setTimeout(() => {
        r.upstream.kick();
        if (session.open) armResend();
      }, RESEND_CHECK_MS);
    };
    armResend();
    const onAbort = (): void => session.close();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    const { code, reason } = await session.closed;
    signal.removeEventListener('abort', onAbort);
    resendTimer?.cancel();
    r.session = undefined;
    stats.bytesWritten += conn.bytesWritten;
    stats.bytesRead += conn.bytesRead;
    if (signal.aborted) return;
    log.warn({ code, reason }, 'disconnected from cloud');
    broadcast(r, 'disconnected');
  };

  const connectionLoop = async (r: Run): Promise<void> => {
    const signal = r.controller.signal;
    let attempt = 0;
    while (!signal.aborted) {
      try {
        await ensureIdentity(signal);
        const generation = certGeneration;
        const conn = await dial({ url, tls: readTlsMaterial(files), headers, handshakeTimeoutMs, signal });
        if (signal.aborted) {
          conn.terminate();
          break;
        }
        if (generation !== certGeneration) {
          conn.terminate();
          log.info({ url }, 'certificate renewed while dialling; dialling again');
          continue;
        }
        attempt = 0;
        await runSession(r, conn);
      } catch (err) {
        if (signal.aborted) break;
        const cause = err instanceof Error && err.cause !== undefined ? errorMessage(err.cause) : undefined;
        log.warn({ err: errorMessage(err), cause, code: err instanceof KeError ? err.code : undefined, url }, 'cannot connect to cloud');
      }
      if (signal.aborted) break;
      const delay = backoff(attempt++, { baseMs: RECONNECT_BASE_MS, maxMs: RECONNECT_MAX_MS, random });
      log.debug({ delayMs: delay, attempt }, 'reconnect scheduled');
      await clockDelay(clock, delay, signal).catch(() => undefined);
    }
  };

  const upstreamLoop = async (r: Run): Promise<void> => {
    for await (const msg of r.ctx.receive()) {
      if (r.controller.signal.aborted) break;
      try {
        await r.upstream.handle(msg);
      } catch (err) {
        if (r.controller.signal.aborted) break;
        metrics.errors.inc({ site: ErrorSite.Upstream });
        log.warn({ err: errorMessage(err), msgId: msg.header.msg_id }, 'upstream message failed');
      }
    }
  };

  const mod: EdgeHubModule = {
    name: EdgeModule.EdgeHub,
    group: EdgeGroup.Hub,
    restart: { kind: 'on-failure', maxRestarts: 0x7fffffff, baseMs: RECONNECT_BASE_MS, maxMs: RECONNECT_MAX_MS },
    start(ctx) {
      const controller = new AbortController();
      const onAbort = (): void => controller.abort(ctx.signal.reason);
      if (ctx.signal.aborted) onAbort();
      else ctx.signal.addEventListener('abort', onAbort, { once: true });
      const bucket = new TokenBucket(cfg.messageQPS, cfg.messageBurst, clock);
      const upstream = new UpstreamSender({ ctx, queue: deps.db.upstream, clock, log, metrics, bucket, signal: controller.signal, session: () => run?.session });
      const r: Run = { ctx, controller, upstream, session: undefined, loops: [] };
      run = r;
      const guard = (name: string, p: Promise<void>): Promise<void> =>
        p.catch((err: unknown) => {
          if (controller.signal.aborted) return;
          log.error({ loop: name, err: errorMessage(err) }, 'edgehub loop died');
          ctx.fail(err);
        });
      r.loops.push(guard('connection', connectionLoop(r)));
      void guard('upstream', upstreamLoop(r));
      if (cfg.rotateCertificates) {
        const rotation = rotationLoop({
          httpServer: cfg.httpServer,
          nodeName: deps.nodeName,
          ...files,
          timeoutMs: handshakeTimeoutMs,
          clock,
          random,
          log,
          signal: controller.signal,
          onRenewed: () => {
            certGeneration++;
            r.session?.terminate();
          },
        });
        r.loops.push(guard('rotation', rotation));
      }
      log.info({ url, queued: deps.db.upstream.count() }, 'edgehub started');
      return Promise.resolve();
    },
    async stop() {
      const r = run;
      if (r === undefined) return;
      r.controller.abort(new KeError('KE_EDGEHUB_STOPPED', 'edgehub stopped'));
      r.session?.close();
      await Promise.allSettled(r.loops);
      if (run === r) run = undefined;
    },
    connected: () => run?.session?.open === true,
    stats(): EdgeHubStats {
      const conn = run?.session?.conn;
      return {
        bytesWritten: stats.bytesWritten + (conn?.bytesWritten ?? 0),
        bytesRead: stats.bytesRead + (conn?.bytesRead ?? 0),
        reconnects: stats.reconnects,
        queued: deps.db.upstream.count(),
      };
    },
  };
  return mod;
}
