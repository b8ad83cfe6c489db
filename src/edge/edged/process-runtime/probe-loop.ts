/**
 * The probes of one container run, as kubelet's prober workers: the startup probe first (until it
 * passes; failureThreshold failures make the container unhealthy), then readiness and liveness.
 */
import type { V1Probe } from '../probe.js';
import { runProbe, type ProbeContext } from './probe.js';

export interface ProbeLoopOptions {
  readonly ctx: ProbeContext;
  /** Runs `fn` after `ms` on the runtime's clock (cancelled with the run). */
  readonly schedule: (fn: () => void, ms: number) => void;
  /** False once the run these probes belong to is over. */
  readonly current: () => boolean;
  readonly onStarted: () => void;
  readonly onReady: (ready: boolean) => void;
  readonly onUnhealthy: (kind: 'startup' | 'liveness') => void;
}

type Kind = 'startup' | 'readiness' | 'liveness';

export function startProbes(o: ProbeLoopOptions): void {
  const spec = o.ctx.container;
  const loop = (p: V1Probe, kind: Kind, onPass?: () => void): void => {
    const periodMs = (p.periodSeconds ?? 10) * 1000;
    const threshold = p.failureThreshold ?? 3;
    const successes = kind === 'readiness' ? (p.successThreshold ?? 1) : 1;
    let failures = 0;
    let passes = 0;
    let ready = false;
    const tick = (): void => {
      if (!o.current()) return;
      void runProbe(p, o.ctx)
        .catch(() => false)
        .then((ok) => {
          if (!o.current()) return;
          failures = ok ? 0 : failures + 1;
          passes = ok ? passes + 1 : 0;
          if (kind === 'startup' && ok) {
            onPass?.();
            return;
          }
          if (kind === 'readiness') {
            const next = passes >= successes ? true : failures >= threshold ? false : ready;
            if (next !== ready) {
              ready = next;
              o.onReady(ready);
            }
          } else if (failures >= threshold) {
            o.onUnhealthy(kind);
            return;
          }
          o.schedule(tick, periodMs);
        });
    };
    o.schedule(tick, (p.initialDelaySeconds ?? 0) * 1000);
  };
  const afterStartup = (): void => {
    o.onStarted();
    if (spec.readinessProbe !== undefined) loop(spec.readinessProbe, 'readiness');
    else o.onReady(true);
    if (spec.livenessProbe !== undefined) loop(spec.livenessProbe, 'liveness');
  };
  if (spec.startupProbe !== undefined) loop(spec.startupProbe, 'startup', afterStartup);
  else afterStartup();
}
