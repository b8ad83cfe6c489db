import path from 'node:path';
import { errorMessage, isKeError } from '../../base/index.js';
import { createLogger } from '../../platform/log/index.js';
import { parseCloudcoreFlags, USAGE } from './flags.js';
import { startEmbeddedControlPlane } from './embedded.js';
import { startEmbeddedControllers } from './control-plane.js';

async function main(): Promise<number> {
  const flags = parseCloudcoreFlags(process.argv.slice(2), process.env);
  if (flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = createLogger({ name: 'cloudcore' });
  if (flags.kubeconfig !== undefined) {
    log.error({ kubeconfig: flags.kubeconfig }, 'external cluster mode arrives with the cloud-edge channel; start without --kubeconfig for the embedded control plane');
    return 2;
  }
  const cp = await startEmbeddedControlPlane({
    dataDir: flags.dataDir,
    host: flags.apiserverHost,
    port: flags.apiserverPort,
    advertiseHosts: flags.advertiseHosts,
    tokenAuthFile: flags.tokenAuthFile,
    watchHistory: flags.watchHistory,
    watchBookmarkSeconds: flags.watchBookmarkSeconds,
    log,
  });
  const kubeconfig = path.resolve(cp.kubeconfigPath);
  const controllers = flags.embeddedControllers
    ? await startEmbeddedControllers({ kubeconfigPath: kubeconfig, log, nodeGraceSeconds: flags.nodeGraceSeconds })
    : undefined;
  log.info({ url: cp.url, kubeconfig }, 'embedded control plane ready');
  process.stderr.write(`\ncloudcore is running. Use it with:\n  kubectl --kubeconfig ${kubeconfig} get nodes\n\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    controllers?.stop();
    cp.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`cloudcore: ${isKeError(err) ? `${err.code}: ` : ''}${errorMessage(err)}\n`);
    process.exit(1);
  },
);
