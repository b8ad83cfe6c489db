/**
 * The message transport between cloudcore and edgecore: one mutually-authenticated WebSocket per edge
 * node, one JSON text frame per message (KubeEdge's `WSLaneWithoutPack`). Implemented over `ws`, which
 * only this folder imports. Frames are handed up raw: callers decode them with `src/api/message.ts`.
 */

export interface TlsMaterial {
  /** CA that signs (and verifies) peer certificates. */
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/** One open WebSocket, either side. */
export interface FrameConnection {
  /** `ip:port` of the peer. */
  readonly remote: string;
  /** Subject CN of the peer's verified certificate; '' when the peer sent none. */
  readonly peerCommonName: string;
  /** notAfter of the peer certificate (ms since epoch), undefined when none. */
  readonly peerCertExpiresAt: number | undefined;
  /** The upgrade request's path (server side) or the dialled path (client side). */
  readonly path: string;
  /** Upgrade request headers with lower-cased names (server side); {} on the client side. */
  readonly headers: Readonly<Record<string, string>>;
  /** Resolves when the frame has been handed to the socket; rejects (KE_TRANSPORT_CLOSED) when closed. */
  send(text: string): Promise<void>;
  /** Bytes queued in user space and not yet written; used for backpressure. */
  readonly bufferedAmount: number;
  /** TLS-level byte counters of the underlying socket (what actually crossed the link). */
  readonly bytesWritten: number;
  readonly bytesRead: number;
  readonly open: boolean;
  /** Graceful close (WebSocket close frame). */
  close(code?: number, reason?: string): void;
  /** Drop the socket at once. */
  terminate(): void;
  /** Called per received frame; binary frames are passed as bytes (callers reject them). */
  onFrame(handler: (data: string | Uint8Array) => void): void;
  /** Called once when the connection is gone, for whatever reason. */
  onClose(handler: (code: number, reason: string) => void): void;
}

export type UpgradeDecision = { readonly ok: true } | { readonly ok: false; readonly status: 401 | 403 | 429 | 503; readonly message: string };

export interface UpgradeInfo {
  readonly remote: string;
  readonly path: string;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly peerCommonName: string;
}

export interface FrameServerOptions {
  readonly host: string;
  /** 0 for any free port. */
  readonly port: number;
  /** Server cert + the CA that client certificates must chain to (client certs are required). */
  readonly tls: TlsMaterial;
  /** Hard cap per frame: beyond it the socket is closed (1009). Callers apply their own, smaller per-message limit. */
  readonly hardMaxFrameBytes?: number;
  /** Decide before the upgrade completes; a refusal answers the HTTP request with that status. */
  readonly verifyUpgrade?: (info: UpgradeInfo) => UpgradeDecision;
  readonly onConnection: (conn: FrameConnection) => void;
}

export interface FrameServer {
  readonly port: number;
  /** Stops accepting and closes every connection. */
  close(): Promise<void>;
}

export interface DialOptions {
  /** wss://host:port/<projectID>/<nodeName>/events */
  readonly url: string;
  /** CA to verify the server with, and the client certificate to present. */
  readonly tls: TlsMaterial;
  /** Sent on the upgrade request, e.g. node_id, project_id, ConnectionUse. */
  readonly headers: Readonly<Record<string, string>>;
  readonly handshakeTimeoutMs: number;
  readonly hardMaxFrameBytes?: number;
  readonly signal?: AbortSignal;
}

export const TransportErrorCode = {
  Closed: 'KE_TRANSPORT_CLOSED',
  DialFailed: 'KE_TRANSPORT_DIAL_FAILED',
  Refused: 'KE_TRANSPORT_REFUSED',
  Timeout: 'KE_TRANSPORT_TIMEOUT',
} as const;
