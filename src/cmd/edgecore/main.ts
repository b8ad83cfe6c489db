import { DEFAULT_EDGECORE_CONFIG, validateEdgeCoreConfig } from '../../api/config/index.js';
import { errorMessage } from '../../base/index.js';
import { loadConfigFile } from '../../platform/config/index.js';
import { createLogger } from '../../platform/log/index.js';
import { lockEdgeDir } from '../shared/edge-lock.js';
import { onShutdownSignal, printedInfo, runMain } from '../shared/process.js';
import { FLAGS_ERROR, parseEdgecoreFlags, USAGE } from './flags.js';
import { startEdgecore, type RunningEdgecore } from './run.js';

async function main(): Promise<number> {
  const flags = parseEdgecoreFlags(process.argv.slice(2));
  if (printedInfo(flags, USAGE, DEFAULT_EDGECORE_CONFIG)) return 0;
  const config = loadConfigFile(flags.config, validateEdgeCoreConfig);
  const log = createLogger({ name: 'edgecore' });
  const lock = lockEdgeDir(config);
  let stopping = false;
  let running: RunningEdgecore | undefined;
  const shutdown = (code: number): void => {
    if (stopping) return;
    stopping = true;
    void (running?.stop() ?? Promise.resolve()).then(() => {
      lock.release();
      process.exit(code);
    });
  };
  try {
    running = await startEdgecore(config, {
      log,
      onFatal: (module, err) => {
        log.fatal({ module, err: errorMessage(err) }, 'module failed for good, exiting');
        shutdown(1);
      },
    });
  } catch (err) {
    lock.release();
    throw err;
  }
  onShutdownSignal((signal) => {
    log.info({ signal }, 'shutting down');
    shutdown(0);
  });
  return -1;
}

runMain('edgecore', FLAGS_ERROR, main);
