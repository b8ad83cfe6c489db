import { KeError, deferred, type Clock } from '../../base/index.js';
import type { FrameConnection } from '../../platform/transport/types.js';
import type { Logger } from '../../platform/log/index.js';
import { EdgeHubErrorCode } from './errors.js';

export interface SessionOptions {
  readonly clock: Clock;
  readonly log: Logger;
  /** Send a keepalive when nothing was written for this long. */
  readonly heartbeatMs: number;
  /** Treat the link as dead when nothing was read for this long. */
  readonly readTimeoutMs: number;
  /** A frame not handed to the socket within this long kills the link. */
  readonly writeTimeoutMs: number;
  /** The encoded keepalive frame (fresh id and timestamp per call). */
  readonly keepalive: () => string;
  readonly onFrame: (data: string | Uint8Array) => void;
}

/**
 * One live connection to cloudhub: counts what is written and read, sends keepalives only when the uplink
 * was idle for a heartbeat, and drops the socket when the downlink stays silent past the read timeout.
 */
export class HubSession {
  private lastWrite: number;
  private lastRead: number;
  private heartbeatTimer: { cancel(): void } | undefined;
  private readTimer: { cancel(): void } | undefined;
  private readonly done = deferred<{ code: number; reason: string }>();
  private isOpen = true;
  /** How many keepalives this session sent. */
  keepalivesSent = 0;

  constructor(
    readonly conn: FrameConnection,
    private readonly opts: SessionOptions,
  ) {
    const now = opts.clock.now();
    this.lastWrite = now;
    this.lastRead = now;
    conn.onFrame((data) => {
      this.lastRead = this.opts.clock.now();
      this.opts.onFrame(data);
    });
    conn.onClose((code, reason) => this.finish(code, reason));
    if (!conn.open) this.finish(1006, 'closed before the session started');
    else {
      this.armHeartbeat();
      this.armReadDeadline();
    }
  }

  get open(): boolean {
    return this.isOpen && this.conn.open;
  }

  /** Resolves once the connection is gone. */
  get closed(): Promise<{ code: number; reason: string }> {
    return this.done.promise;
  }

  /** Sends one frame; KE_TRANSPORT_CLOSED when the link is down, and kills the link when the write stalls. */
  async send(text: string): Promise<void> {
    this.lastWrite = this.opts.clock.now();
    let timer: { cancel(): void } | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = this.opts.clock.setTimeout(() => {
        this.opts.log.warn({ timeoutMs: this.opts.writeTimeoutMs }, 'write to cloud stalled; dropping the connection');
        this.conn.terminate();
        reject(new KeError(EdgeHubErrorCode.CloudUnreachable, `write to the cloud did not finish within ${this.opts.writeTimeoutMs} ms`));
      }, this.opts.writeTimeoutMs);
    });
    try {
      await Promise.race([this.conn.send(text), stalled]);
    } finally {
      timer?.cancel();
    }
  }

  /** Graceful close; `closed` resolves when the transport reports it. */
  close(code = 1000, reason = 'edgehub stopping'): void {
    if (this.conn.open) this.conn.close(code, reason);
    else this.finish(code, reason);
  }

  terminate(): void {
    this.conn.terminate();
    if (!this.conn.open) this.finish(1006, 'terminated');
  }

  private finish(code: number, reason: string): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.heartbeatTimer?.cancel();
    this.readTimer?.cancel();
    this.done.resolve({ code, reason });
  }

  private armHeartbeat(): void {
    if (!this.isOpen) return;
    const due = this.lastWrite + this.opts.heartbeatMs - this.opts.clock.now();
    this.heartbeatTimer = this.opts.clock.setTimeout(() => this.onHeartbeat(), Math.max(0, due));
  }

  private onHeartbeat(): void {
    if (!this.open) return;
    if (this.opts.clock.now() - this.lastWrite >= this.opts.heartbeatMs) {
      this.keepalivesSent++;
      this.send(this.opts.keepalive()).catch(() => undefined);
    }
    this.armHeartbeat();
  }

  private armReadDeadline(): void {
    if (!this.isOpen) return;
    const due = this.lastRead + this.opts.readTimeoutMs - this.opts.clock.now();
    this.readTimer = this.opts.clock.setTimeout(() => this.onReadDeadline(), Math.max(0, due));
  }

  private onReadDeadline(): void {
    if (!this.open) return;
    if (this.opts.clock.now() - this.lastRead >= this.opts.readTimeoutMs) {
      this.opts.log.warn({ silentMs: this.opts.clock.now() - this.lastRead }, 'nothing received from cloud; dropping the connection');
      this.terminate();
      return;
    }
    this.armReadDeadline();
  }
}
