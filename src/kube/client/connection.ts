/**
 * One HTTP(S) connection pool to a Kubernetes API server. Credentials come from a kubeconfig through
 * client-node's `KubeConfig` (CA, client certificate, bearer token, exec plugins); the requests
 * themselves are plain node:https over keep-alive agents, with the JSON kept raw (no client-node
 * serializer), because that is several times faster for the scheduler's and the controllers' load.
 *
 * Requests share one agent (`maxSockets`, default 32); watches get their own agent so long-lived
 * streams never starve ordinary requests of sockets.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { KeError, isJsonObject, type JsonObject } from '../../base/index.js';
import { abortedError, badResponseError, errorFromStatus, KubeApiError, timeoutError, transportError } from './errors.js';
import { WATCH_EVENT_TYPES, type WatchEvent, type WatchEventType } from './types.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type QueryParams = Readonly<Record<string, string | number | boolean | undefined>>;

export interface KubeRequest {
  readonly method: HttpMethod;
  /** Absolute API path, e.g. /api/v1/namespaces/default/pods. */
  readonly path: string;
  readonly query?: QueryParams;
  /** Objects are sent as JSON; a string or Buffer is sent as it is. */
  readonly body?: unknown;
  /** Default application/json when there is a body. */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** Deadline for the whole exchange; default the connection's `timeoutMs` (30 s). */
  readonly timeoutMs?: number;
}

export interface KubeResponse {
  readonly status: number;
  /** Parsed JSON; the text when the body is not JSON; undefined when empty. */
  readonly body: unknown;
}

export interface TlsOptions {
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  readonly rejectUnauthorized?: boolean;
  readonly servername?: string;
}

export interface KubeConnectionOptions {
  /** Sockets for ordinary requests (default 32). */
  readonly maxSockets?: number;
  /** Default per-request deadline (default 30 s). */
  readonly timeoutMs?: number;
  readonly userAgent?: string;
}

export interface KubeConnectionInit extends KubeConnectionOptions {
  /** https://host:port (an optional path prefix is kept), or http:// for a plain server. */
  readonly server: string;
  readonly tls?: TlsOptions;
  /** Headers sent on every request, e.g. Authorization. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Reads fresh auth headers (exec plugins, expiring tokens): called every `authRefreshMs` and after a 401. */
  readonly refreshHeaders?: () => Promise<Record<string, string>>;
  readonly authRefreshMs?: number;
}

export interface WatchStreamOptions {
  /** Deadline for the response headers (default the connection's timeoutMs). */
  readonly connectTimeoutMs?: number;
  /** The stream fails when nothing arrives for this long (default: the watch's timeoutSeconds + 30 s, or 31 min). */
  readonly idleTimeoutMs?: number;
}

const DEFAULT_USER_AGENT = `kubeedge-ts/0.1.0 (${process.platform}/${process.arch}) node/${process.versions.node}`;
/** Answers bigger than this are refused (a list of 10,000 pods is ~25 MB). */
const MAX_BODY_BYTES = 512 * 1024 * 1024;

/**
 * Marks a reset of a reused keep-alive socket before any answer: the server closed the idle
 * connection as we reused it, so it never read the request, which is sent once more (the pattern
 * Node's documentation gives for `reusedSocket`).
 */
class StaleSocket extends Error {
  constructor(readonly inner: unknown) {
    super('stale keep-alive socket');
  }
}

function toHeaderRecord(h: OutgoingHttpHeaders | readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (h === undefined) return out;
  if (isStringArray(h)) {
    // raw form: name, value, name, value...
    for (let i = 0; i + 1 < h.length; i += 2) out[h[i] ?? ''] = h[i + 1] ?? '';
    return out;
  }
  for (const [k, v] of Object.entries(h)) {
    if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
    else if (Array.isArray(v)) out[k] = v.join(', ');
  }
  return out;
}

function isStringArray(v: unknown): v is readonly string[] {
  return Array.isArray(v);
}

