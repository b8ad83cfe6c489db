/** What the binaries share: exit codes and the one shutdown-signal hook. */
import { isKeError } from '../../base/index.js';

/** 2 for bad flags or config (the user's to fix before a retry), 1 for anything else. */
export function exitCodeFor(err: unknown, flagsCode: string): number {
  if (isKeError(err, flagsCode) || isKeError(err, 'KE_CONFIG_INVALID') || isKeError(err, 'KE_CONFIG_READ')) return 2;
  return 1;
}

/** Calls `stop` once on the first SIGINT or SIGTERM; a second signal exits at once. */
export function onShutdownSignal(stop: (signal: string) => void): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.exit(130);
    }
    stopping = true;
    stop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
