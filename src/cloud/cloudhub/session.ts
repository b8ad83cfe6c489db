/**
 * One connected edge node: its connection, liveness (any frame counts; none for `keepaliveMs` closes
 * the session) and the frame writer its queue uses (a write not done within `writeTimeoutMs` closes it).
 */
import { KeError, withTimeout, type Clock } from '../../base/index.js';
import type { FrameConnection } from '../../platform/transport/index.js';

export const SessionErrorCode = {
  writeTimeout: 'KE_CLOUDHUB_WRITE_TIMEOUT',
  closed: 'KE_CLOUDHUB_SESSION_CLOSED',
} as const;

/** Bytes queued in user space beyond which writes wait for the socket to drain. */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;

export type SessionEnd = 'keepalive-timeout' | 'write-timeout' | 'replaced' | 'closed' | 'shutdown';

export interface SessionOptions {
  readonly conn: FrameConnection;
  readonly nodeId: string;
  readonly id: string;
  readonly clock: Clock;
  readonly keepaliveMs: number;
  readonly writeTimeoutMs: number;
}

export class NodeSession {
  readonly conn: FrameConnection;
  readonly nodeId: string;
  readonly id: string;
  readonly connectedAt: number;
  #lastSeen: number;
  #timer: { cancel(): void } | undefined;
  #end: SessionEnd | undefined;
  readonly #opts: SessionOptions;

  constructor(opts: SessionOptions) {
    this.#opts = opts;
    this.conn = opts.conn;
    this.nodeId = opts.nodeId;
    this.id = opts.id;
    this.connectedAt = opts.clock.now();
    this.#lastSeen = this.connectedAt;
    this.#schedule(opts.keepaliveMs);
  }

  /** Why the session ended (set once the hub closed it), else undefined. */
  get end(): SessionEnd | undefined {
    return this.#end;
  }

  get lastSeen(): number {
    return this.#lastSeen;
  }

  /** A frame arrived. */
  touch(): void {
    this.#lastSeen = this.#opts.clock.now();
  }

  /** Writes one frame, waiting for the socket to drain first when it is backed up. */
  readonly write = async (text: string): Promise<void> => {
    if (!this.conn.open) throw new KeError(SessionErrorCode.closed, 'session is closed', { details: { node: this.nodeId } });
    const work = async (): Promise<void> => {
      while (this.conn.bufferedAmount > HIGH_WATER_BYTES && this.conn.open) await new Promise<void>((r) => setTimeout(r, 10));
      await this.conn.send(text);
    };
    try {
      await withTimeout(work(), this.#opts.writeTimeoutMs, () => new KeError(SessionErrorCode.writeTimeout, 'write timed out', { details: { node: this.nodeId } }));
    } catch (err) {
      this.close(err instanceof KeError && err.code === SessionErrorCode.writeTimeout ? 'write-timeout' : 'closed');
      throw err;
    }
  };

  /** Closes the connection (idempotent); the hub hears of it through the connection's close event. */
  close(why: SessionEnd): void {
    if (this.#end !== undefined) return;
    this.#end = why;
    this.#timer?.cancel();
    this.#timer = undefined;
    if (why === 'keepalive-timeout' || why === 'write-timeout') this.conn.terminate();
    else this.conn.close(why === 'replaced' ? 4000 : 1001, why);
  }

  /** The connection is gone (whatever closed it). */
  closed(): void {
    if (this.#end === undefined) this.#end = 'closed';
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #schedule(ms: number): void {
    this.#timer = this.#opts.clock.setTimeout(() => {
      if (this.#end !== undefined) return;
      const idle = this.#opts.clock.now() - this.#lastSeen;
      if (idle >= this.#opts.keepaliveMs) this.close('keepalive-timeout');
      else this.#schedule(this.#opts.keepaliveMs - idle);
    }, ms);
  }
}
