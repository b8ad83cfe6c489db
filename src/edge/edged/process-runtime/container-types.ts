/** The contract of one supervised host-process container (see container-process.ts). */
import type { Clock } from '../../../base/index.js';
import type { V1Container } from '../../../kube/client/index.js';
import type { Logger } from '../../../platform/log/index.js';
import type { ContainerState } from '../runtime.js';
import type { LogLimits, LogTail } from './cri-log.js';
import type { SavedContainer } from './saved-state.js';

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 10_000, maxMs: 300_000 };

export type Prepared = { readonly env: Readonly<Record<string, string>>; readonly argv: readonly string[] | undefined } | { readonly error: string };

export interface ContainerProcessOptions {
  readonly spec: V1Container;
  readonly podDir: string;
  /** `<name>_<namespace>(<uid>)` for the CrashLoopBackOff message. */
  readonly podRef: string;
  /** Env and argv for a run, from the latest pod spec and objects; `error` is a CreateContainerConfigError. */
  readonly prepare: () => Prepared;
  readonly restartPolicy: RestartPolicy;
  readonly clock: Clock;
  readonly backoff: Backoff;
  readonly log: Logger;
  readonly onChange: () => void;
  /** Probes are ignored for init containers. */
  readonly init: boolean;
  /** Log rotation; default kubelet's 10Mi × 5 files. */
  readonly logLimits?: LogLimits;
  /** What a previous runtime saved; start() re-adopts or resumes it. */
  readonly saved?: SavedContainer;
}

export interface ContainerProcess {
  readonly name: string;
  readonly containerID: string;
  state(): ContainerState;
  lastState(): ContainerState | undefined;
  ready(): boolean;
  started(): boolean;
  restartCount(): number;
  /** True when it ended and will not be started again. */
  done(): boolean;
  /** Starts (or re-adopts) it; retries a run that could not be configured. */
  start(): void;
  /** preStop hook, SIGTERM to the group, SIGKILL after the grace period; resolves once it is gone. */
  kill(graceSeconds: number): Promise<void>;
  /** Stops watching (timers, probes, log copying) and saves the state; the process keeps running. */
  detach(): void;
  logPath(): string;
}

/** One run of a container (spawned, or re-adopted after an edgecore restart). */
export interface Run {
  readonly pid: number;
  readonly pidStart: string | undefined;
  readonly bootId: string | undefined;
  readonly startedAt: string;
  readonly env: Readonly<Record<string, string>>;
  readonly tail: LogTail;
  readonly exited: Promise<void>;
  readonly adopted: boolean;
  end(code: number, reason?: string): void;
  timers: NodeJS.Timeout[];
  /** The last log-copy error reported (each new one is logged once). */
  logError: string | undefined;
  sent: 'SIGTERM' | 'SIGKILL' | undefined;
  started: boolean;
  ready: boolean;
}
