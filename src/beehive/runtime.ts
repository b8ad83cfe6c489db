import { KeError, backoff, errorMessage, systemClock, type Clock } from '../base/index.js';
import type { Logger } from '../platform/log/index.js';
import { startOrder } from './order.js';
import { Router } from './router.js';
import { BeehiveErrorCode, type Module, type ModuleContext, type RoutedMessage } from './types.js';

export interface RuntimeOptions<M extends RoutedMessage> {
  /** Listed explicitly by the binary; started in dependency order, ties in listed order. */
  modules: readonly Module<M>[];
  log: Logger;
  /** Default: a new Router with the same clock. */
  router?: Router<M>;
  clock?: Clock;
  /** Deadline for each `start` (default 30 s). */
  startTimeoutMs?: number;
  /** Deadline for each `stop` (default 10 s). */
  stopTimeoutMs?: number;
  /** Randomness for backoff jitter (tests pin it). */
  random?: () => number;
  /** Called when a module failed and will not be restarted (policy 'never' or max restarts reached). */
  onGiveUp?: (name: string, err: unknown) => void;
}

export type ModuleState = 'idle' | 'starting' | 'running' | 'restarting' | 'failed' | 'stopping' | 'stopped';

export interface Runtime<M extends RoutedMessage> {
  readonly router: Router<M>;
  /** Start order (dependencies first). */
  readonly order: readonly string[];
  /** Starts every module in order; on a failure stops those already started (reverse) and rejects. */
  start(): Promise<void>;
  /** Stops started modules in reverse order, each with a deadline; never rejects, returns the errors. */
  stop(): Promise<{ name: string; error: unknown }[]>;
  state(name: string): ModuleState | undefined;
  restarts(name: string): number;
}

interface Slot<M extends RoutedMessage> {
  readonly module: Module<M>;
  readonly log: Logger;
  state: ModuleState;
  controller: AbortController;
  restarts: number;
  timer: { cancel(): void } | undefined;
  /** The stop of the current incarnation, once begun; cleared by the next start. */
  halting: Promise<void> | undefined;
}

/** Races `p` against a clock-driven deadline. */
function deadline<T>(p: Promise<T>, ms: number, clock: Clock, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = clock.setTimeout(() => reject(onTimeout()), ms);
    p.then(
      (v) => {
        t.cancel();
        resolve(v);
      },
      (e: unknown) => {
        t.cancel();
        reject(e);
      },
    );
  });
}

