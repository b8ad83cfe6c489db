/** Small pieces of a host-process container run: spawning detached, exit codes, durations, log pruning. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { rawPath } from './cri-log.js';

export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal === null ? undefined : constants.signals[signal];
  return 128 + (n ?? 9);
}

/** Go's time.Duration text for whole milliseconds (`20ms`, `10s`, `1m20s`, `5m0s`), as kubelet prints the back-off. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const total = ms / 1000;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = `${Number((total - h * 3600 - m * 60).toFixed(3))}s`;
  if (h > 0) return `${h}h${m}m${s}`;
  return m > 0 ? `${m}m${s}` : s;
}

/**
 * Starts `argv` in its own session and process group with stdout/stderr appended to the raw files of
 * `logBase` (the child holds them open, not edgecore). The child is unref'd: it may outlive edgecore.
 * Returns undefined when it could not be started (missing binary, not executable).
 */
export function spawnDetached(argv: readonly string[], cwd: string, env: Readonly<Record<string, string>>, logBase: string): ChildProcess | undefined {
  const [file, ...args] = argv;
  if (file === undefined) return undefined;
  mkdirSync(cwd, { recursive: true });
  mkdirSync(dirname(logBase), { recursive: true });
  const out = openSync(rawPath(logBase, 'stdout'), 'a');
  const err = openSync(rawPath(logBase, 'stderr'), 'a');
  let p: ChildProcess;
  try {
    p = spawn(file, args, { cwd, env: { ...env }, detached: true, stdio: ['ignore', out, err] });
  } catch {
    return undefined;
  } finally {
    closeSync(out);
    closeSync(err);
  }
  // A spawn failure (ENOENT, EACCES) leaves no pid and emits 'error' later.
  p.on('error', () => undefined);
  if (p.pid === undefined) return undefined;
  p.unref();
  return p;
}

/** Keeps the log of the previous run (kubectl logs --previous) and drops older logs and raw files. */
export function pruneLogs(logDir: string, current: number): void {
  let names: string[];
  try {
    names = readdirSync(logDir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^(\d+)\.(log|stdout\.raw|stderr\.raw)$/.exec(n);
    if (m === null) continue;
    const run = Number(m[1]);
    if ((m[2] === 'log' && run < current - 1) || (m[2] !== 'log' && run < current)) rmSync(join(logDir, n), { force: true });
  }
}
