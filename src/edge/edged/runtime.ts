/**
 * The pod runtime contract edged drives. `hollow` (this issue) reports pods without running
 * anything; `cri` (containerd) and `process` (host processes) arrive with issue 5.
 */
import { KeError, type Clock } from '../../base/index.js';
import type { RuntimeType } from '../../api/config/index.js';
import type { V1Pod } from '../../kube/client/index.js';
import { createHollowRuntime } from './hollow-runtime.js';

export const EdgedErrorCode = {
  runtimeUnavailable: 'KE_EDGED_RUNTIME_UNAVAILABLE',
} as const;

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export type ContainerState =
  | { readonly running: { readonly startedAt: string } }
  | {
      readonly terminated: {
        readonly exitCode: number;
        readonly reason: string;
        readonly startedAt: string;
        readonly finishedAt: string;
        readonly containerID: string;
      };
    }
  | { readonly waiting: { readonly reason: string } };

export interface ContainerStatusReport {
  readonly name: string;
  readonly image: string;
  readonly imageID: string;
  readonly containerID: string;
  readonly ready: boolean;
  readonly started: boolean;
  readonly restartCount: number;
  readonly state: ContainerState;
}

/** What a runtime knows about one pod; edged turns it into the Kubernetes status patch. */
export interface PodStatusReport {
  readonly phase: PodPhase;
  /** '' when the pod has no address yet. */
  readonly podIP: string;
  readonly containers: readonly ContainerStatusReport[];
  readonly initContainers: readonly ContainerStatusReport[];
}

export interface PodRuntime {
  readonly name: string;
  /** Makes the pod run as its spec says (idempotent; called again on every update). */
  syncPod(pod: V1Pod): Promise<void>;
  /** Stops every container of the pod within the grace period. */
  killPod(pod: V1Pod, gracePeriodSeconds: number): Promise<void>;
  /** undefined when the runtime does not know the pod. */
  podStatus(pod: V1Pod): PodStatusReport | undefined;
  /** Called with the pod's UID whenever its status changed on the runtime's own initiative. */
  onChange(cb: (podUid: string) => void): void;
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  readonly clock: Clock;
  /** The node's IP: hollow pods report it as their pod IP. */
  readonly nodeIP: string;
}

/** Creates the configured runtime; KE_EDGED_RUNTIME_UNAVAILABLE for the ones not built yet. */
export function createPodRuntime(type: RuntimeType, opts: RuntimeOptions): PodRuntime {
  switch (type) {
    case 'hollow':
      return createHollowRuntime(opts);
    case 'cri':
    case 'process':
      throw new KeError(EdgedErrorCode.runtimeUnavailable, `runtime ${type} arrives with issue 5`, { details: { runtimeType: type } });
  }
}