/** Rejects with the signal's reason once it aborts (never settles otherwise). */
function abortion(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

export function createRuntime<M extends RoutedMessage = RoutedMessage>(opts: RuntimeOptions<M>): Runtime<M> {
  const clock = opts.clock ?? systemClock;
  const router = opts.router ?? new Router<M>({ clock });
  const startTimeoutMs = opts.startTimeoutMs ?? 30_000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 10_000;
  const ordered = startOrder(opts.modules);
  const slots = new Map<string, Slot<M>>();
  const started: Slot<M>[] = [];
  let stopping = false;

  for (const m of ordered) {
    slots.set(m.name, {
      module: m,
      log: opts.log.child({ module: m.name }),
      state: 'idle',
      controller: new AbortController(),
      restarts: 0,
      timer: undefined,
      halting: undefined,
    });
  }

  const contextFor = (slot: Slot<M>): ModuleContext<M> => {
    const controller = slot.controller;
    const handle = router.handle(slot.module.name, controller.signal);
    return {
      ...handle,
      name: slot.module.name,
      group: slot.module.group,
      log: slot.log,
      signal: controller.signal,
      fail: (err) => {
        // A stale context (from before a restart) cannot fail the new incarnation.
        if (slot.controller === controller) onFailure(slot, err);
      },
    };
  };

  const startOne = async (slot: Slot<M>): Promise<void> => {
    const controller = new AbortController();
    slot.controller = controller;
    slot.halting = undefined;
    slot.state = 'starting';
    const name = slot.module.name;
    try {
      await deadline(
        Promise.race([Promise.resolve().then(() => slot.module.start(contextFor(slot))), abortion(controller.signal)]),
        startTimeoutMs,
        clock,
        () => new KeError(BeehiveErrorCode.startTimeout, `module ${name} not ready within ${startTimeoutMs} ms`, { details: { module: name, timeoutMs: startTimeoutMs } }),
      );
    } catch (err) {
      controller.abort(err);
      throw err;
    }
    // Failed (ctx.fail) or stopped while starting: the start does not count as ready.
    if (controller.signal.aborted) throw controller.signal.reason;
    slot.state = 'running';
  };

  const stopOne = (slot: Slot<M>): Promise<void> => {
    if (slot.halting !== undefined) return slot.halting;
    const name = slot.module.name;
    slot.controller.abort(new KeError(BeehiveErrorCode.stopped, `module ${name} stopped`, { details: { module: name } }));
    slot.halting = deadline(
      Promise.resolve().then(() => slot.module.stop()),
      stopTimeoutMs,
      clock,
      () => new KeError(BeehiveErrorCode.stopTimeout, `module ${name} did not stop within ${stopTimeoutMs} ms`, { details: { module: name, timeoutMs: stopTimeoutMs } }),
    );
    return slot.halting;
  };

  const giveUp = (slot: Slot<M>, err: unknown): void => {
    slot.state = 'failed';
    slot.log.error({ err: errorMessage(err), restarts: slot.restarts }, 'module failed; not restarting');
    opts.onGiveUp?.(slot.module.name, err);
  };

  const onFailure = (slot: Slot<M>, err: unknown): void => {
    if (stopping || slot.state === 'restarting' || slot.state === 'failed' || slot.state === 'stopped') return;
    if (slot.state === 'starting') {
      // startOne rejects with `err`; whoever awaits it (start() or a restart) handles the failure.
      slot.controller.abort(err);
      return;
    }
    slot.state = 'restarting';
    slot.log.warn({ err: errorMessage(err) }, 'module failed');
    void stopOne(slot)
      .catch((stopErr: unknown) => slot.log.warn({ err: errorMessage(stopErr) }, 'module stop after failure failed'))
      .then(() => scheduleRestart(slot, err));
  };

  const scheduleRestart = (slot: Slot<M>, err: unknown): void => {
    if (stopping) return;
    const policy = slot.module.restart ?? { kind: 'never' };
    if (policy.kind === 'never' || slot.restarts >= policy.maxRestarts) {
      giveUp(slot, err);
      return;
    }
    const bo: { baseMs?: number; maxMs?: number; random?: () => number } = {};
    if (policy.baseMs !== undefined) bo.baseMs = policy.baseMs;
    if (policy.maxMs !== undefined) bo.maxMs = policy.maxMs;
    if (opts.random !== undefined) bo.random = opts.random;
    const delay = backoff(slot.restarts, bo);
    slot.restarts++;
    slot.log.info({ attempt: slot.restarts, delayMs: delay }, 'module restart scheduled');
    slot.timer = clock.setTimeout(() => {
      slot.timer = undefined;
      if (stopping) return;
      startOne(slot).then(
        () => slot.log.info({ attempt: slot.restarts }, 'module restarted'),
        (startErr: unknown) => {
          slot.state = 'restarting';
          slot.log.warn({ err: errorMessage(startErr) }, 'module restart failed');
          void stopOne(slot)
            .catch((stopErr: unknown) => slot.log.warn({ err: errorMessage(stopErr) }, 'module stop after failure failed'))
            .then(() => scheduleRestart(slot, startErr));
        },
      );
    }, delay);
  };

  const stop = async (): Promise<{ name: string; error: unknown }[]> => {
    stopping = true;
    const errors: { name: string; error: unknown }[] = [];
    for (const slot of [...started].reverse()) {
      slot.timer?.cancel();
      slot.timer = undefined;
      if (slot.state === 'stopped') continue;
      slot.state = 'stopping';
      try {
        await stopOne(slot);
      } catch (error) {
        errors.push({ name: slot.module.name, error });
        slot.log.warn({ err: errorMessage(error) }, 'module stop failed');
      }
      slot.state = 'stopped';
    }
    router.close();
    return errors;
  };

  return {
    router,
    order: ordered.map((m) => m.name),
    async start() {
      for (const m of ordered) if (!router.has(m.name)) router.addInbox(m.name, m.group);
      for (const m of ordered) {
        const slot = slots.get(m.name) as Slot<M>;
        if (stopping) break;
        try {
          started.push(slot);
          await startOne(slot);
          slot.log.info('module started');
        } catch (err) {
          slot.state = 'failed';
          slot.log.error({ err: errorMessage(err) }, 'module start failed');
          await stop();
          throw new KeError(BeehiveErrorCode.startFailed, `module ${m.name} failed to start: ${errorMessage(err)}`, {
            cause: err,
            details: { module: m.name },
          });
        }
      }
    },
    stop,
    state: (name) => slots.get(name)?.state,
    restarts: (name) => slots.get(name)?.restarts ?? 0,
  };
}
