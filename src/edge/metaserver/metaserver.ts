/**
 * The edge metaserver: a read-only Kubernetes API (plain HTTP, 127.0.0.1:10550 by default) served by
 * the embedded API server's code over an in-memory mirror of the edge database, so kubectl and
 * informers work on the edge host while the cloud is unreachable. Writes answer 405 MethodNotAllowed:
 * what the node holds comes from the cloud, and changes go there. It listens at start; the mirror and the
 * API server are built on the first request (backend.ts), so a node whose local API nobody uses pays nothing.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeError, errorMessage } from '../../base/index.js';
import type { Logger } from '../../platform/log/index.js';
import type { EdgeDb } from '../../platform/store/index.js';
import type { MetaBackend } from './backend.js';

export const MetaServerErrorCode = {
  /** `server` is not HOST:PORT. */
  address: 'KE_METASERVER_ADDRESS',
  /** The address cannot be bound (in use, not local). */
  listen: 'KE_METASERVER_LISTEN',
} as const;

export const READ_ONLY_MESSAGE = 'the edge metaserver is read-only: it serves what this node holds; send writes to the cloud API server';

export interface MetaServerOptions {
  readonly db: EdgeDb;
  readonly log: Logger;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 10550; 0 picks a free port. */
  readonly port?: number;
  readonly nodeName: string;
}

export interface RunningMetaServer {
  /** `http://HOST:PORT`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Meta rows skipped as malformed so far. */
  skippedRows(): number;
  /** Requests answered with an error Status, by HTTP code (writes count under 405). */
  rejected(): ReadonlyMap<string, number>;
  /** Whether the mirror and API server were built (on the first request). */
  loaded(): boolean;
  /** Stops serving (open watches end) and drops the mirror. Never rejects. */
  close(): Promise<void>;
}

/** `HOST:PORT` or `[IPv6]:PORT` (modules.metaManager.metaServer.server). */
export function parseServerAddress(server: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(server.trim());
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || port > 65535) throw new KeError(MetaServerErrorCode.address, `metaServer.server must be HOST:PORT, got "${server}"`, { details: { server } });
  const host = (m[1] ?? '').replace(/^\[(.*)\]$/, '$1');
  return { host, port };
}

export async function startMetaServer(opts: MetaServerOptions): Promise<RunningMetaServer> {
  const log = opts.log.child({ component: 'metaserver' });
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 10550;
  let backend: Promise<MetaBackend> | undefined;
  let built: MetaBackend | undefined;
  const load = (): Promise<MetaBackend> =>
    (backend ??= import('./backend.js').then((m) => {
      built = m.createMetaBackend(opts.db, log, READ_ONLY_MESSAGE);
      log.info({ node: opts.nodeName, objects: built.objects(), skippedRows: built.skippedRows() }, 'metaserver mirror loaded');
      return built;
    }));
  const server = createServer((req, res) => {
    load().then(
      (b) => b.handle(req, res),
      (err: unknown) => {
        log.error({ err: errorMessage(err) }, 'metaserver could not load the edge database');
        req.resume();
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the edge metaserver could not load the edge database', reason: 'ServiceUnavailable', code: 503 }));
      },
    );
  });
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (err) {
    const where = `${host}:${port}`;
    throw new KeError(MetaServerErrorCode.listen, `the metaserver cannot serve on ${where}: ${errorMessage(err)}`, { cause: err, details: { address: where } });
  }
  const addr = server.address() as AddressInfo;
  const hostInUrl = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  log.info({ node: opts.nodeName, host: addr.address, port: addr.port }, 'metaserver serving');
  let closed: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    const b = await backend?.catch(() => undefined);
    // The backend first: it ends open watches, so the server can close.
    await b?.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  };
  return {
    url: `http://${hostInUrl}:${addr.port}`,
    host: addr.address,
    port: addr.port,
    skippedRows: () => built?.skippedRows() ?? 0,
    rejected: () => built?.rejected() ?? new Map(),
    loaded: () => built !== undefined,
    close: () => (closed ??= close()),
  };
}
