/**
 * Supervises one container as a host process: spawns it detached in its own process group (output
 * to raw files it holds, tailed into the CRI log), restarts it per restartPolicy with kubelet's
 * CrashLoopBackOff, runs its startup/readiness/liveness probes and preStop hook, and keeps its state
 * in `<podDir>/state/<name>.json` so a later runtime re-adopts the running process (`saved`).
 * A re-adopted process is not our child: its end is found by polling and its exit code is unknown
 * (terminated, reason ContainerStatusUnknown, exit code 137, as kubelet reports a lost container).
 * No error from the file system (ENOSPC, EIO...) may escape a timer or callback: it would end edgecore.
 * Each entry point catches and logs; a run that cannot be started (its log files cannot be opened)
 * waits as RunContainerError and is retried after the back-off.
 */
import { join } from 'node:path';
import { errorMessage } from '../../../base/index.js';
import type { ContainerState } from '../runtime.js';
import { rfc3339 } from '../time.js';
import type { ContainerProcess, ContainerProcessOptions, Prepared, Run } from './container-types.js';
import { createLogTail, DEFAULT_LOG_LIMITS, type LogTail } from './cri-log.js';
import { killGroup } from './probe.js';
import { startProbes } from './probe-loop.js';
import { copyLogEvery, exitCodeOf, goDuration, pollPid, pruneLogs, spawnDetached, stopRun } from './run-helpers.js';
import { currentBootId, procStartTime, processAlive, writeSaved, type LogOffsets, type SavedContainer, type SavedRun } from './saved-state.js';

/** How often the raw output is copied into the CRI log, and how often a re-adopted pid is checked. */
const LOG_POLL_MS = 200;
const PID_POLL_MS = 1000;
const PID_POLL_KILLING_MS = 50;

