/**
 * The pod runtime contract edged drives: `hollow` reports pods without running anything (scale
 * tests), `cri` runs them on containerd through the CRI, `process` runs each container's command as
 * a host process (no isolation). See docs/adr/0006-edge-pods.md.
 */
import type { Clock } from '../../base/index.js';
import type { RuntimeType } from '../../api/config/index.js';
import type { V1ConfigMap, V1Pod, V1Secret } from '../../kube/client/index.js';
import type { Logger } from '../../platform/log/index.js';
import { createCriRuntime } from './cri-runtime/index.js';
import { createHollowRuntime } from './hollow-runtime.js';
import { createProcessRuntime } from './process-runtime/index.js';

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
  | { readonly waiting: { readonly reason: string; readonly message?: string } };

export interface ContainerStatusReport {
  readonly name: string;
  readonly image: string;
  readonly imageID: string;
  readonly containerID: string;
  readonly ready: boolean;
  readonly started: boolean;
  readonly restartCount: number;
  readonly state: ContainerState;
  /** The previous run's end (Kubernetes `lastState.terminated`), once the container was restarted. */
  readonly lastState?: ContainerState;
}

/** What a runtime knows about one pod; edged turns it into the Kubernetes status patch. */
export interface PodStatusReport {
  readonly phase: PodPhase;
  /** '' when the pod has no address yet. */
  readonly podIP: string;
  readonly containers: readonly ContainerStatusReport[];
  readonly initContainers: readonly ContainerStatusReport[];
  /** False while init containers have not all succeeded (condition Initialized); default true. */
  readonly initialized?: boolean;
}

/** A runtime image as the Node's status.images lists it. */
export interface RuntimeImage {
  readonly names: readonly string[];
  readonly sizeBytes: number;
}

/** Objects pods refer to (volumes, env), read from the edge's SQLite: works offline. */
export interface ObjectSource {
  configMap(namespace: string, name: string): V1ConfigMap | undefined;
  secret(namespace: string, name: string): V1Secret | undefined;
}

export interface PodRuntime {
  readonly name: string;
  /**
   * Connects to what runs the pods and re-adopts pods a previous edgecore left running (CRI
   * sandboxes by their pod-UID label; process-runtime pid files), so a restart keeps healthy containers.
   */
  start(): Promise<void>;
  /** `<runtime>://<version>` for the Node's nodeInfo.containerRuntimeVersion; valid after start(). */
  version(): string;
  images(): Promise<RuntimeImage[]>;
  /** Kills and forgets every adopted pod whose UID is not in `keep` (pods deleted while edgecore was down). */
  removeOrphans(keep: ReadonlySet<string>): Promise<void>;
  /** The current log file of a container (CRI format), undefined when unknown. */
  containerLogPath(podUid: string, container: string): string | undefined;
  /** Makes the pod run as its spec says (idempotent; called again on every update). */
  syncPod(pod: V1Pod): Promise<void>;
  /** Stops every container of the pod within the grace period. */
  killPod(pod: V1Pod, gracePeriodSeconds: number): Promise<void>;
  /** undefined when the runtime does not know the pod. */
  podStatus(pod: V1Pod): PodStatusReport | undefined;
  /** Called with the pod's UID whenever its status changed on the runtime's own initiative. */
  onChange(cb: (podUid: string) => void): void;
  /** Stops watching and probing. Containers keep running (cri, process): edgecore may come back and re-adopt them. */
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  readonly clock: Clock;
  readonly log: Logger;
  readonly nodeName: string;
  /** The node's IP: hollow and process pods report it as their pod IP; host-network pods too. */
  readonly nodeIP: string;
  /** edged's root directory: `pods/<uid>/` (volumes, process-runtime state), `logs/pods/` (container logs). */
  readonly rootDir: string;
  readonly objects: ObjectSource;
  /** cri: the CRI socket (`unix:///...`). */
  readonly criEndpoint: string;
  /** cri: the sandbox (pause) image. */
  readonly podSandboxImage: string;
  /** cri: image GC thresholds (percent of the image filesystem). */
  readonly imageGcHighPercent: number;
  readonly imageGcLowPercent: number;
}

/** Creates the configured runtime (nothing is contacted before start()). */
export function createPodRuntime(type: RuntimeType, opts: RuntimeOptions): PodRuntime {
  switch (type) {
    case 'hollow':
      return createHollowRuntime(opts);
    case 'cri':
      return createCriRuntime(opts);
    case 'process':
      return createProcessRuntime(opts);
  }
}
