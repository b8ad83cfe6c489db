/** What the runtime knows of one pod's sandboxes and containers on the CRI (from the last relist). */
import type { ContainerState as CriContainerState } from '../../../platform/cri/types.js';

export interface SandboxInfo {
  readonly id: string;
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly attempt: number;
  readonly ready: boolean;
  /** Nanoseconds since the epoch. */
  readonly createdAt: bigint;
  readonly hostNetwork: boolean;
  /** '' until known (or for host-network pods). */
  readonly ip: string;
  /** From the sandbox annotation; 30 when missing. */
  readonly graceSeconds: number;
}

export interface ContainerInfo {
  readonly id: string;
  readonly sandboxId: string;
  readonly uid: string;
  readonly name: string;
  readonly init: boolean;
  readonly state: CriContainerState;
  readonly createdAt: bigint;
  readonly restartCount: number;
  readonly hash: string;
  readonly image: string;
  readonly imageRef: string;
  /** ms since the epoch, 0 when not started/finished. */
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly exitCode: number;
  readonly reason: string;
  readonly message: string;
  readonly logPath: string;
}

export interface PodView {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  /** Newest first. */
  readonly sandboxes: readonly SandboxInfo[];
  /** Newest first. */
  readonly containers: readonly ContainerInfo[];
}

/** Nanosecond timestamp string → ms since the epoch (0 stays 0). */
export function nsToMs(ns: string): number {
  try {
    return Number(BigInt(ns) / 1_000_000n);
  } catch {
    return 0;
  }
}

export function toBigInt(ns: string): bigint {
  try {
    return BigInt(ns);
  } catch {
    return 0n;
  }
}

export const newestFirst = <T extends { readonly createdAt: bigint }>(a: T, b: T): number => (a.createdAt > b.createdAt ? -1 : a.createdAt < b.createdAt ? 1 : 0);

/** The containers of one name, newest first. */
export function containersNamed(view: PodView | undefined, name: string): ContainerInfo[] {
  return (view?.containers ?? []).filter((c) => c.name === name);
}

/** The newest sandbox, if any. */
export function currentSandbox(view: PodView | undefined): SandboxInfo | undefined {
  return view?.sandboxes[0];
}

/** A fingerprint of everything a relist can see changing. */
export function fingerprint(view: PodView | undefined): string {
  if (view === undefined) return '';
  return [...view.sandboxes.map((s) => `${s.id}:${s.ready ? 1 : 0}:${s.ip}`), ...view.containers.map((c) => `${c.id}:${c.state}`)].join(',');
}
