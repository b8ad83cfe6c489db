import type { Logger } from '../platform/log/index.js';

/**
 * The minimal message shape the router needs. Structural, so `src/api/message.ts`'s Message fits it
 * without beehive importing it: only the ids (for sync replies) and the route are read.
 */
export interface RoutedMessage {
  readonly header: { readonly msg_id: string; readonly parent_msg_id?: string | undefined };
  readonly route: { readonly source: string; readonly group: string };
}

/** What a module may do with the router; bound to the module's own inbox. */
export interface RouterHandle<M extends RoutedMessage> {
  /** Push into a module's inbox; a reply whose parent_msg_id matches a pending sendSync resolves it instead. */
  send(to: string, msg: M): void;
  /** Send and wait for the reply whose parent_msg_id is `msg.header.msg_id`; KE_BEEHIVE_TIMEOUT after `timeoutMs`. */
  sendSync(to: string, msg: M, timeoutMs?: number): Promise<M>;
  /** Fan-out to every module of the group; returns how many received it. */
  sendToGroup(group: string, msg: M): number;
  /** Resolve the sendSync waiting for `reply.header.parent_msg_id`; false when nobody waits. */
  respond(reply: M): boolean;
  /** This module's inbox as an async iteration; ends when the module's signal aborts. */
  receive(): AsyncIterable<M>;
}

export interface ModuleContext<M extends RoutedMessage = RoutedMessage> extends RouterHandle<M> {
  readonly name: string;
  readonly group: string;
  readonly log: Logger;
  /** Aborted when the module is stopped (or is being restarted). Loops watch it. */
  readonly signal: AbortSignal;
  /** A background loop reports that it died; the runtime applies the module's restart policy. */
  fail(err: unknown): void;
}

export type RestartPolicy =
  | { readonly kind: 'never' }
  | {
      readonly kind: 'on-failure';
      /** Restarts allowed before the module is given up (counted over the runtime's life). */
      readonly maxRestarts: number;
      readonly baseMs?: number;
      readonly maxMs?: number;
    };

/** A module: a plain object made by `createXModule(config, deps)`. */
export interface Module<M extends RoutedMessage = RoutedMessage> {
  readonly name: string;
  readonly group: string;
  readonly dependsOn?: readonly string[];
  /** Default `{ kind: 'never' }`. */
  readonly restart?: RestartPolicy;
  /** Resolves when the module is ready; long-running work continues in loops that watch `ctx.signal`. */
  start(ctx: ModuleContext<M>): Promise<void>;
  stop(): Promise<void>;
}

export const BeehiveErrorCode = {
  timeout: 'KE_BEEHIVE_TIMEOUT',
  cycle: 'KE_BEEHIVE_CYCLE',
  inboxFull: 'KE_BEEHIVE_INBOX_FULL',
  unknownModule: 'KE_BEEHIVE_UNKNOWN_MODULE',
  unknownGroup: 'KE_BEEHIVE_UNKNOWN_GROUP',
  unknownDependency: 'KE_BEEHIVE_UNKNOWN_DEPENDENCY',
  duplicateModule: 'KE_BEEHIVE_DUPLICATE_MODULE',
  duplicateSync: 'KE_BEEHIVE_DUPLICATE_SYNC',
  startTimeout: 'KE_BEEHIVE_START_TIMEOUT',
  stopTimeout: 'KE_BEEHIVE_STOP_TIMEOUT',
  startFailed: 'KE_BEEHIVE_START_FAILED',
  stopped: 'KE_BEEHIVE_STOPPED',
  aborted: 'KE_BEEHIVE_ABORTED',
} as const;
export type BeehiveErrorCode = (typeof BeehiveErrorCode)[keyof typeof BeehiveErrorCode];
