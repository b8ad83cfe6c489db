/**
 * edgecore, reusable (main.ts, keadm join, the quickstart, the hub benchmark that runs hundreds in one
 * process): no process-global state and no process.exit here. Opens the edge database and starts the
 * modules; edgehub obtains the node certificate with the join token when it has none (retrying while the
 * cloud is unreachable), so start-up never waits for the cloud.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EdgeCoreConfig } from '../../api/config/index.js';
import type { KubeEdgeMessage } from '../../api/index.js';
import { errorMessage } from '../../base/index.js';
import { createRuntime } from '../../beehive/index.js';
import type { EdgeHubModule } from '../../edge/edgehub/index.js';
import { parseServerAddress, startMetaServer, type RunningMetaServer } from '../../edge/metaserver/index.js';
import type { Logger } from '../../platform/log/index.js';
import { MetricsRegistry } from '../../platform/metrics/index.js';
import { openEdgeDb, type EdgeDb } from '../../platform/store/index.js';
import { edgeModules } from './modules.js';

export interface StartEdgecoreOptions {
  readonly log: Logger;
  readonly metrics?: MetricsRegistry;
  /** Overrides edged.hostnameOverride and the host name. */
  readonly nodeName?: string;
  /** A module failed for good (its restart policy gave up). */
  readonly onFatal?: (module: string, err: unknown) => void;
}

export interface RunningEdgecore {
  /** Stops the modules in reverse order and closes the database. Never rejects. */
  stop(): Promise<void>;
  readonly nodeName: string;
  readonly hub: EdgeHubModule;
  /** The local read-only API (modules.metaManager.metaServer), when enabled and serving. */
  readonly metaServer?: RunningMetaServer | undefined;
}

/** hostnameOverride, else the host name, lower-cased (a Node name is a DNS subdomain). */
export function edgeNodeName(config: EdgeCoreConfig, override?: string): string {
  const name = override ?? (config.modules.edged.hostnameOverride !== '' ? config.modules.edged.hostnameOverride : os.hostname());
  return name.toLowerCase();
}

export async function startEdgecore(config: EdgeCoreConfig, opts: StartEdgecoreOptions): Promise<RunningEdgecore> {
  const nodeName = edgeNodeName(config, opts.nodeName);
  const log = opts.log.child({ node: nodeName });
  const hubConfig = config.modules.edgeHub;
  mkdirSync(path.dirname(path.resolve(config.database.dataSource)), { recursive: true, mode: 0o700 });
  const db = openEdgeDb(config.database.dataSource);
  try {
    const metrics = opts.metrics ?? new MetricsRegistry();
    const { modules, hub } = edgeModules({ config, db, log, metrics, nodeName });
    const runtime = createRuntime<KubeEdgeMessage>({ modules, log, ...(opts.onFatal !== undefined ? { onGiveUp: opts.onFatal } : {}) });
    // Before the modules, so it mirrors every write they make; a metaserver that cannot serve is logged, not fatal.
    const metaServer = await startMetaServerIfEnabled(config, db, log, nodeName);
    try {
      await runtime.start();
    } catch (err) {
      await metaServer?.close();
      throw err;
    }
    log.info({ nodeName, server: hubConfig.websocket.server, db: db.path }, 'edgecore ready');
    let stopped: Promise<void> | undefined;
    const stop = async (): Promise<void> => {
      const errors = await runtime.stop();
      for (const e of errors) log.warn({ module: e.name, err: errorMessage(e.error) }, 'module stop failed');
      await metaServer?.close();
      try {
        db.close();
      } catch (err) {
        log.warn({ err: errorMessage(err) }, 'closing the edge database failed');
      }
    };
    return { nodeName, hub, metaServer, stop: () => (stopped ??= stop()) };
  } catch (err) {
    db.close();
    throw err;
  }
}

async function startMetaServerIfEnabled(config: EdgeCoreConfig, db: EdgeDb, log: Logger, nodeName: string): Promise<RunningMetaServer | undefined> {
  const ms = config.modules.metaManager.metaServer;
  if (!config.modules.metaManager.enable || !ms.enable) return undefined;
  try {
    return await startMetaServer({ db, log, nodeName, ...parseServerAddress(ms.server) });
  } catch (err) {
    log.error({ server: ms.server, err: errorMessage(err) }, 'metaserver not started');
    return undefined;
  }
}
