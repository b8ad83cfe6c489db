/**
 * A minimal HTTPS client for talking to our API servers the way a test needs to: any method, any
 * body (objects are JSON-encoded; strings and Buffers are sent as they are, with any Content-Type),
 * client-certificate, bearer-token or anonymous authentication, and the raw status and text next
 * to the parsed body, so that bad-input tests can see exactly what came back.
 */
import https from 'node:https';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { brief, isRecord } from './json.js';

export type ClientAuth =
  | { readonly kind: 'cert'; readonly cert: string | Buffer; readonly key: string | Buffer }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'anonymous' };

export interface HttpsClientOptions {
  /** e.g. https://127.0.0.1:6443 */
  readonly baseUrl: string;
  /** PEM of the CA that signed the server certificate. */
  readonly ca: string | Buffer;
  readonly auth: ClientAuth;
  /** Reuse connections (default false: one connection per request, nothing left open). */
  readonly keepAlive?: boolean;
  readonly maxSockets?: number;
  /** Per-request timeout unless the request says otherwise (default 30 s). */
  readonly timeoutMs?: number;
}

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface RequestOptions {
  readonly method?: string;
  /** Path with or without a query string. */
  readonly path: string;
  readonly query?: Query;
  /**
   * Objects and arrays are sent as JSON. A string or Buffer is sent byte for byte (use it for
   * malformed input); set `contentType` to match.
   */
  readonly body?: unknown;
  /** Default: application/json when there is a body. */
  readonly contentType?: string;
  /** Default: application/json. */
  readonly accept?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly body: unknown;
  /** Set when the server said application/json but the body does not parse (a server bug). */
  readonly jsonError: string | undefined;
  /** "METHOD path", for messages. */
  readonly request: string;
}

export interface WatchEvent {
  readonly type: string;
  readonly object: unknown;
}

export interface WatchStream {
  readonly status: number;
  /** Body text when the server refused the watch (status != 200). */
  readonly errorText: string;
  readonly events: readonly WatchEvent[];
  /** Resolves with the first event (already received or future) matching `pred`. */
  next(pred: (e: WatchEvent) => boolean, timeoutMs?: number): Promise<WatchEvent>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

export function withQuery(path: string, query: Query | undefined): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.append(k, String(v));
  const s = qs.toString();
  if (s === '') return path;
  return `${path}${path.includes('?') ? '&' : '?'}${s}`;
}

