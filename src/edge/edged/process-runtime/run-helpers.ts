/** Small pieces of a host-process container run: spawning detached, exit codes, durations, log pruning. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, rmSync } from 'node:fs';
import { errorMessage } from '../../../base/index.js';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import type { Run } from './container-types.js';
import { isRotatedLog, rawPath } from './cri-log.js';
import { execProbe, killGroup, type ProbeContext } from './probe.js';
import { processAlive } from './saved-state.js';

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

/**
 * Keeps the logs of the previous run (kubectl logs --previous), rotated ones included, and drops older
 * logs and raw files. Best effort: a file that cannot be removed is left for the next run.
 */
export function pruneLogs(logDir: string, current: number): void {
  let names: string[];
  try {
    names = readdirSync(logDir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^(\d+)\.(log|stdout\.raw|stderr\.raw)(.*)$/.exec(n);
    if (m === null) continue;
    const run = Number(m[1]);
    const log = m[2] === 'log';
    if (m[3] !== '' && !(log && isRotatedLog(n, `${run}.log`))) continue;
    if ((log && run < current - 1) || (!log && run < current)) {
      try {
        rmSync(join(logDir, n), { force: true });
      } catch {
        // e.g. a directory in the way
      }
    }
  }
}

/**
 * Stops a run: the preStop hook (within the grace period), SIGTERM to its group, SIGKILL once the
 * grace period is over; resolves when it is gone. `watch` starts polling a re-adopted pid.
 */
export async function stopRun(r: Run, o: { readonly graceSeconds: number; readonly preStop: ProbeContext; readonly current: () => boolean; readonly watch: () => void }): Promise<void> {
  const deadline = Date.now() + Math.max(0, o.graceSeconds) * 1000;
  const hook = o.preStop.container.lifecycle?.preStop?.exec?.command;
  if (hook !== undefined && hook.length > 0 && o.graceSeconds > 0) await execProbe(hook, o.preStop, deadline - Date.now());
  const signal = (sig: 'SIGTERM' | 'SIGKILL'): void => {
    if (!o.current() || (r.adopted && !processAlive(r.pid, r.pidStart, r.bootId))) return;
    r.sent = sig;
    killGroup(r.pid, sig);
  };
  signal('SIGTERM');
  if (r.adopted) o.watch();
  const t = setTimeout(() => signal('SIGKILL'), Math.max(0, deadline - Date.now()));
  // The process and the pid poll are unref'd (pods outlive edgecore); waiting for the end must not let the loop exit.
  const keepAlive = setInterval(() => undefined, 1000);
  await r.exited;
  clearTimeout(t);
  clearInterval(keepAlive);
  killGroup(r.pid, 'SIGKILL');
}

/**
 * Every `ms`, copies the run's new output into its CRI log and calls `saved` when the offsets moved.
 * A failure (a full disk) goes to `warn` once per new error, never out of the timer.
 */
export function copyLogEvery(r: Run, ms: number, saved: () => void, warn: (err: string) => void): void {
  const t = setInterval(() => {
    try {
      if (r.tail.poll()) saved();
      r.logError = undefined;
    } catch (err) {
      if (r.logError !== errorMessage(err)) warn(errorMessage(err));
      r.logError = errorMessage(err);
    }
  }, ms);
  t.unref();
  r.timers.push(t);
}

/** Every `ms`, ends a run that is not our child once its process is gone (exit code unknown unless we killed it). */
export function pollPid(r: Run, ms: number, guarded: (fn: () => void) => void): void {
  const t = setInterval(() => {
    guarded(() => {
      if (processAlive(r.pid, r.pidStart, r.bootId)) return;
      if (r.sent === undefined) r.end(137, 'ContainerStatusUnknown');
      else r.end(r.sent === 'SIGKILL' ? 137 : 143);
    });
  }, ms);
  t.unref();
  r.timers.push(t);
}
