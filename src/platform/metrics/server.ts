/**
 * The monitor server of cloudcore and edgecore: plain HTTP, GET /metrics (Prometheus text 0.0.4) and
 * /healthz. `extra` may answer other paths (e.g. /readyz); it returns undefined for "not mine".
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { KeError } from '../../base/index.js';
import { closeServer, listenOn } from '../http/index.js';
import type { MetricsRegistry } from './index.js';

export interface ExtraResponse {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
}

export type ExtraHandler = (path: string) => ExtraResponse | undefined | Promise<ExtraResponse | undefined>;

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Splits `HOST:PORT` (IPv6 in brackets). */
export function splitHostPort(bind: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(bind);
  const port = Number(m?.[2]);
  if (m === null || m[1] === undefined || port > 65535) throw new KeError('KE_METRICS_BIND', `monitor bind address must be HOST:PORT, got "${bind}"`);
  return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port };
}

function reply(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export async function serveMetrics(bind: string, registry: MetricsRegistry, extra?: ExtraHandler): Promise<MetricsServer> {
  const { host, port } = splitHostPort(bind);
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'method not allowed\n');
    if (path === '/metrics') return reply(res, 200, registry.render(), 'text/plain; version=0.0.4; charset=utf-8');
    if (path === '/healthz') return reply(res, 200, 'ok');
    const answer = extra === undefined ? undefined : await extra(path);
    if (answer !== undefined) return reply(res, answer.status, answer.body, answer.contentType);
    return reply(res, 404, 'not found\n');
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) reply(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  const bound = await listenOn(server, host, port, (err) => new KeError('KE_METRICS_LISTEN', `cannot listen on ${bind}: ${err.message}`, { cause: err }));
  return { port: bound, close: () => closeServer(server) };
}
