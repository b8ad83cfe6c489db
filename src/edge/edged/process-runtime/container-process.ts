/**
 * Supervises one container as a host process: spawns it detached in its own process group, writes
 * its CRI log, restarts it per restartPolicy with CrashLoopBackOff-style backoff, and runs its
 * liveness/readiness probes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../../base/index.js';
import type { V1Container } from '../../../kube/client/index.js';

type V1Probe = NonNullable<V1Container['livenessProbe']>;
import type { Logger } from '../../../platform/log/index.js';
import type { ContainerState } from '../runtime.js';
import { rfc3339 } from '../time.js';
import { openCriLog } from './cri-log.js';
import { expand } from './container-env.js';
import { killGroup, runProbe } from './probe.js';

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 10_000, maxMs: 300_000 };

export interface ContainerProcessOptions {
  readonly spec: V1Container;
  readonly podDir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly restartPolicy: RestartPolicy;
  readonly clock: Clock;
  readonly backoff: Backoff;
  readonly log: Logger;
  readonly onChange: () => void;
  /** Probes are ignored for init containers. */
  readonly init: boolean;
}

export interface ContainerProcess {
  readonly name: string;
  readonly containerID: string;
  state(): ContainerState;
  ready(): boolean;
  restartCount(): number;
  /** True when it ended and will not be started again. */
  done(): boolean;
  start(): void;
  /** SIGTERM the group, SIGKILL after the grace period; resolves once the process is gone. */
  kill(graceSeconds: number): Promise<void>;
}

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal === null ? undefined : constants.signals[signal];
  return 128 + (n ?? 9);
}

export function createContainerProcess(o: ContainerProcessOptions): ContainerProcess {
  const { spec, clock } = o;
  const cwd = join(o.podDir, 'containers', spec.name);
  const logPath = join(o.podDir, 'logs', spec.name, '0.log');
  let containerID = `process://${o.podDir}/${spec.name}/0`;
  let state: ContainerState = { waiting: { reason: 'ContainerCreating' } };
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let restarts = 0;
  let isReady = false;
  let stopped = false;
  let finished = false;
  let launched = false;
  let timers: { cancel(): void }[] = [];
  let backoffMs = o.backoff.initialMs;

  const set = (s: ContainerState): void => {
    state = s;
    o.onChange();
  };
  const cancelTimers = (): void => {
    for (const t of timers) t.cancel();
    timers = [];
  };

  const schedule = (fn: () => void, ms: number): void => {
    const t = clock.setTimeout(() => {
      timers = timers.filter((x) => x !== t);
      fn();
    }, ms);
    timers.push(t);
  };

  const probeLoop = (p: V1Probe, kind: 'liveness' | 'readiness', pid: number): void => {
    const periodMs = (p.periodSeconds ?? 10) * 1000;
    const threshold = p.failureThreshold ?? 3;
    let failures = 0;
    const tick = (): void => {
      if (child?.pid !== pid || stopped) return;
      void runProbe(p, { cwd, env: o.env, container: spec }).then((ok) => {
        if (child?.pid !== pid || stopped) return;
        failures = ok ? 0 : failures + 1;
        if (kind === 'readiness') {
          const next = ok ? true : failures >= threshold ? false : isReady;
          if (next !== isReady) {
            isReady = next;
            o.onChange();
          }
        } else if (failures >= threshold) {
          o.log.info({ container: spec.name, pid }, 'liveness probe failed; killing container');
          killGroup(pid, 'SIGKILL');
          return;
        }
        schedule(tick, periodMs);
      });
    };
    schedule(tick, (p.initialDelaySeconds ?? 0) * 1000);
  };

  const onExit = (startedAt: string, code: number): void => {
    child = undefined;
    isReady = false;
    cancelTimers();
    const reason = code === 0 ? 'Completed' : 'Error';
    const again = !stopped && (o.restartPolicy === 'Always' || (o.restartPolicy === 'OnFailure' && code !== 0));
    finished = !again;
    set({ terminated: { exitCode: code, reason, startedAt, finishedAt: rfc3339(clock.now()), containerID } });
    if (!again) return;
    const delay = backoffMs;
    backoffMs = Math.min(backoffMs * 2, o.backoff.maxMs);
    o.log.info({ container: spec.name, exitCode: code, delayMs: delay }, 'container exited; restarting after backoff');
    schedule(() => {
      restarts += 1;
      run();
    }, delay);
  };

  const run = (): void => {
    if (stopped) return;
    const env = o.env;
    const argv = [...(spec.command ?? []), ...(spec.args ?? [])].map((a) => expand(a, env));
    const [file, ...args] = argv;
    if (spec.command === undefined || spec.command.length === 0 || file === undefined) {
      finished = true;
      set({ waiting: { reason: 'CommandRequired' } });
      return;
    }
    mkdirSync(cwd, { recursive: true });
    const startedAt = rfc3339(clock.now());
    const logs = openCriLog(logPath, () => Date.now());
    let p: ChildProcess;
    try {
      p = spawn(file, args, { cwd, env: { ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      void logs.close();
      o.log.warn({ container: spec.name, err }, 'container failed to start');
      onExit(startedAt, 127);
      return;
    }
    child = p;
    let settle = (): void => undefined;
    exited = new Promise((resolve) => {
      settle = resolve;
    });
    if (p.stdout !== null) logs.attach(p.stdout, 'stdout');
    if (p.stderr !== null) logs.attach(p.stderr, 'stderr');
    let spawned = false;
    p.on('spawn', () => {
      spawned = true;
      if (p.pid !== undefined) containerID = `process://${o.podDir}/${spec.name}/${p.pid}`;
      isReady = o.init || spec.readinessProbe === undefined;
      set({ running: { startedAt } });
      if (p.pid !== undefined && !o.init) {
        if (spec.readinessProbe !== undefined) probeLoop(spec.readinessProbe, 'readiness', p.pid);
        if (spec.livenessProbe !== undefined) probeLoop(spec.livenessProbe, 'liveness', p.pid);
      }
    });
    let ended = false;
    const end = (code: number): void => {
      if (ended) return;
      ended = true;
      onExit(startedAt, code);
      settle();
    };
    p.on('error', (err) => {
      if (spawned) return;
      o.log.warn({ container: spec.name, err: err.message }, 'container failed to start');
      end(127);
    });
    p.on('exit', (code, signal) => end(exitCodeOf(code, signal)));
    p.on('close', () => void logs.close());
  };

  return {
    name: spec.name,
    get containerID() {
      return containerID;
    },
    state: () => state,
    ready: () => isReady,
    restartCount: () => restarts,
    done: () => finished,
    start() {
      if (stopped || launched) return;
      launched = true;
      run();
    },
    async kill(graceSeconds) {
      stopped = true;
      cancelTimers();
      const p = child;
      if (p?.pid === undefined) {
        finished = true;
        if (!('terminated' in state)) {
          const now = rfc3339(clock.now());
          set({ terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now, containerID } });
        }
        return;
      }
      const pid = p.pid;
      killGroup(pid, 'SIGTERM');
      const t = setTimeout(() => killGroup(pid, 'SIGKILL'), Math.max(0, graceSeconds) * 1000);
      await exited;
      clearTimeout(t);
      killGroup(pid, 'SIGKILL');
    },
  };
}
