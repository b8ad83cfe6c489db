import { createHash } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { JsonObject } from '../../base/index.js';
import type { Logger } from '../../platform/log/index.js';
import type { ObjectStore } from '../../platform/store/index.js';
import { authenticate, isPublicPath, type UserInfo } from './auth.js';
import { CrdController } from './crd.js';
import { GarbageCollector } from './gc.js';
import { handleResource, type HandlerContext } from './handlers.js';
import { ObjectService } from './objects.js';
import { PodNodeIndex } from './node-index.js';
import { openApiV2, openApiV3GroupVersion, openApiV3Root, wantsOpenApiProtobuf } from './openapi.js';
import { ResourceRegistry } from './registry.js';
import { parseResourcePath } from './request-info.js';
import { sendError, sendJson, sendText } from './respond.js';
import { ApiError, apiErrors } from './status.js';
import { metaOf } from './meta.js';
import { objectKey } from './resources.js';
import { authenticateServiceAccountToken, newTokenKeyPem, tokenKeyFromPem } from './service-account-token.js';

export interface ApiServerTls {
  readonly certPem: string;
  readonly keyPem: string;
  /** CA that client certificates must chain to. */
  readonly clientCaPem: string;
}

export interface ApiServerOptions {
  readonly store: ObjectStore;
  readonly log: Logger;
  readonly host?: string;
  readonly port?: number;
  /** HTTPS with client-certificate auth; without it the server speaks plain HTTP (tests, local-only use). */
  readonly tls?: ApiServerTls;
  readonly tokens?: ReadonlyMap<string, UserInfo>;
  /** Serve without authentication (plain-HTTP local use only). */
  readonly anonymousAllowed?: boolean;
  readonly bookmarkIntervalMs?: number;
  readonly maxWatchSeconds?: number;
  readonly now?: () => number;
  /** PEM private key (EC P-256) that signs and verifies service-account tokens; a fresh one per process when absent. */
  readonly serviceAccountKeyPem?: string;
  /**
   * Serve reads only (the edge metaserver over its mirror of the edge database): every write verb is
   * answered 405 MethodNotAllowed (`readOnlyMessage`), and the server itself writes nothing (no default
   * namespaces, no garbage collector, no CRD controller).
   */
  readonly readOnly?: boolean;
  /** The 405 message of a write in read-only mode. */
  readonly readOnlyMessage?: string;
}

const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-kubeedge-ts',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-27T00:00:00Z',
  goVersion: 'node20',
  compiler: 'tsc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
} as const;

const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** The embedded Kubernetes-compatible API server. */
export class ApiServer {
  readonly registry = new ResourceRegistry();
  readonly svc: ObjectService;
  private readonly opts: ApiServerOptions;
  private readonly log: Logger;
  private server: Server | undefined;
  private readonly gc: GarbageCollector;
  private readonly crds: CrdController;
  private readonly ctx: HandlerContext;
  private openapiCache: { version: number; root: JsonObject; docs: Map<string, { doc: JsonObject; hash: string }>; v2: JsonObject | undefined } | undefined;
  private readonly counters = new Map<string, number>();

  constructor(opts: ApiServerOptions) {
    this.opts = opts;
    this.log = opts.log;
    this.svc = new ObjectService(opts.store, this.registry, opts.now ? { now: opts.now } : {});
    this.gc = new GarbageCollector(this.svc, this.log.child({ component: 'gc' }));
    const crdRes = this.registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
    if (crdRes === undefined) throw new Error('customresourcedefinitions missing from the built-in resources');
    this.crds = new CrdController(this.svc, crdRes, this.log.child({ component: 'crd' }));
    this.ctx = {
      svc: this.svc,
      bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000,
      maxWatchSeconds: opts.maxWatchSeconds ?? 1800,
      watches: new Set(),
      tokenKey: tokenKeyFromPem(opts.serviceAccountKeyPem ?? newTokenKeyPem()),
      now: opts.now ?? Date.now,
    };
  }

  /** Requests rejected, by HTTP code (bad input is counted, never fatal). */
  rejected(): ReadonlyMap<string, number> {
    return this.counters;
  }

