/**
 * Probe workers, one per running app container (kubelet's prober): startup first, then liveness and
 * readiness, each on its own period with initialDelaySeconds, timeoutSeconds, successThreshold and
 * failureThreshold. Exec probes run through CRI ExecSync; network probes go to the pod IP (the node
 * for host-network pods). A container without a readiness probe is ready once started.
 */
import type { Clock } from '../../../base/index.js';
import type { V1Container } from '../../../kube/client/index.js';
import type { CriClient } from '../../../platform/cri/client.js';
import { runProbe, type V1Probe } from '../probe.js';

type Kind = 'startup' | 'liveness' | 'readiness';

export interface ProbeDeps {
  readonly clock: Clock;
  readonly client: CriClient;
  /** A probe result changed what the pod reports. */
  readonly onChange: (uid: string) => void;
  /** Liveness or startup failed: the container must be killed (and restarted per restartPolicy). */
  readonly onFailure: (uid: string, containerId: string, kind: 'liveness' | 'startup', probe: V1Probe) => void;
}

interface Worker {
  readonly uid: string;
  ready: boolean;
  started: boolean;
  stopped: boolean;
  readonly timers: Set<{ cancel(): void }>;
}

export function execProbe(client: CriClient, containerId: string) {
  return async (cmd: readonly string[], timeoutMs: number): Promise<boolean> => {
    try {
      const r = await client.execSync(containerId, [...cmd], Math.max(1, Math.ceil(timeoutMs / 1000)), { timeoutMs: timeoutMs + 5000 });
      return r.exitCode === 0;
    } catch {
      return false;
    }
  };
}

export class ProbeManager {
  private readonly workers = new Map<string, Worker>();
  /** Set by stopAll(): no worker starts again. */
  private closed = false;

  constructor(private readonly d: ProbeDeps) {}

  ready(containerId: string): boolean {
    return this.workers.get(containerId)?.ready ?? false;
  }

  started(containerId: string): boolean {
    return this.workers.get(containerId)?.started ?? false;
  }

  has(containerId: string): boolean {
    return this.workers.has(containerId);
  }

  /** How many workers run (all of them after stopAll(): 0). */
  get size(): number {
    return this.workers.size;
  }

  /** Starts a worker for a container that just runs (no-op when it has one). */
  ensure(uid: string, containerId: string, spec: V1Container, host: string): void {
    if (this.closed || this.workers.has(containerId)) return;
    const w: Worker = { uid, ready: spec.readinessProbe === undefined && spec.startupProbe === undefined, started: spec.startupProbe === undefined, stopped: false, timers: new Set() };
    this.workers.set(containerId, w);
    const target = { host, container: spec, exec: execProbe(this.d.client, containerId) };
    const loop = (kind: Kind, p: V1Probe, then?: () => void): void => {
      const periodMs = Math.max(1, p.periodSeconds ?? 10) * 1000;
      const failureThreshold = Math.max(1, p.failureThreshold ?? 3);
      const successThreshold = Math.max(1, p.successThreshold ?? 1);
      let failures = 0;
      let successes = 0;
      const tick = (): void => {
        if (w.stopped) return;
        void runProbe(p, target).then((ok) => {
          if (w.stopped) return;
          successes = ok ? successes + 1 : 0;
          failures = ok ? 0 : failures + 1;
          if (kind === 'readiness') {
            const next = successes >= successThreshold ? true : failures >= failureThreshold ? false : w.ready;
            if (next !== w.ready) {
              w.ready = next;
              this.d.onChange(uid);
            }
          } else if (kind === 'startup' && successes >= 1) {
            w.started = true;
            if (spec.readinessProbe === undefined) w.ready = true;
            this.d.onChange(uid);
            then?.();
            return;
          } else if (failures >= failureThreshold) {
            this.stop(containerId);
            this.d.onFailure(uid, containerId, kind === 'startup' ? 'startup' : 'liveness', p);
            return;
          }
          schedule(tick, periodMs);
        });
      };
      schedule(tick, Math.max(0, p.initialDelaySeconds ?? 0) * 1000);
    };
    const schedule = (fn: () => void, ms: number): void => {
      const t = this.d.clock.setTimeout(() => {
        w.timers.delete(t);
        fn();
      }, ms);
      w.timers.add(t);
    };
    const afterStartup = (): void => {
      if (spec.livenessProbe !== undefined) loop('liveness', spec.livenessProbe);
      if (spec.readinessProbe !== undefined) loop('readiness', spec.readinessProbe);
    };
    if (spec.startupProbe !== undefined) loop('startup', spec.startupProbe, afterStartup);
    else afterStartup();
  }

  stop(containerId: string): void {
    const w = this.workers.get(containerId);
    if (w === undefined) return;
    w.stopped = true;
    for (const t of w.timers) t.cancel();
    this.workers.delete(containerId);
  }

  /** Stops the workers of a pod except those of `keep` (its containers still running). */
  retain(uid: string, keep: ReadonlySet<string>): void {
    for (const [id, w] of this.workers) if (w.uid === uid && !keep.has(id)) this.stop(id);
  }

  /** Stops every worker for good (ensure() is a no-op afterwards). */
  stopAll(): void {
    this.closed = true;
    for (const id of [...this.workers.keys()]) this.stop(id);
  }
}
