/**
 * cloudcore, reusable (main.ts, keadm init, the quickstart): the embedded control plane unless
 * `kubeAPIConfig.kubeConfig` names a cluster, then one KubeClient, one InformerFactory and one metrics
 * registry shared by the cloud modules, the beehive runtime, and the monitor server.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { CloudCoreConfig } from '../../api/config/index.js';
import type { KubeEdgeMessage } from '../../api/index.js';
import { errorMessage } from '../../base/index.js';
import { createRuntime } from '../../beehive/index.js';
import { ensureHubPki } from '../../cloud/cloudhub/index.js';
import { ensureReliableSyncCrds } from '../../cloud/common/objectsync.js';
import { InformerFactory, KubeClient } from '../../kube/client/index.js';
import type { Logger } from '../../platform/log/index.js';
import { MetricsRegistry } from '../../platform/metrics/index.js';
import { serveMetrics } from '../../platform/metrics/server.js';
import { lockDataDir } from '../../platform/store/index.js';
import { hostPort } from './config.js';
import { startEmbeddedControllers } from './control-plane.js';
import { startEmbeddedControlPlane } from './embedded.js';
import { cloudModules } from './modules.js';

export interface StartCloudcoreOptions {
  readonly log: Logger;
  readonly metrics?: MetricsRegistry;
  /** Embedded API server only. */
  readonly tokenAuthFile?: string | undefined;
  readonly watchHistory?: number;
  readonly watchBookmarkSeconds?: number;
  /** A module failed for good (its restart policy gave up); the binary exits 1 on it. */
  readonly onFatal?: (module: string, err: unknown) => void;
}

export interface RunningCloudcore {
  /** Stops the modules (reverse order), then the control plane. Never rejects. */
  stop(): Promise<void>;
  /** Bound ports of cloudhub; undefined when it is disabled. */
  readonly hubPorts: { readonly websocket: number; readonly https: number } | undefined;
  readonly monitorPort: number;
  /** The admin kubeconfig of the embedded control plane, or the external cluster's. */
  readonly kubeconfigPath: string;
  /** The embedded API server's URL; undefined in external mode. */
  readonly apiserverUrl: string | undefined;
}

type Cleanup = () => Promise<void> | void;

async function unwind(stack: Cleanup[], log: Logger): Promise<void> {
  while (stack.length > 0) {
    const step = stack.pop();
    try {
      await step?.();
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'shutdown step failed');
    }
  }
}

const CRD_TIMEOUT_MS = 60_000;

export async function startCloudcore(config: CloudCoreConfig, opts: StartCloudcoreOptions): Promise<RunningCloudcore> {
  const log = opts.log;
  const dataDir = path.resolve(config.embedded.dataDir);
  const metrics = opts.metrics ?? new MetricsRegistry();
  const m = config.modules;
  const anyModule = m.cloudHub.enable || m.edgeController.enable || m.syncController.enable;
  const stack: Cleanup[] = [];
  try {
    // The hub's PKI first: it is on disk by the time the API server answers /readyz.
    if (m.cloudHub.enable) {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      await ensureHubPki(m.cloudHub, dataDir);
    }
    let kubeconfigPath: string;
    let apiserverUrl: string | undefined;
    if (config.kubeAPIConfig.kubeConfig === '') {
      const bind = hostPort(config.embedded.apiserverBind);
      const cp = await startEmbeddedControlPlane({
        dataDir,
        host: bind.host,
        port: bind.port,
        advertiseHosts: [...m.cloudHub.advertiseAddress, ...m.cloudHub.dnsNames],
        tokenAuthFile: opts.tokenAuthFile,
        watchHistory: opts.watchHistory ?? 10_000,
        ...(opts.watchBookmarkSeconds !== undefined ? { watchBookmarkSeconds: opts.watchBookmarkSeconds } : {}),
        log,
      });
      stack.push(() => cp.stop());
      kubeconfigPath = path.resolve(cp.kubeconfigPath);
      apiserverUrl = cp.url;
      if (config.embedded.controllers) {
        const controllers = await startEmbeddedControllers({ kubeconfigPath, log, nodeGraceSeconds: config.embedded.nodeMonitorGracePeriod });
        stack.push(() => controllers.stop());
      }
      log.info({ url: cp.url, kubeconfig: kubeconfigPath }, 'embedded control plane ready');
    } else {
      // external mode: the lock still tells keadm reset that a cloudcore uses this directory
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const lock = lockDataDir(path.join(dataDir, 'cloudcore.lock'));
      stack.push(() => lock.release());
      kubeconfigPath = path.resolve(config.kubeAPIConfig.kubeConfig);
    }

    let hubPorts: RunningCloudcore['hubPorts'];
    if (anyModule) {
      const client = await KubeClient.fromKubeconfig(kubeconfigPath, { userAgent: 'cloudcore' });
      stack.push(() => client.close());
      const crdAbort = new AbortController();
      const crdTimer = setTimeout(() => crdAbort.abort(new Error(`ReliableSync CRDs not established within ${CRD_TIMEOUT_MS} ms`)), CRD_TIMEOUT_MS);
      try {
        await ensureReliableSyncCrds(client, crdAbort.signal);
      } finally {
        clearTimeout(crdTimer);
      }
      const informerLog = log.child({ module: 'informers' });
      const informers = new InformerFactory(client, {
        onError: (err, informer, site) => informerLog.warn({ err: errorMessage(err), informer, site }, 'informer error'),
      });
      const { modules, hub } = cloudModules(config, { client, informers, log, metrics, dataDir });
      const runtime = createRuntime<KubeEdgeMessage>({ modules, log, ...(opts.onFatal !== undefined ? { onGiveUp: opts.onFatal } : {}) });
      await runtime.start();
      stack.push(async () => {
        await runtime.stop();
      });
      // after every module's start() has asked for its informers
      const informerAbort = new AbortController();
      informers.start(informerAbort.signal);
      stack.push(() => informerAbort.abort());
      hubPorts = hub?.ports();
    }

    const monitor = await serveMetrics(config.commonConfig.monitorServer.bindAddress, metrics, (p) => (p === '/readyz' ? { status: 200, body: 'ok' } : undefined));
    stack.push(() => monitor.close());
    log.info(
      { hubPort: hubPorts?.websocket, certPort: hubPorts?.https, monitorPort: monitor.port, kubeconfig: kubeconfigPath, dataDir },
      'cloudcore ready',
    );
    let stopped: Promise<void> | undefined;
    return {
      hubPorts,
      monitorPort: monitor.port,
      kubeconfigPath,
      apiserverUrl,
      stop: () => (stopped ??= unwind(stack, log)),
    };
  } catch (err) {
    await unwind(stack, log);
    throw err;
  }
}
