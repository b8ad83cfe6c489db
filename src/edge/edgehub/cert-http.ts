import { request } from 'node:https';
import { KeError, errorMessage } from '../../base/index.js';
import { EdgeHubErrorCode } from './errors.js';

/** Largest answer the certificate server may send (a certificate is a few KiB). */
const MAX_BODY_BYTES = 1 << 20;

export interface CertHttpRequest {
  /** Full URL, e.g. https://10.0.0.1:10002/ca.crt */
  readonly url: string;
  /** GET body (the CSR), sent with Content-Length as KubeEdge's edge does. */
  readonly body?: string | Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
  /** CA PEM to verify the server with; absent = do not verify (only for fetching /ca.crt). */
  readonly caPem?: string;
  /** Client certificate to present (certificate rotation). */
  readonly client?: { readonly certPem: string; readonly keyPem: string };
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface CertHttpResponse {
  readonly status: number;
  readonly body: Buffer;
}

/** OpenSSL / Node codes meaning "the server's certificate did not verify", as opposed to "could not connect". */
const TLS_TRUST_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function errCode(err: unknown): string {
  if (err !== null && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return '';
}

/**
 * One HTTPS GET against cloudhub's certificate server. Network failures become KE_EDGEHUB_CLOUD_UNREACHABLE
 * (naming the URL and the OS error), a server certificate that does not verify KE_EDGEHUB_CLOUD_UNTRUSTED.
 * Any HTTP status is returned to the caller.
 */
export function certHttpGet(req: CertHttpRequest): Promise<CertHttpResponse> {
  return new Promise<CertHttpResponse>((resolve, reject) => {
    const url = new URL(req.url);
    const signals = [AbortSignal.timeout(req.timeoutMs)];
    if (req.signal !== undefined) signals.push(req.signal);
    const signal = AbortSignal.any(signals);
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : Buffer.from(req.body);
    if (body !== undefined) headers['Content-Length'] = String(body.byteLength);
    const fail = (err: unknown): void => {
      const code = errCode(err);
      if (req.signal?.aborted === true) {
        reject(req.signal.reason);
        return;
      }
      if (TLS_TRUST_CODES.has(code)) {
        reject(
          new KeError(EdgeHubErrorCode.CloudUntrusted, `the certificate server ${req.url} presented a certificate that the saved CA does not verify (${code})`, {
            cause: err,
            details: { url: req.url, code },
          }),
        );
        return;
      }
      const why = signal.aborted && code === 'ABORT_ERR' ? `no answer within ${req.timeoutMs} ms` : `${code === '' ? '' : code + ': '}${errorMessage(err)}`;
      reject(
        new KeError(EdgeHubErrorCode.CloudUnreachable, `cannot reach the cloud at ${req.url}: ${why}`, {
          cause: err,
          details: { url: req.url, code },
        }),
      );
    };
    const r = request(
      {
        protocol: url.protocol,
        hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
        port: url.port === '' ? 443 : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers,
        signal,
        rejectUnauthorized: req.caPem !== undefined,
        ...(req.caPem === undefined ? {} : { ca: req.caPem }),
        ...(req.client === undefined ? {} : { cert: req.client.certPem, key: req.client.keyPem }),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.byteLength;
          if (size > MAX_BODY_BYTES) {
            res.destroy(new KeError(EdgeHubErrorCode.CertRequestFailed, `the answer of ${req.url} exceeds ${MAX_BODY_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', (err) => (err instanceof KeError ? reject(err) : fail(err)));
      },
    );
    r.on('error', fail);
    r.end(body);
  });
}

/** The server's text of an error answer, shortened for messages. */
export function answerText(body: Buffer): string {
  const text = body.toString('utf8').trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
