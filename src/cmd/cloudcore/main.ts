import { DEFAULT_CLOUDCORE_CONFIG } from '../../api/config/index.js';
import { errorMessage } from '../../base/index.js';
import { createLogger } from '../../platform/log/index.js';
import { onShutdownSignal, printedInfo, runMain } from '../shared/process.js';
import { resolveCloudcoreConfig } from './config.js';
import { FLAGS_ERROR, parseCloudcoreFlags, USAGE } from './flags.js';
import { startCloudcore, type RunningCloudcore } from './run.js';

async function main(): Promise<number> {
  const flags = parseCloudcoreFlags(process.argv.slice(2));
  if (printedInfo(flags, USAGE, DEFAULT_CLOUDCORE_CONFIG)) return 0;
  const config = resolveCloudcoreConfig(flags, process.env);
  const log = createLogger({ name: 'cloudcore' });
  let stopping = false;
  const started: { cc?: RunningCloudcore; pending?: number } = {};
  const shutdown = (code: number): void => {
    if (stopping) return;
    if (started.cc === undefined) {
      started.pending = code; // still starting: stop once started
      return;
    }
    stopping = true;
    started.cc.stop().then(
      () => process.exit(code),
      (err: unknown) => {
        log.error({ err: errorMessage(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const cc = await startCloudcore(config, {
    log,
    tokenAuthFile: flags.tokenAuthFile,
    watchHistory: flags.watchHistory,
    watchBookmarkSeconds: flags.watchBookmarkSeconds,
    onFatal: (module, err) => {
      log.fatal({ module, err: errorMessage(err) }, 'module failed for good, exiting');
      shutdown(1);
    },
  });
  started.cc = cc;
  if (started.pending !== undefined) shutdown(started.pending);
  process.stderr.write(`\ncloudcore is running. Use it with:\n  kubectl --kubeconfig ${cc.kubeconfigPath} get nodes\n\n`);
  onShutdownSignal((signal) => {
    log.info({ signal }, 'shutting down');
    shutdown(0);
  });
  return -1;
}

runMain('cloudcore', FLAGS_ERROR, main);
