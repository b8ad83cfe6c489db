import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/** Creates the root logger; binaries create one and pass `log.child({ module })` down. */
export function createLogger(opts: { level?: LevelWithSilent; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = opts.level ?? (process.env['KE_LOG_LEVEL'] as LevelWithSilent | undefined) ?? 'info';
  const options = { level, base: opts.name === undefined ? null : { name: opts.name }, timestamp: pino.stdTimeFunctions.isoTime };
  return opts.destination === undefined ? pino(options) : pino(options, opts.destination);
}

/** A logger that drops everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
