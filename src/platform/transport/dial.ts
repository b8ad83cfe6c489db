/**
 * The edge side: dials `wss://…` with the client certificate, verifies the server against the CA,
 * sends the given headers, and gives up after `handshakeTimeoutMs` or when `signal` aborts.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { WebSocket } from 'ws';
import { KeError } from '../../base/index.js';
import { WsFrameConnection } from './connection.js';
import { EDGE_DEFLATE_OFFER } from './deflate-options.js';
import { peerCertOf, remoteOf } from './peer-cert.js';
import { DEFAULT_HARD_MAX_FRAME_BYTES, HUB_CIPHERS, HUB_MIN_TLS_VERSION } from './tls-options.js';
import { TransportErrorCode, type DialOptions, type FrameConnection } from './types.js';

const MAX_REFUSAL_BODY = 4096;

export function dialFrameServer(opts: DialOptions): Promise<FrameConnection> {
  return new Promise<FrameConnection>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new KeError(TransportErrorCode.DialFailed, 'dial aborted', { cause: opts.signal.reason, details: { url: opts.url } }));
      return;
    }
    let settled = false;
    let socket: TLSSocket | undefined;
    const ws = new WebSocket(opts.url, {
      ca: opts.tls.caPem,
      cert: opts.tls.certPem,
      key: opts.tls.keyPem,
      minVersion: HUB_MIN_TLS_VERSION,
      ciphers: HUB_CIPHERS,
      headers: { ...opts.headers },
      handshakeTimeout: opts.handshakeTimeoutMs,
      maxPayload: opts.hardMaxFrameBytes ?? DEFAULT_HARD_MAX_FRAME_BYTES,
      skipUTF8Validation: true,
      perMessageDeflate: EDGE_DEFLATE_OFFER,
      followRedirects: false,
    });
    // a last-resort timer in case the TLS or TCP stage hangs before ws's own handshake timer starts
    const timer = setTimeout(() => fail(new KeError(TransportErrorCode.Timeout, 'handshake timed out', { details: { url: opts.url, timeoutMs: opts.handshakeTimeoutMs } })), opts.handshakeTimeoutMs + 1000);
    const onAbort = (): void => fail(new KeError(TransportErrorCode.DialFailed, 'dial aborted', { cause: opts.signal?.reason, details: { url: opts.url } }));
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    function cleanup(): void {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
    function fail(err: KeError): void {
      if (settled) return;
      settled = true;
      cleanup();
      ws.terminate();
      reject(err);
    }

    ws.on('upgrade', (res: IncomingMessage) => {
      socket = res.socket as TLSSocket;
    });
    ws.on('unexpected-response', (req: ClientRequest, res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (): void => {
        req.destroy();
        const message = Buffer.concat(chunks).toString('utf8').slice(0, MAX_REFUSAL_BODY);
        fail(new KeError(TransportErrorCode.Refused, `upgrade refused with ${res.statusCode ?? 0}`, { details: { url: opts.url, status: res.statusCode ?? 0, message } }));
      };
      res.on('data', (c: Buffer) => {
        size += c.byteLength;
        if (size <= MAX_REFUSAL_BODY) chunks.push(c);
      });
      res.on('end', done);
      res.on('error', done);
      res.on('close', done);
    });
    ws.on('error', (err: Error) => {
      const timeout = /timed out/i.test(err.message);
      fail(new KeError(timeout ? TransportErrorCode.Timeout : TransportErrorCode.DialFailed, timeout ? 'handshake timed out' : 'dial failed', { cause: err, details: { url: opts.url } }));
    });
    ws.on('close', () => fail(new KeError(TransportErrorCode.DialFailed, 'connection closed during the handshake', { details: { url: opts.url } })));
    ws.on('open', () => {
      if (settled) return;
      settled = true;
      cleanup();
      ws.removeAllListeners('close');
      ws.removeAllListeners('error');
      const tls = socket;
      if (tls === undefined) {
        ws.terminate();
        reject(new KeError(TransportErrorCode.DialFailed, 'no socket after the handshake', { details: { url: opts.url } }));
        return;
      }
      const peer = peerCertOf(tls);
      let path = '/';
      try {
        path = new URL(opts.url).pathname;
      } catch {
        // ws already accepted the URL; keep '/'
      }
      resolve(
        new WsFrameConnection({
          ws,
          socket: tls,
          remote: remoteOf(tls),
          peerCommonName: peer.commonName,
          peerCertExpiresAt: peer.expiresAt,
          path,
          headers: {},
          compressSends: true,
        }),
      );
    });
  });
}