function jsonProblem(contentType: string | undefined, text: string): string | undefined {
  if (text === '' || !(contentType ?? '').includes('json')) return undefined;
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export class HttpsClient {
  readonly baseUrl: string;
  readonly #opts: HttpsClientOptions;
  readonly #agent: https.Agent;
  readonly #url: URL;

  constructor(opts: HttpsClientOptions) {
    this.#opts = opts;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.#url = new URL(this.baseUrl);
    const tls = opts.auth.kind === 'cert' ? { cert: opts.auth.cert, key: opts.auth.key } : {};
    this.#agent = new https.Agent({
      ca: opts.ca,
      ...tls,
      keepAlive: opts.keepAlive ?? false,
      ...(opts.maxSockets === undefined ? {} : { maxSockets: opts.maxSockets }),
    });
  }

  /** The same server with other credentials. */
  withAuth(auth: ClientAuth): HttpsClient {
    return new HttpsClient({ ...this.#opts, auth });
  }

  close(): void {
    this.#agent.destroy();
  }

  #headers(o: Pick<RequestOptions, 'accept' | 'headers' | 'contentType'>, payload: Buffer | undefined): OutgoingHttpHeaders {
    const h: OutgoingHttpHeaders = { accept: o.accept ?? 'application/json' };
    if (this.#opts.auth.kind === 'token') h['authorization'] = `Bearer ${this.#opts.auth.token}`;
    if (payload !== undefined) {
      h['content-type'] = o.contentType ?? 'application/json';
      h['content-length'] = payload.length;
    }
    for (const [k, v] of Object.entries(o.headers ?? {})) h[k.toLowerCase()] = v;
    return h;
  }

  #payload(body: unknown): Buffer | undefined {
    if (body === undefined) return undefined;
    if (Buffer.isBuffer(body)) return body;
    if (typeof body === 'string') return Buffer.from(body, 'utf8');
    return Buffer.from(JSON.stringify(body), 'utf8');
  }

  /**
   * Sends one request. Rejects only on transport errors (connection refused, reset, timeout). A connection reset
   * before the TLS handshake finished (seen on a saturated machine) never reached the server: it is retried twice.
   */
  async request(o: RequestOptions): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#requestOnce(o);
      } catch (err) {
        const handshake = err instanceof Error && /before secure TLS connection was established/.test(err.message);
        if (!handshake || attempt >= 2) throw err;
        await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
      }
    }
  }

  #requestOnce(o: RequestOptions): Promise<HttpResponse> {
    const method = (o.method ?? 'GET').toUpperCase();
    const path = withQuery(o.path, o.query);
    const label = `${method} ${path}`;
    const payload = this.#payload(o.body);
    const timeoutMs = o.timeoutMs ?? this.#opts.timeoutMs ?? 30_000;
    return new Promise<HttpResponse>((resolve, reject) => {
      let responded = false;
      const req = https.request(
        {
          protocol: 'https:',
          hostname: this.#url.hostname,
          port: this.#url.port,
          method,
          path,
          agent: this.#agent,
          headers: this.#headers(o, payload),
          timeout: timeoutMs,
        },
        (res) => {
          responded = true;
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          const done = (): void => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parseJson(text), jsonError: jsonProblem(res.headers['content-type'], text), request: label });
          };
          res.on('end', done);
          // A server that answers early (413) and closes may abort the body: keep what we got.
          res.on('aborted', done);
          res.on('error', done);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${label}: no response within ${timeoutMs} ms`)));
      req.on('error', (err) => {
        if (!responded) reject(Object.assign(new Error(`${label}: ${err.message}`, { cause: err }), { code: (err as NodeJS.ErrnoException).code }));
      });
      if (payload === undefined) {
        req.end();
      } else {
        req.end(payload);
      }
    });
  }

  get(path: string, query?: Query, extra: Partial<RequestOptions> = {}): Promise<HttpResponse> {
    return this.request({ ...extra, method: 'GET', path, ...(query ? { query } : {}) });
  }

  post(path: string, body: unknown, extra: Partial<RequestOptions> = {}): Promise<HttpResponse> {
    return this.request({ ...extra, method: 'POST', path, body });
  }

  put(path: string, body: unknown, extra: Partial<RequestOptions> = {}): Promise<HttpResponse> {
    return this.request({ ...extra, method: 'PUT', path, body });
  }

  /** PATCH with a patch content type (default strategic merge). */
  patch(path: string, body: unknown, contentType = 'application/strategic-merge-patch+json', extra: Partial<RequestOptions> = {}): Promise<HttpResponse> {
    return this.request({ ...extra, method: 'PATCH', path, body, contentType });
  }

  delete(path: string, body?: unknown, extra: Partial<RequestOptions> = {}): Promise<HttpResponse> {
    return this.request({ ...extra, method: 'DELETE', path, ...(body === undefined ? {} : { body }) });
  }

  /**
   * Like `request`, but asserts the status is one of `expect` and returns the parsed body. The
   * error message carries the request, the status and the body.
   */
  async expect(status: number | readonly number[], o: RequestOptions): Promise<unknown> {
    const r = await this.request(o);
    const want = typeof status === 'number' ? [status] : status;
    if (!want.includes(r.status)) {
      throw new Error(`${r.request}: expected HTTP ${want.join('|')}, got ${r.status}: ${brief(r.text)}`);
    }
    if (r.jsonError !== undefined) throw new Error(`${r.request}: HTTP ${r.status} with invalid JSON (${r.jsonError}): ${brief(r.text)}`);
    return r.body;
  }

  /**
   * Opens a watch (`?watch=true` is added) and collects its newline-delimited JSON events.
   * Resolves once the response headers arrive.
   */
  watch(path: string, query: Query = {}, opts: { readonly accept?: string } = {}): Promise<WatchStream> {
    const fullPath = withQuery(path, { ...query, watch: 'true' });
    const label = `WATCH ${fullPath}`;
    return new Promise<WatchStream>((resolve, reject) => {
      const events: WatchEvent[] = [];
      const waiters = new Set<{ pred: (e: WatchEvent) => boolean; resolve: (e: WatchEvent) => void }>();
      let endResolve: () => void = () => undefined;
      const ended = new Promise<void>((r) => {
        endResolve = r;
      });
      const req = https.request(
        {
          protocol: 'https:',
          hostname: this.#url.hostname,
          port: this.#url.port,
          method: 'GET',
          path: fullPath,
          agent: this.#agent,
          headers: this.#headers({ accept: opts.accept ?? 'application/json' }, undefined),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          let buf = '';
          let errorText = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (status !== 200) {
              errorText += chunk;
              return;
            }
            buf += chunk;
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl).trim();
              buf = buf.slice(nl + 1);
              if (line === '') continue;
              const parsed = parseJson(line);
              const ev: WatchEvent = isRecord(parsed) && typeof parsed['type'] === 'string' ? { type: parsed['type'], object: parsed['object'] } : { type: 'UNPARSEABLE', object: line };
              events.push(ev);
              for (const w of [...waiters]) {
                if (w.pred(ev)) {
                  waiters.delete(w);
                  w.resolve(ev);
                }
              }
            }
          });
          const end = (): void => endResolve();
          res.on('end', end);
          res.on('close', end);
          res.on('error', end);
          const stream: WatchStream = {
            status,
            get errorText() {
              return errorText;
            },
            events,
            ended,
            close: () => {
              req.destroy();
              endResolve();
            },
            next: (pred, timeoutMs = 10_000) => {
              const have = events.find(pred);
              if (have) return Promise.resolve(have);
              return new Promise<WatchEvent>((res2, rej2) => {
                const w = { pred, resolve: (e: WatchEvent) => (clearTimeout(t), res2(e)) };
                const t = setTimeout(() => {
                  waiters.delete(w);
                  rej2(new Error(`${label}: no matching event within ${timeoutMs} ms; got ${brief(events.map((e) => e.type))}`));
                }, timeoutMs);
                waiters.add(w);
              });
            },
          };
          resolve(stream);
        },
      );
      req.on('error', (err) => {
        endResolve();
        reject(new Error(`${label}: ${err.message}`, { cause: err }));
      });
      req.end();
    });
  }
}

export function createHttpsClient(opts: HttpsClientOptions): HttpsClient {
  return new HttpsClient(opts);
}
