/** A pod as e2e tests look at it: phase, readiness, IP, restarts and the first container's ID. */
import { arr, num, str } from './json.js';

export interface PodSummary {
  readonly name: string;
  readonly uid: string;
  readonly phase: string;
  /** Condition Ready is True. */
  readonly ready: boolean;
  readonly podIP: string;
  /** The first container's restartCount. */
  readonly restarts: number;
  /** The first container's ID without its `<runtime>://` prefix. */
  readonly containerID: string;
}

export function podSummary(p: unknown): PodSummary {
  const cs = arr(p, 'status.containerStatuses')[0];
  return {
    name: str(p, 'metadata.name') ?? '',
    uid: str(p, 'metadata.uid') ?? '',
    phase: str(p, 'status.phase') ?? '',
    ready: arr(p, 'status.conditions').some((c) => str(c, 'type') === 'Ready' && str(c, 'status') === 'True'),
    podIP: str(p, 'status.podIP') ?? '',
    restarts: num(cs, 'restartCount') ?? 0,
    containerID: (str(cs, 'containerID') ?? '').replace(/^[a-z]+:\/\//, ''),
  };
}
