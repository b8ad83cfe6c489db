import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../platform/log/index.js';
import { ensurePki, writeKubeconfig } from '../../platform/certs/index.js';
import { lockDataDir, openSqliteStore } from '../../platform/store/index.js';
import { ApiServer, loadTokenFile, newTokenKeyPem, type UserInfo } from '../../kube/apiserver/index.js';

export interface EmbeddedControlPlane {
  readonly url: string;
  readonly kubeconfigPath: string;
  stop(): Promise<void>;
}

/** Starts the embedded control plane: PKI, SQLite store, API server, admin kubeconfig. */
export async function startEmbeddedControlPlane(opts: {
  dataDir: string;
  host: string;
  port: number;
  advertiseHosts: readonly string[];
  tokenAuthFile: string | undefined;
  watchHistory: number;
  watchBookmarkSeconds?: number;
  log: Logger;
}): Promise<EmbeddedControlPlane> {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const lock = lockDataDir(path.join(opts.dataDir, 'cloudcore.lock'));
  const hosts = [...new Set([opts.host, ...opts.advertiseHosts].filter((h) => h !== '0.0.0.0' && h !== '::'))];
  const pki = await ensurePki(path.join(opts.dataDir, 'pki'), { hosts });
  const storeLog = opts.log.child({ module: 'store' });
  const store = openSqliteStore({
    path: path.join(opts.dataDir, 'state.db'),
    historyLimit: opts.watchHistory,
    // a failing watcher is that watcher's problem: log it, keep serving everyone else
    onWatchError: (err: unknown) => storeLog.error({ err }, 'watch callback failed'),
    // memory is ahead of the file when a commit fails: stop, so a restart serves only what is durable
    onFatal: (err: unknown) => {
      storeLog.fatal({ err }, 'store commit failed, exiting');
      process.exit(70);
    },
  });
  const tokens: Map<string, UserInfo> = opts.tokenAuthFile ? loadTokenFile(opts.tokenAuthFile) : new Map();
  const caPem = readFileSync(pki.caPath, 'utf8');
  // the key that signs service-account tokens: kept, so tokens stay valid across restarts
  const saKeyPath = path.join(opts.dataDir, 'pki', 'sa.key');
  if (!existsSync(saKeyPath)) writeFileSync(saKeyPath, newTokenKeyPem(), { mode: 0o600 });
  const server = new ApiServer({
    store,
    log: opts.log.child({ module: 'apiserver' }),
    host: opts.host,
    port: opts.port,
    tls: { certPem: readFileSync(pki.serverCertPath, 'utf8'), keyPem: readFileSync(pki.serverKeyPath, 'utf8'), clientCaPem: caPem },
    tokens,
    serviceAccountKeyPem: readFileSync(saKeyPath, 'utf8'),
    ...(opts.watchBookmarkSeconds !== undefined ? { bookmarkIntervalMs: opts.watchBookmarkSeconds * 1000 } : {}),
  });
  let bound;
  try {
    bound = await server.start();
  } catch (err) {
    store.close();
    lock.release();
    throw err;
  }
  const hostForUrl = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `https://${hostForUrl}:${bound.port}`;
  const kubeconfigPath = path.join(opts.dataDir, 'admin.kubeconfig');
  await writeKubeconfig(kubeconfigPath, {
    server: url,
    caPem,
    clientCertPem: readFileSync(pki.adminCertPath, 'utf8'),
    clientKeyPem: readFileSync(pki.adminKeyPath, 'utf8'),
  });
  return {
    url,
    kubeconfigPath,
    async stop() {
      await server.stop();
      store.close();
      lock.release();
    },
  };
}
