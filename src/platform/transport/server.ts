/**
 * The hub's WebSocket server: wss over node:https with client certificates required and verified
 * against the configured CA. `verifyUpgrade` decides in the `upgrade` handler, before the WebSocket
 * handshake is answered; a refusal is a plain HTTP answer with that status and message.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';
import { KeError } from '../../base/index.js';
import { listenOn } from '../http/index.js';
import { WsFrameConnection } from './connection.js';
import { screenDeflateOffers } from './deflate-offer.js';
import { HUB_DEFLATE_ACCEPT } from './deflate-options.js';
import { peerCertOf, remoteOf } from './peer-cert.js';
import { DEFAULT_HARD_MAX_FRAME_BYTES, HUB_CIPHERS, HUB_MIN_TLS_VERSION, HUB_SERVER_SECURE_OPTIONS } from './tls-options.js';
import { type FrameConnection, type FrameServer, type FrameServerOptions, type UpgradeInfo } from './types.js';

/** Ends a TLS/HTTP socket with a short plain-text answer. */
function answer(socket: Duplex, status: number, message: string): void {
  const body = Buffer.from(message, 'utf8');
  const head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
    'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${body.byteLength}\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  socket.on('error', () => undefined);
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** Lower-cased header names; repeated headers joined with ', ' (Go's edgecore repeats Connectionuse). */
function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** The server could not bind its address. */
export const TransportListenFailed = 'KE_TRANSPORT_LISTEN_FAILED';

export async function createFrameServer(opts: FrameServerOptions): Promise<FrameServer> {
  const https: Server = createServer(
    {
      key: opts.tls.keyPem,
      cert: opts.tls.certPem,
      ca: opts.tls.caPem,
      requestCert: true,
      rejectUnauthorized: true,
      secureOptions: HUB_SERVER_SECURE_OPTIONS,
      minVersion: HUB_MIN_TLS_VERSION,
      ciphers: HUB_CIPHERS,
    },
    (_req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
      res.end('websocket upgrade required');
    },
  );
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.hardMaxFrameBytes ?? DEFAULT_HARD_MAX_FRAME_BYTES,
    skipUTF8Validation: true,
    perMessageDeflate: HUB_DEFLATE_ACCEPT,
    clientTracking: false,
  });
  const conns = new Set<FrameConnection>();
  https.on('tlsClientError', () => undefined);
  https.on('clientError', (_err, socket) => socket.destroy());

  https.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const tls = socket as TLSSocket;
    socket.on('error', () => undefined);
    const peer = peerCertOf(tls);
    const info: UpgradeInfo = { remote: remoteOf(tls), path: pathOf(req), headers: headersOf(req), peerCommonName: peer.commonName };
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      answer(socket, 400, 'websocket upgrade required');
      return;
    }
    if (peer.commonName === '') {
      answer(socket, 401, 'client certificate required');
      return;
    }
    let decision;
    try {
      decision = opts.verifyUpgrade?.(info) ?? { ok: true as const };
    } catch {
      decision = { ok: false as const, status: 503 as const, message: 'upgrade check failed' };
    }
    if (!decision.ok) {
      answer(socket, decision.status, decision.message);
      return;
    }
    const offers = screenDeflateOffers(req.headers['sec-websocket-extensions']);
    if (offers === undefined) delete req.headers['sec-websocket-extensions'];
    else req.headers['sec-websocket-extensions'] = offers;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new WsFrameConnection({
        ws,
        socket: tls,
        remote: info.remote,
        peerCommonName: peer.commonName,
        peerCertExpiresAt: peer.expiresAt,
        path: info.path,
        headers: info.headers,
        compressSends: false,
      });
      conns.add(conn);
      conn.onClose(() => conns.delete(conn));
      opts.onConnection(conn);
    });
  });

  const port = await listenOn(https, opts.host, opts.port, (err) => new KeError(TransportListenFailed, 'cannot listen', { cause: err, details: { host: opts.host, port: opts.port } }));

  let closing: Promise<void> | undefined;
  return {
    port,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        https.close(() => resolve());
        for (const c of conns) c.terminate();
        conns.clear();
        wss.close();
        https.closeAllConnections();
      });
      return closing;
    },
  };
}
