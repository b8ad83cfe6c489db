/**
 * The edge metaserver: a read-only Kubernetes API (plain HTTP, 127.0.0.1:10550 by default) served by
 * the embedded API server's code over an in-memory mirror of the edge database, so kubectl and
 * informers work on the edge host while the cloud is unreachable. Writes answer 405 MethodNotAllowed:
 * what the node holds comes from the cloud, and changes go there.
 */
import { KeError, errorMessage } from '../../base/index.js';
import { ApiServer } from '../../kube/apiserver/index.js';
import type { Logger } from '../../platform/log/index.js';
import { openSqliteStore, type EdgeDb } from '../../platform/store/index.js';
import { MetaMirror } from './mirror.js';

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
  const store = openSqliteStore({
    path: ':memory:',
    checkpoints: 'inline',
    onWatchError: (err) => log.warn({ err: errorMessage(err) }, 'metaserver watch callback failed'),
    onFatal: (err) => log.error({ err: errorMessage(err) }, 'metaserver mirror failed'),
  });
  const mirror = new MetaMirror(opts.db, store, log);
  // Hook first, then load: both run synchronously, so no change falls between them.
  const unsubscribe = opts.db.meta.onChange((key) => mirror.changed(key));
  const api = new ApiServer({
    store,
    log,
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 10550,
    anonymousAllowed: true,
    readOnly: true,
    readOnlyMessage: READ_ONLY_MESSAGE,
  });
  let addr: { host: string; port: number };
  try {
    mirror.load();
    addr = await api.start();
  } catch (err) {
    unsubscribe();
    await api.stop();
    store.close();
    const where = `${opts.host ?? '127.0.0.1'}:${opts.port ?? 10550}`;
    throw new KeError(MetaServerErrorCode.listen, `the metaserver cannot serve on ${where}: ${errorMessage(err)}`, { cause: err, details: { address: where } });
  }
  const hostInUrl = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
  log.info({ node: opts.nodeName, host: addr.host, port: addr.port, objects: store.count('/'), skippedRows: mirror.skippedRows() }, 'metaserver serving');
  let closed: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    unsubscribe();
    try {
      await api.stop();
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'metaserver stop failed');
    }
    store.close();
  };
  return {
    url: `http://${hostInUrl}:${addr.port}`,
    host: addr.host,
    port: addr.port,
    skippedRows: () => mirror.skippedRows(),
    rejected: () => api.rejected(),
    close: () => (closed ??= close()),
  };
}