export function createContainerProcess(o: ContainerProcessOptions): ContainerProcess {
  const { spec, clock, saved } = o;
  const name = spec.name;
  const cwd = join(o.podDir, 'containers', name);
  const logDir = join(o.podDir, 'logs', name);
  const statePath = join(o.podDir, 'state', `${name}.json`);
  const limits = o.logLimits ?? DEFAULT_LOG_LIMITS;
  let restarts = saved?.restartCount ?? 0;
  let containerID = saved?.containerID ?? `process://${o.podDir}/${name}/0`;
  let state: ContainerState = saved?.state ?? { waiting: { reason: 'ContainerCreating' } };
  let last = saved?.lastState;
  let finished = saved?.done ?? false;
  let backoffMs = saved !== undefined && saved.backoffMs > 0 ? saved.backoffMs : o.backoff.initialMs;
  let backoffAt = saved?.backoffAt ?? 0;
  let restartAt = saved?.restartAt;
  let resumeFrom = saved;
  let cur: Run | undefined;
  let launched = false;
  /** Inside start(): a state change it reports must not start it again (CreateContainerConfigError). */
  let starting = false;
  let stopped = false;
  let detached = false;
  let timers: { cancel(): void }[] = [];

  const logBase = (): string => join(logDir, String(restarts));
  const tailOf = (from: LogOffsets): LogTail => createLogTail(logBase(), join(logDir, `${restarts}.log`), from, () => Date.now(), limits);
  /** Runs a timer or callback body: an error is logged, never thrown into the event loop. */
  const guarded = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      o.log.warn({ container: name, err: errorMessage(err) }, what);
    }
  };
  const persist = (): void => {
    const run: SavedRun | undefined =
      cur === undefined
        ? undefined
        : { pid: cur.pid, startedAt: cur.startedAt, offsets: cur.tail.offsets(), ...(cur.pidStart === undefined ? {} : { pidStart: cur.pidStart }), ...(cur.bootId === undefined ? {} : { bootId: cur.bootId }) };
    const s: SavedContainer = { restartCount: restarts, containerID, state, done: finished, backoffMs, backoffAt, ...(run === undefined ? {} : { run }), ...(last === undefined ? {} : { lastState: last }), ...(restartAt === undefined ? {} : { restartAt }) };
    try {
      writeSaved(statePath, s);
    } catch (err) {
      o.log.warn({ container: name, err: errorMessage(err) }, 'container state not saved');
    }
  };
  const set = (s: ContainerState): void => {
    state = s;
    persist();
    o.onChange();
  };
  const cancelTimers = (): void => {
    for (const t of timers) t.cancel();
    timers = [];
  };
  const schedule = (fn: () => void, ms: number): void => {
    const t = clock.setTimeout(() => {
      timers = timers.filter((x) => x !== t);
      guarded('container timer failed', fn);
    }, ms);
    timers.push(t);
  };

  const onExit = (startedAt: string, code: number, reason?: string): void => {
    const now = clock.now();
    const term: ContainerState = { terminated: { exitCode: code, reason: reason ?? (code === 0 ? 'Completed' : 'Error'), startedAt, finishedAt: rfc3339(now), containerID } };
    const again = !stopped && (o.restartPolicy === 'Always' || (o.restartPolicy === 'OnFailure' && code !== 0));
    if (!again) {
      finished = true;
      set(term);
      return;
    }
    const delay = nextDelay(now);
    last = term;
    o.log.info({ container: name, exitCode: code, delayMs: delay }, 'container exited; restarting after backoff');
    waitRestart(delay, now + delay);
  };

  /** The next back-off delay; kubelet forgets the back-off of a container that ran longer than twice the maximum. */
  const nextDelay = (now: number): number => {
    if (backoffAt !== 0 && now - backoffAt > 2 * o.backoff.maxMs) backoffMs = o.backoff.initialMs;
    const delay = backoffMs;
    backoffMs = Math.min(backoffMs * 2, o.backoff.maxMs);
    backoffAt = now;
    return delay;
  };

  /** The run could not be started (kubelet: RunContainerError); it counts as a failed run. */
  const startFailed = (startedAt: string, err: unknown): void => {
    o.log.warn({ container: name, err: errorMessage(err) }, 'container failed to start');
    if (stopped || o.restartPolicy === 'Never') {
      finished = true;
      set({ terminated: { exitCode: 128, reason: 'StartError', startedAt, finishedAt: rfc3339(clock.now()), containerID } });
      return;
    }
    const now = clock.now();
    const delay = nextDelay(now);
    waitRestart(delay, now + delay, { waiting: { reason: 'RunContainerError', message: errorMessage(err) } });
  };

  const waitRestart = (delay: number, at: number, waiting?: ContainerState): void => {
    restartAt = at;
    set(waiting ?? { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${goDuration(delay)} restarting failed container=${name} pod=${o.podRef}` } });
    schedule(() => {
      restartAt = undefined;
      restarts += 1;
      run();
    }, delay);
  };

  /** Watches a process (spawned or re-adopted): log copying, probes, pid polling for adopted ones. */
  const begin = (pid: number, ids: { readonly pidStart: string | undefined; readonly bootId: string | undefined }, startedAt: string, env: Readonly<Record<string, string>>, offsets: LogOffsets, adopted: boolean): Run => {
    let settle = (): void => undefined;
    const exited = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const r: Run = {
      pid,
      pidStart: ids.pidStart,
      bootId: ids.bootId,
      startedAt,
      env,
      adopted,
      tail: tailOf(offsets),
      exited,
      timers: [],
      logError: undefined,
      sent: undefined,
      started: false,
      ready: false,
      end(code, reason) {
        if (cur !== r || detached) return;
        for (const t of r.timers) clearInterval(t);
        cancelTimers();
        guarded('container log not copied', () => r.tail.finish());
        cur = undefined;
        try {
          onExit(startedAt, code, reason);
        } finally {
          settle();
        }
      },
    };
    cur = r;
    copyLogEvery(r, LOG_POLL_MS, persist, (err) => o.log.warn({ container: name, err }, 'container log not copied'));
    if (adopted) watchPid(r, PID_POLL_MS);
    const current = (): boolean => cur === r && !stopped && !detached;
    if (o.init) {
      r.started = true;
      r.ready = true;
    } else {
      startProbes({
        ctx: { cwd, env, container: spec },
        schedule,
        current,
        onStarted: () => {
          r.started = true;
          guarded('container change not handled', o.onChange);
        },
        onReady: (ready) => {
          r.ready = ready;
          guarded('container change not handled', o.onChange);
        },
        onUnhealthy: (kind) => {
          o.log.info({ container: name, pid, probe: kind }, 'probe failed; killing container');
          r.sent = 'SIGKILL';
          killGroup(pid, 'SIGKILL');
        },
      });
    }
    set({ running: { startedAt } });
    return r;
  };

  /** Polls a process that is not our child; its exit code is unknown unless we killed it. */
  const watchPid = (r: Run, ms: number): void => {
    pollPid(r, ms, (fn) => guarded('container end not handled', fn));
  };

  const run = (): void => {
    if (stopped || detached) return;
    let prep: Prepared;
    try {
      prep = o.prepare();
    } catch (err) {
      prep = { error: errorMessage(err) };
    }
    if ('error' in prep) {
      // retried by the next start() (syncPod); the state is only reported when it changed
      launched = false;
      const same = 'waiting' in state && state.waiting.reason === 'CreateContainerConfigError' && state.waiting.message === prep.error;
      if (!same) set({ waiting: { reason: 'CreateContainerConfigError', message: prep.error } });
      return;
    }
    if (prep.argv === undefined || prep.argv.length === 0) {
      finished = true;
      set({ waiting: { reason: 'CommandRequired' } });
      return;
    }
    pruneLogs(logDir, restarts);
    const startedAt = rfc3339(clock.now());
    let p: ReturnType<typeof spawnDetached>;
    try {
      p = spawnDetached(prep.argv, cwd, prep.env, logBase());
    } catch (err) {
      startFailed(startedAt, err);
      return;
    }
    if (p?.pid === undefined) {
      o.log.warn({ container: name, command: prep.argv[0] }, 'container failed to start');
      guarded('container log not copied', () => tailOf({ stdout: 0, stderr: 0 }).finish());
      onExit(startedAt, 127);
      return;
    }
    containerID = `process://${o.podDir}/${name}/${p.pid}`;
    const r = begin(p.pid, { pidStart: procStartTime(p.pid), bootId: currentBootId() }, startedAt, prep.env, { stdout: 0, stderr: 0 }, false);
    p.on('exit', (code, signal) => guarded('container end not handled', () => r.end(exitCodeOf(code, signal))));
  };

  const resume = (s: SavedContainer): void => {
    if (s.run !== undefined) {
      if (processAlive(s.run.pid, s.run.pidStart, s.run.bootId)) {
        const prep = o.prepare();
        const env = 'error' in prep ? {} : prep.env;
        o.log.info({ container: name, pid: s.run.pid }, 'container re-adopted');
        begin(s.run.pid, { pidStart: s.run.pidStart, bootId: s.run.bootId }, s.run.startedAt, env, s.run.offsets, true);
        return;
      }
      o.log.info({ container: name, pid: s.run.pid }, 'container ended while unwatched');
      const from = s.run.offsets;
      guarded('container log not copied', () => tailOf(from).finish());
      onExit(s.run.startedAt, 137, 'ContainerStatusUnknown');
    } else if (s.restartAt !== undefined) {
      const delay = Math.max(0, s.restartAt - clock.now());
      waitRestart(delay, s.restartAt);
    } else if (!s.done) {
      run();
    }
  };

  return {
    name,
    get containerID() {
      return containerID;
    },
    state: () => state,
    lastState: () => last,
    ready: () => cur?.ready === true && 'running' in state,
    started: () => cur?.started === true && 'running' in state,
    restartCount: () => restarts,
    done: () => finished,
    logPath: () => join(logDir, `${restarts}.log`),
    start() {
      if (stopped || detached || launched || finished || starting) return;
      launched = true;
      starting = true;
      try {
        const s = resumeFrom;
        resumeFrom = undefined;
        if (s !== undefined) resume(s);
        else run();
      } catch (err) {
        // retried by the next syncPod
        launched = false;
        o.log.warn({ container: name, err: errorMessage(err) }, 'container not started');
      } finally {
        starting = false;
      }
    },
    async kill(graceSeconds) {
      stopped = true;
      cancelTimers();
      restartAt = undefined;
      const r = cur;
      if (r === undefined) {
        finished = true;
        if (!('terminated' in state)) {
          const now = rfc3339(clock.now());
          set(last ?? { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now, containerID } });
        } else persist();
        return;
      }
      await stopRun(r, {
        graceSeconds,
        preStop: { cwd, env: r.env, container: spec },
        current: () => cur === r,
        watch: () => watchPid(r, PID_POLL_KILLING_MS),
      });
    },
    detach() {
      if (cur !== undefined) {
        for (const t of cur.timers) clearInterval(t);
        const tail = cur.tail;
        guarded('container log not copied', () => tail.poll());
      }
      persist();
      detached = true;
      cancelTimers();
    },
  };
}