  /** Prometheus text exposition of the server's own counters. */
  private metricsText(): string {
    const lines = [
      '# HELP kubeedge_apiserver_rejected_requests_total Requests answered with an error Status, by HTTP code.',
      '# TYPE kubeedge_apiserver_rejected_requests_total counter',
    ];
    for (const [code, n] of [...this.counters].sort()) lines.push(`kubeedge_apiserver_rejected_requests_total{code="${code}"} ${n}`);
    lines.push(
      '# HELP kubeedge_apiserver_store_revision The store revision (the newest resourceVersion).',
      '# TYPE kubeedge_apiserver_store_revision gauge',
      `kubeedge_apiserver_store_revision ${this.svc.store.currentRevision()}`,
      '# HELP kubeedge_apiserver_open_watches Watches being served.',
      '# TYPE kubeedge_apiserver_open_watches gauge',
      `kubeedge_apiserver_open_watches ${this.ctx.watches.size}`,
    );
    return lines.join('\n') + '\n';
  }

  /**
   * Prepares the server without listening and returns its request handler, for a caller that owns the
   * HTTP server (the edge metaserver answers on its socket from the first request on). stop() still
   * ends open watches.
   */
  attach(): (req: IncomingMessage, res: ServerResponse) => void {
    this.prepare();
    return (req, res) => {
      this.handle(req, res).catch((err: unknown) => this.fail(req, res, err));
    };
  }

  private prepare(): void {
    const writes = this.opts.readOnly !== true;
    if (writes) this.crds.start();
    const pods = this.registry.lookup('', 'v1', 'pods');
    if (pods !== undefined) {
      const index = new PodNodeIndex(pods);
      index.start(this.svc);
      this.svc.podNodeIndex = index;
    }
    if (writes) {
      this.ensureDefaultNamespaces();
      this.gc.start();
    }
  }

  async start(): Promise<{ host: string; port: number }> {
    const handler = this.attach();
    const tls = this.opts.tls;
    this.server = tls
      ? createHttpsServer({ cert: tls.certPem, key: tls.keyPem, ca: tls.clientCaPem, requestCert: true, rejectUnauthorized: false }, handler)
      : createHttpServer(handler);
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 70_000;
    this.server.requestTimeout = 0;
    const host = this.opts.host ?? '127.0.0.1';
    try {
      await new Promise<void>((resolve, reject) => {
        this.server?.once('error', reject);
        this.server?.listen(this.opts.port ?? 6443, host, () => resolve());
      });
    } catch (err) {
      this.gc.stop();
      this.crds.stop();
      throw err;
    }
    const addr = this.server.address() as AddressInfo;
    this.log.info({ host, port: addr.port, tls: tls !== undefined }, 'api server listening');
    return { host, port: addr.port };
  }

