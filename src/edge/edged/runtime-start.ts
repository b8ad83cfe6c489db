/**
 * Starts the pod runtime, retrying with backoff while it is not there (containerd may start after
 * edgecore); the node is reported with a not-ready runtime meanwhile.
 */
import { backoff, errorMessage } from '../../base/index.js';
import type { EdgedEnv } from './env.js';
import type { PodRuntime } from './runtime.js';
import { Waker } from './wake.js';

export async function startRuntime(rt: PodRuntime, env: EdgedEnv, onReady: () => void): Promise<void> {
  const waker = new Waker(env.clock, env.ctx.signal);
  for (let attempt = 0; !env.ctx.signal.aborted; attempt++) {
    try {
      await rt.start();
      env.log.info({ runtime: rt.name, version: rt.version() }, 'pod runtime ready');
      onReady();
      return;
    } catch (err) {
      const delay = backoff(attempt, { baseMs: 1000, maxMs: 30_000 });
      env.log.warn({ runtime: rt.name, err: errorMessage(err), retryMs: delay }, 'pod runtime not ready');
      await waker.wait(delay);
    }
  }
}
