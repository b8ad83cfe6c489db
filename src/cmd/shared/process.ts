/** What the binaries share: exit codes, running main, --help / --defaultconfig and the one shutdown-signal hook. */
import { errorMessage, isKeError } from '../../base/index.js';
import { renderConfig } from '../../platform/config/index.js';

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

/**
 * Runs a binary's `main`: a code >= 0 exits with it (a negative one leaves the process running); an
 * error is printed as `<name>: [<code>: ]<message>` and exits with exitCodeFor(err, flagsCode).
 */
export function runMain(name: string, flagsCode: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      if (code >= 0) process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(`${name}: ${isKeError(err) ? `${err.code}: ` : ''}${errorMessage(err)}\n`);
      process.exit(exitCodeFor(err, flagsCode));
    },
  );
}

/** --help prints `usage`, --defaultconfig the rendered `defaults`; true when one of them was printed. */
export function printedInfo(flags: { readonly help: boolean; readonly defaultConfig: boolean }, usage: string, defaults: unknown): boolean {
  if (flags.help) process.stdout.write(usage);
  else if (flags.defaultConfig) process.stdout.write(renderConfig(defaults));
  else return false;
  return true;
}