  async stop(): Promise<void> {
    this.gc.stop();
    this.crds.stop();
    for (const close of [...this.ctx.watches]) close();
    const server = this.server;
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private ensureDefaultNamespaces(): void {
    const nsRes = this.registry.lookup('', 'v1', 'namespaces');
    if (nsRes === undefined) return;
    for (const name of DEFAULT_NAMESPACES) {
      if (this.svc.store.get(objectKey(nsRes, undefined, name)) !== undefined) continue;
      this.svc.create(nsRes, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { fieldManager: 'kube-apiserver' });
    }
  }

  /** A bearer token that is one of our service-account JWTs, still valid and still bound to a live pod. */
  private serviceAccountUser(req: IncomingMessage): UserInfo | undefined {
    const header = req.headers['authorization'];
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return undefined;
    const pods = this.registry.lookup('', 'v1', 'pods');
    return authenticateServiceAccountToken(this.ctx.tokenKey, header.slice(7).trim(), this.ctx.now(), (ns, name, uid) => {
      if (pods === undefined) return false;
      const entry = this.svc.store.get(objectKey(pods, ns, name));
      return entry !== undefined && metaOf(entry.value)['uid'] === uid;
    });
  }

  private fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    const code = sendError(res, err);
    const key = String(code);
    this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
    if (code >= 500) this.log.error({ err, method: req.method, url: req.url }, 'request failed');
    else this.log.debug({ code, method: req.method, url: req.url, reason: err instanceof ApiError ? err.reason : undefined }, 'request rejected');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'https://localhost');
    } catch {
      req.resume();
      throw apiErrors.badRequest(`malformed request target: ${JSON.stringify((req.url ?? '').slice(0, 200))}`);
    }
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    if (this.opts.readOnly === true && !READ_METHODS.has(req.method ?? 'GET')) {
      req.resume();
      throw apiErrors.methodNotAllowed(this.opts.readOnlyMessage ?? 'this API server is read-only');
    }
    if (isPublicPath(path)) {
      if (path === '/version') return sendJson(res, 200, { ...SERVER_VERSION });
      return sendText(res, 200, 'ok');
    }
    const user =
      this.opts.anonymousAllowed === true
        ? { name: 'system:anonymous', groups: ['system:masters'] }
        : (authenticate(req, this.opts.tokens ?? new Map()) ?? this.serviceAccountUser(req));
    if (user === undefined) {
      req.resume();
      throw apiErrors.unauthorized();
    }
    if (path === '/debug/store/integrity') {
      if (!user.groups.includes('system:masters')) throw new ApiError('Forbidden', 'forbidden: admin only');
      const problems = this.svc.store.integrityCheck();
      return sendJson(res, 200, { ok: problems.length === 0, problems });
    }
    if (path === '/metrics') return sendText(res, 200, this.metricsText(), 'text/plain; version=0.0.4; charset=utf-8');
    if (path === '/api') return sendJson(res, 200, this.registry.apiVersions(`${req.socket.localAddress ?? '127.0.0.1'}:${req.socket.localPort ?? 0}`));
    if (path === '/apis') return sendJson(res, 200, this.registry.apiGroupList());
    if (path.startsWith('/openapi/')) return this.serveOpenApi(req, res, path);
    const parsed = parseResourcePath(path);
    switch (parsed.kind) {
      case 'group': {
        const g = this.registry.apiGroup(parsed.group);
        if (g === undefined) throw notFoundPath(path);
        return sendJson(res, 200, g);
      }
      case 'groupVersion': {
        const list = this.registry.apiResourceList(parsed.group, parsed.version);
        if (list === undefined) throw notFoundPath(path);
        return sendJson(res, 200, list);
      }
      case 'resource': {
        const rr = parsed.req;
        const r = this.registry.lookup(rr.group, rr.version, rr.resource);
        if (r === undefined) throw notFoundPath(path);
        return handleResource(this.ctx, req, res, r, rr, url.searchParams);
      }
      default:
        throw notFoundPath(path);
    }
  }

  private openapi(): NonNullable<ApiServer['openapiCache']> {
    if (this.openapiCache?.version === this.registry.version) return this.openapiCache;
    const resources = this.registry.all();
    const docs = new Map<string, { doc: JsonObject; hash: string }>();
    for (const [group, versions] of this.registry.groups()) {
      for (const v of versions) {
        const gvPath = group === '' ? `api/${v}` : `apis/${group}/${v}`;
        const doc = openApiV3GroupVersion(gvPath, resources);
        if (doc === undefined) continue;
        docs.set(gvPath, { doc, hash: createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 32).toUpperCase() });
      }
    }
    const root = openApiV3Root(resources, (gv) => docs.get(gv)?.hash ?? '0');
    this.openapiCache = { version: this.registry.version, root, docs, v2: undefined };
    return this.openapiCache;
  }

  private serveOpenApi(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (path === '/openapi/v2') {
      // kubectl asks for the protobuf form and falls back to its compiled-in schemas on a 404
      if (wantsOpenApiProtobuf(req.headers['accept'])) throw notFoundPath(path);
      const cached = this.openapi();
      cached.v2 ??= Object.freeze(openApiV2(this.registry.all()));
      return sendJson(res, 200, cached.v2);
    }
    const cache = this.openapi();
    if (path === '/openapi/v3') return sendJson(res, 200, cache.root);
    const gv = path.slice('/openapi/v3/'.length);
    const entry = cache.docs.get(gv);
    if (entry === undefined) throw notFoundPath(path);
    return sendJson(res, 200, entry.doc, { ETag: `"${entry.hash}"`, 'Cache-Control': 'public, immutable' });
  }
}

function notFoundPath(path: string): ApiError {
  return new ApiError('NotFound', `the server could not find the requested resource (${path})`, { causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }] });
}
