/**
 * cloudhub's certificate server (KubeEdge's :10002): `GET /ca.crt` gives the CA in DER; `GET /edge.crt`
 * signs an edge CSR (PEM or DER body) for the `NodeName` header, authenticated by a join token
 * (`Authorization: Bearer <JWT>`) or, for rotation, by the node's current client certificate.
 * A token join is a fresh start of the node: refused (409) while the node has a live session (a token
 * holder may not take over a connected node's identity), and the node's success points are deleted
 * before the certificate goes out, so the edge is sent everything again.
 */
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { errorMessage, isKeError, KeError } from '../../base/index.js';
import { CertErrorCodes, signCsr } from '../../platform/certs/index.js';
import { closeServer, listenOn } from '../../platform/http/index.js';
import type { Logger } from '../../platform/log/index.js';
import { HUB_CIPHERS, HUB_MIN_TLS_VERSION } from '../../platform/transport/index.js';
import { csrFromBody, extKeyUsagesFrom, NODE_CN_PREFIX, NODES_ORGANIZATION } from './edge-cert-request.js';
import type { HubPki } from './hub-pki.js';
import { verifyJoinToken } from './join-token.js';
import type { HubMetrics } from './metrics.js';
import { isValidNodeName } from './upgrade-check.js';

export const MAX_CSR_BYTES = 64 * 1024;
const BODY_TIMEOUT_MS = 30_000;

export interface CertServerOptions {
  readonly host: string;
  readonly port: number;
  readonly pki: HubPki;
  readonly certDays: number;
  readonly log: Logger;
  readonly metrics: HubMetrics;
  readonly now?: () => number;
  /** Whether `nodeName` has a live session now; token issuance is refused then. */
  readonly connected?: (nodeName: string) => boolean;
  /** Deletes the node's ObjectSyncs and ClusterObjectSyncs; runs before a certificate issued through a token is returned. */
  readonly forgetNode?: (nodeName: string) => Promise<void>;
}

export interface CertServer {
  readonly port: number;
  close(): Promise<void>;
}

const TOKEN_REASONS = {
  expired: 'token expired',
  'bad-signature': 'token signature invalid',
  malformed: 'malformed token',
} as const;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => reject(new HttpError(408, 'request body timed out')), BODY_TIMEOUT_MS);
    req.on('data', (c: Buffer) => {
      size += c.byteLength;
      if (size > limit) {
        clearTimeout(timer);
        reject(new HttpError(413, `request body larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export async function startCertServer(opts: CertServerOptions): Promise<CertServer> {
  const now = opts.now ?? Date.now;
  const caDer = new X509Certificate(opts.pki.ca.certPem).raw;

  /** Who may get a certificate for `nodeName`: a valid join token, or the node's own client certificate. */
  function authenticate(req: IncomingMessage, nodeName: string): 'token' | 'certificate' {
    const auth = header(req, 'authorization');
    if (auth !== undefined && auth !== '') {
      const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
      if (m === null) throw new HttpError(401, TOKEN_REASONS.malformed);
      const check = verifyJoinToken((m[1] ?? '').trim(), opts.pki.ca.keyPem, now());
      if (!check.ok) throw new HttpError(401, TOKEN_REASONS[check.reason]);
      if (opts.connected?.(nodeName) === true) {
        throw new HttpError(409, `node ${nodeName} is connected; a join token cannot issue a certificate for a connected node (disconnect it first, or renew with its client certificate)`);
      }
      return 'token';
    }
    const tls = req.socket as TLSSocket;
    const cert = tls.authorized ? tls.getPeerCertificate() : undefined;
    const cn = cert?.subject?.CN;
    if (cert === undefined || cn === undefined) throw new HttpError(401, 'no token and no valid client certificate');
    if (cn !== `${NODE_CN_PREFIX}${nodeName}`) throw new HttpError(403, `client certificate is not for node ${nodeName}`);
    return 'certificate';
  }

  async function edgeCert(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const nodeName = header(req, 'nodename') ?? '';
    if (!isValidNodeName(nodeName)) throw new HttpError(400, 'invalid NodeName header');
    const by = authenticate(req, nodeName);
    const body = await readBody(req, MAX_CSR_BYTES);
    if (body.byteLength === 0) throw new HttpError(400, 'certificate request missing');
    let der: Buffer;
    try {
      const certPem = await signCsr(opts.pki.ca, csrFromBody(body), {
        subject: { commonName: `${NODE_CN_PREFIX}${nodeName}`, organizations: [NODES_ORGANIZATION] },
        usage: 'client',
        extKeyUsages: extKeyUsagesFrom(header(req, 'extkeyusages')),
        days: opts.certDays,
        now: new Date(now()),
      });
      der = new X509Certificate(certPem).raw;
    } catch (err) {
      if (isKeError(err, CertErrorCodes.invalidCsr)) throw new HttpError(400, 'invalid certificate request');
      throw err;
    }
    if (by === 'token' && opts.forgetNode !== undefined) {
      try {
        await opts.forgetNode(nodeName);
      } catch (err) {
        opts.log.warn({ node: nodeName, err: errorMessage(err) }, 'success points of a joining node not deleted');
        throw new HttpError(503, 'cannot reset the node\'s sync state; try again');
      }
    }
    opts.log.info({ node: nodeName, remote: req.socket.remoteAddress, by }, 'edge certificate issued');
    opts.metrics.certsIssued.inc();
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': der.byteLength });
    res.end(der);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/ca.crt' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': caDer.byteLength });
      res.end(req.method === 'HEAD' ? undefined : caDer);
      return;
    }
    if (path === '/edge.crt' && (req.method === 'GET' || req.method === 'POST')) {
      await edgeCert(req, res);
      return;
    }
    throw new HttpError(404, 'not found');
  }

  const server: Server = createServer(
    {
      key: opts.pki.server.keyPem,
      cert: opts.pki.server.certPem,
      ca: opts.pki.ca.certPem,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: HUB_MIN_TLS_VERSION,
      ciphers: HUB_CIPHERS,
    },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        const text = err instanceof HttpError ? err.message : 'internal error';
        if (status >= 500) opts.log.error({ err: errorMessage(err), path: req.url }, 'certificate request failed');
        else opts.log.warn({ status, reason: text, node: header(req, 'nodename'), remote: req.socket.remoteAddress }, 'certificate request refused');
        if (res.headersSent) {
          res.destroy();
          return;
        }
        res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
        res.end(text);
      });
    },
  );
  server.on('tlsClientError', () => undefined);
  server.requestTimeout = BODY_TIMEOUT_MS;
  const port = await listenOn(server, opts.host, opts.port, (err) => new KeError('KE_CLOUDHUB_LISTEN_FAILED', 'certificate server cannot listen', { cause: err, details: { host: opts.host, port: opts.port } }));
  return { port, close: () => closeServer(server) };
}