export function withQueryString(path: string, query: QueryParams | undefined): string {
  if (query === undefined) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.append(k, String(v));
  const s = qs.toString();
  return s === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${s}`;
}

export class KubeConnection {
  readonly server: string;
  readonly #url: URL;
  readonly #basePath: string;
  readonly #mod: typeof http | typeof https;
  readonly #agent: http.Agent;
  readonly #watchAgent: http.Agent;
  readonly #timeoutMs: number;
  readonly #userAgent: string;
  readonly #refresh: (() => Promise<Record<string, string>>) | undefined;
  readonly #refreshMs: number;
  #headers: Record<string, string>;
  #headersAt = Date.now();
  #refreshing: Promise<void> | undefined;
  #closed = false;

  constructor(init: KubeConnectionInit) {
    this.#url = new URL(init.server);
    if (this.#url.protocol !== 'https:' && this.#url.protocol !== 'http:') {
      throw new KeError('KE_KUBE_CONFIG', `unsupported API server URL ${init.server}`);
    }
    this.server = init.server.replace(/\/+$/, '');
    this.#basePath = this.#url.pathname.replace(/\/+$/, '');
    const secure = this.#url.protocol === 'https:';
    this.#mod = secure ? https : http;
    const tls = init.tls ?? {};
    const tlsOpts = secure
      ? {
          ...(tls.ca === undefined ? {} : { ca: tls.ca }),
          ...(tls.cert === undefined ? {} : { cert: tls.cert }),
          ...(tls.key === undefined ? {} : { key: tls.key }),
          ...(tls.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: tls.rejectUnauthorized }),
          ...(tls.servername === undefined ? {} : { servername: tls.servername }),
        }
      : {};
    const maxSockets = init.maxSockets ?? 32;
    const agentOpts = { keepAlive: true, keepAliveMsecs: 30_000, scheduling: 'lifo' as const, ...tlsOpts };
    this.#agent = secure ? new https.Agent({ ...agentOpts, maxSockets, maxFreeSockets: maxSockets }) : new http.Agent({ ...agentOpts, maxSockets, maxFreeSockets: maxSockets });
    this.#watchAgent = secure ? new https.Agent({ ...agentOpts, maxFreeSockets: 8 }) : new http.Agent({ ...agentOpts, maxFreeSockets: 8 });
    this.#timeoutMs = init.timeoutMs ?? 30_000;
    this.#userAgent = init.userAgent ?? DEFAULT_USER_AGENT;
    this.#headers = { ...init.headers };
    this.#refresh = init.refreshHeaders;
    this.#refreshMs = init.authRefreshMs ?? 60_000;
  }

  /**
   * From a kubeconfig file, a loaded `KubeConfig`, or (no argument) the default lookup (KUBECONFIG,
   * ~/.kube/config, in-cluster). Proxies (`proxy-url`) are not supported.
   */
  static async fromKubeconfig(source?: string | KubeConfig, opts: KubeConnectionOptions = {}): Promise<KubeConnection> {
    let kc: KubeConfig;
    if (source === undefined || typeof source === 'string') {
      // loaded lazily: only the processes that dial a server pay for the package
      const { KubeConfig: KubeConfigClass } = await import('@kubernetes/client-node');
      kc = new KubeConfigClass();
      if (source === undefined) kc.loadFromDefault();
      else kc.loadFromFile(source);
    } else {
      kc = source;
    }
    const cluster = kc.getCurrentCluster();
    if (cluster === null) throw new KeError('KE_KUBE_CONFIG', 'the kubeconfig has no current cluster');
    const read = async (): Promise<{ tls: TlsOptions; headers: Record<string, string> }> => {
      const o: https.RequestOptions = {};
      await kc.applyToHTTPSOptions(o);
      const headers = toHeaderRecord(o.headers);
      if (typeof o.auth === 'string' && o.auth !== '') headers['Authorization'] = `Basic ${Buffer.from(o.auth).toString('base64')}`;
      const pem = (v: unknown): string | Buffer | undefined => (typeof v === 'string' || Buffer.isBuffer(v) ? v : undefined);
      const ca = pem(o.ca);
      const cert = pem(o.cert);
      const key = pem(o.key);
      const tls: TlsOptions = {
        ...(ca === undefined ? {} : { ca }),
        ...(cert === undefined ? {} : { cert }),
        ...(key === undefined ? {} : { key }),
        ...(o.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: o.rejectUnauthorized }),
        ...(o.servername === undefined || o.servername === null ? {} : { servername: o.servername }),
      };
      return { tls, headers };
    };
    const first = await read();
    const user = kc.getCurrentUser();
    const dynamic = user !== null && (user.exec !== undefined || user.authProvider !== undefined);
    return new KubeConnection({
      ...opts,
      server: cluster.server,
      tls: first.tls,
      headers: first.headers,
      ...(dynamic ? { refreshHeaders: async () => (await read()).headers } : {}),
    });
  }

  /** Closes every pooled socket; later requests fail. */
  close(): void {
    this.#closed = true;
    this.#agent.destroy();
    this.#watchAgent.destroy();
  }

  async #currentHeaders(force = false): Promise<Record<string, string>> {
    if (this.#refresh !== undefined && (force || Date.now() - this.#headersAt > this.#refreshMs)) {
      const refresh = this.#refresh;
      this.#refreshing ??= refresh()
        .then((h) => {
          this.#headers = h;
          this.#headersAt = Date.now();
        })
        .finally(() => {
          this.#refreshing = undefined;
        });
      await this.#refreshing;
    }
    return this.#headers;
  }

  /** One request with a JSON answer. Non-2xx answers are returned, not thrown; transport failures throw KubeApiError. */
  async request(req: KubeRequest): Promise<KubeResponse> {
    const what = `${req.method} ${req.path}`;
    let payload: string | Buffer | undefined;
    if (req.body !== undefined) payload = typeof req.body === 'string' || Buffer.isBuffer(req.body) ? req.body : JSON.stringify(req.body);
    let headers = await this.#currentHeaders();
    let staleRetried = false;
    let authRetried = false;
    for (;;) {
      try {
        const res = await this.#once(req, what, headers, payload);
        if (res.status === 401 && this.#refresh !== undefined && !authRetried) {
          authRetried = true;
          headers = await this.#currentHeaders(true);
          continue;
        }
        return res;
      } catch (err) {
        if (err instanceof StaleSocket) {
          if (!staleRetried) {
            staleRetried = true;
            continue;
          }
          throw transportError(err.inner, what);
        }
        throw err;
      }
    }
  }

  #once(req: KubeRequest, what: string, auth: Record<string, string>, payload: string | Buffer | undefined): Promise<KubeResponse> {
    if (this.#closed) return Promise.reject(transportError(new Error('connection closed'), what));
    const signal = req.signal;
    if (signal?.aborted) return Promise.reject(abortedError(what, signal.reason));
    const timeoutMs = req.timeoutMs ?? this.#timeoutMs;
    return new Promise<KubeResponse>((resolve, reject) => {
      let settled = false;
      let answered = false;
      const headers: Record<string, string | number> = { ...auth, Accept: 'application/json', 'User-Agent': this.#userAgent };
      if (payload !== undefined) {
        headers['Content-Type'] = req.contentType ?? 'application/json';
        headers['Content-Length'] = Buffer.byteLength(payload);
      }
      const r = this.#mod.request(
        {
          protocol: this.#url.protocol,
          hostname: this.#url.hostname,
          port: this.#url.port,
          method: req.method,
          path: withQueryString(`${this.#basePath}${req.path}`, req.query),
          headers,
          agent: this.#agent,
        },
        (res) => {
          answered = true;
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY_BYTES) {
              res.destroy(badResponseError(what, `answer larger than ${MAX_BODY_BYTES} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on('error', fail);
          res.on('aborted', () => fail(new Error('connection closed while reading the answer')));
          res.on('end', () => {
            if (!res.complete) {
              fail(new Error('connection closed while reading the answer'));
              return;
            }
            const text = chunks.length === 1 ? (chunks[0] ?? Buffer.alloc(0)).toString('utf8') : Buffer.concat(chunks).toString('utf8');
            finish(() => resolve({ status: res.statusCode ?? 0, body: parseBody(text) }));
          });
        },
      );
      // settle first, then tear down: later socket errors are ignored
      const timer = setTimeout(() => {
        fail(timeoutError(what, timeoutMs));
        r.destroy();
      }, timeoutMs);
      const onAbort = (): void => {
        fail(abortedError(what, signal?.reason));
        r.destroy();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      function finish(then: () => void): void {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        then();
      }
      function fail(err: unknown): void {
        finish(() => {
          if (err instanceof KubeApiError) reject(err);
          else if (!answered && r.reusedSocket && isResetCode(err)) reject(new StaleSocket(err));
          else reject(transportError(err, what));
        });
      }
      r.on('error', fail);
      r.end(payload);
    });
  }

  /**
   * A watch: GET `path` with `watch=true` and `query`, yielding each newline-delimited event. Ends
   * when the server ends the stream or `signal` aborts; throws KubeApiError on a refused watch (with
   * the server's Status) and on transport errors or a stream that stalls past the idle timeout.
   */
  async *watchStream(path: string, query: QueryParams, signal: AbortSignal, opts: WatchStreamOptions = {}): AsyncGenerator<WatchEvent<JsonObject>, void, undefined> {
    const what = `WATCH ${path}`;
    if (signal.aborted) return;
    const timeoutSeconds = Number(query['timeoutSeconds']);
    const idleMs = opts.idleTimeoutMs ?? (Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 ? (timeoutSeconds + 30) * 1000 : 31 * 60_000);
    let res: IncomingMessage;
    try {
      res = await this.#openStream(what, withQueryString(`${this.#basePath}${path}`, { ...query, watch: 'true' }), signal, opts.connectTimeoutMs ?? this.#timeoutMs);
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    const onAbort = (): void => {
      res.destroy();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (res.statusCode !== 200) {
        const connectMs = opts.connectTimeoutMs ?? this.#timeoutMs;
        res.setTimeout(connectMs, () => res.destroy(timeoutError(what, connectMs)));
        const text = await readAll(res, 1024 * 1024);
        throw errorFromStatus(res.statusCode ?? 0, parseBody(text), what);
      }
      res.setEncoding('utf8');
      res.setTimeout(idleMs, () => res.destroy(timeoutError(what, idleMs)));
      let buf = '';
      for await (const chunk of res) {
        buf += String(chunk);
        let start = 0;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n', start)) {
          const line = buf.slice(start, nl);
          start = nl + 1;
          if (line.trim() !== '') yield parseEvent(line, what);
        }
        buf = start === 0 ? buf : buf.slice(start);
        if (buf.length > MAX_BODY_BYTES) throw badResponseError(what, 'watch event too large');
      }
      if (signal.aborted) return;
      if (!res.complete) throw transportError(new Error('watch connection closed abruptly'), what);
      if (buf.trim() !== '') yield parseEvent(buf, what);
    } catch (err) {
      if (signal.aborted) return;
      throw err instanceof KubeApiError ? err : transportError(err, what);
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (!res.complete) res.destroy();
    }
  }

  #openStream(what: string, fullPath: string, signal: AbortSignal, timeoutMs: number): Promise<IncomingMessage> {
    return this.#currentHeaders().then(
      (auth) =>
        new Promise<IncomingMessage>((resolve, reject) => {
          if (this.#closed) {
            reject(transportError(new Error('connection closed'), what));
            return;
          }
          let settled = false;
          const r = this.#mod.request(
            {
              protocol: this.#url.protocol,
              hostname: this.#url.hostname,
              port: this.#url.port,
              method: 'GET',
              path: fullPath,
              headers: { ...auth, Accept: 'application/json', 'User-Agent': this.#userAgent },
              agent: this.#watchAgent,
            },
            (res) => done(() => resolve(res)),
          );
          const timer = setTimeout(() => {
            done(() => reject(timeoutError(what, timeoutMs)));
            r.destroy();
          }, timeoutMs);
          const onAbort = (): void => {
            done(() => reject(abortedError(what, signal.reason)));
            r.destroy();
          };
          signal.addEventListener('abort', onAbort, { once: true });
          function done(then: () => void): void {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            signal.removeEventListener('abort', onAbort);
            then();
          }
          r.on('error', (err) => done(() => reject(err instanceof KubeApiError ? err : transportError(err, what))));
          r.end();
        }),
    );
  }
}

function isResetCode(err: unknown): boolean {
  if (!(err instanceof Error) || !('code' in err)) return false;
  return err.code === 'ECONNRESET' || err.code === 'EPIPE';
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  const c = text.charCodeAt(0);
  // only bodies that look like JSON documents are parsed; others stay text (e.g. "ok")
  if (c !== 0x7b && c !== 0x5b && c !== 0x22) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function parseEvent(line: string, what: string): WatchEvent<JsonObject> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw badResponseError(what, `watch event is not JSON: ${line.slice(0, 200)}`);
  }
  if (!isJsonObject(v) || !isJsonObject(v['object']) || !isWatchEventType(v['type'])) {
    throw badResponseError(what, `not a watch event: ${line.slice(0, 200)}`);
  }
  return { type: v['type'], object: v['object'] };
}

function isWatchEventType(v: unknown): v is WatchEventType {
  return typeof v === 'string' && (WATCH_EVENT_TYPES as readonly string[]).includes(v);
}

async function readAll(res: IncomingMessage, limit: number): Promise<string> {
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res) {
    text += String(chunk);
    if (text.length > limit) break;
  }
  return text;
}
