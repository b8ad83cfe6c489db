/**
 * `FrameConnection` over a `ws` WebSocket, used by both the server and the dialling side. Frames that
 * arrive before a handler is registered are held, so no frame is lost between accept and setup.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { KeError } from '../../base/index.js';
import { TransportErrorCode, type FrameConnection } from './types.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface ConnectionInit {
  readonly ws: WebSocket;
  readonly socket: Socket;
  readonly remote: string;
  readonly peerCommonName: string;
  readonly peerCertExpiresAt: number | undefined;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Compress outgoing frames when permessage-deflate was negotiated. The server passes false: a
   * deflate stream, once created, stays with the connection and costs tens of KB of native memory
   * (see deflate-options.ts), so the hub never compresses its own frames.
   */
  readonly compressSends: boolean;
}

type FrameHandler = (data: string | Uint8Array) => void;
type CloseHandler = (code: number, reason: string) => void;

export class WsFrameConnection implements FrameConnection {
  readonly remote: string;
  readonly peerCommonName: string;
  readonly peerCertExpiresAt: number | undefined;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly #ws: WebSocket;
  readonly #socket: Socket;
  readonly #sendOptions: { readonly binary: false; readonly compress: boolean };
  #frameHandler: FrameHandler | undefined;
  #held: (string | Uint8Array)[] = [];
  readonly #closeHandlers: CloseHandler[] = [];
  #closed: { code: number; reason: string } | undefined;

  constructor(init: ConnectionInit) {
    this.#ws = init.ws;
    this.#socket = init.socket;
    this.#sendOptions = { binary: false, compress: init.compressSends };
    this.remote = init.remote;
    this.peerCommonName = init.peerCommonName;
    this.peerCertExpiresAt = init.peerCertExpiresAt;
    this.path = init.path;
    this.headers = init.headers;
    this.#ws.on('message', (data, isBinary) => this.#deliver(toFrame(data, isBinary)));
    this.#ws.on('close', (code, reason) => this.#finish(code, reason.toString('utf8')));
    // errors are followed by 'close'; without a listener they would be thrown
    this.#ws.on('error', () => undefined);
  }

  get open(): boolean {
    return this.#closed === undefined && this.#ws.readyState === this.#ws.OPEN;
  }

  /** Whether permessage-deflate was negotiated on this connection (not part of FrameConnection). */
  get compressed(): boolean {
    return this.#ws.extensions.includes('permessage-deflate');
  }

  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  get bytesWritten(): number {
    return this.#socket.bytesWritten;
  }

  get bytesRead(): number {
    return this.#socket.bytesRead;
  }

  send(text: string): Promise<void> {
    if (!this.open) return Promise.reject(closedError(this.remote));
    return new Promise((resolve, reject) => {
      this.#ws.send(text, this.#sendOptions, (err) => {
        if (err === undefined || err === null) resolve();
        else reject(new KeError(TransportErrorCode.Closed, 'connection closed while sending', { cause: err, details: { remote: this.remote } }));
      });
    });
  }

  close(code = 1000, reason = ''): void {
    if (this.#ws.readyState === this.#ws.CLOSED) return;
    try {
      this.#ws.close(code, reason);
    } catch {
      this.#ws.terminate();
    }
  }

  terminate(): void {
    this.#ws.terminate();
  }

  onFrame(handler: FrameHandler): void {
    this.#frameHandler = handler;
    const held = this.#held;
    this.#held = [];
    for (const f of held) handler(f);
  }

  onClose(handler: CloseHandler): void {
    if (this.#closed !== undefined) {
      const { code, reason } = this.#closed;
      queueMicrotask(() => handler(code, reason));
      return;
    }
    this.#closeHandlers.push(handler);
  }

  #deliver(frame: string | Uint8Array): void {
    if (this.#frameHandler === undefined) this.#held.push(frame);
    else this.#frameHandler(frame);
  }

  #finish(code: number, reason: string): void {
    if (this.#closed !== undefined) return;
    this.#closed = { code, reason };
    for (const h of this.#closeHandlers.splice(0)) h(code, reason);
  }
}

/** Text frames as strings; binary frames, and text frames that are not UTF-8, as bytes. */
function toFrame(data: WebSocket.RawData, isBinary: boolean): string | Uint8Array {
  const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isBinary) return view;
  try {
    return utf8.decode(view);
  } catch {
    return view;
  }
}

export function closedError(remote: string): KeError {
  return new KeError(TransportErrorCode.Closed, 'connection is closed', { details: { remote } });
}
