import { KeError } from '../../base/index.js';
import { keyMatchesCert } from '../../platform/certs/cert-read.js';
import { answerText, certHttpGet } from './cert-http.js';
import { normalizeCert, writeFileAtomic } from './cert-files.js';
import { EdgeHubErrorCode } from './errors.js';

/** Subject of every node certificate (the cloud sets it from the NodeName header anyway). */
export const NODE_CN_PREFIX = 'system:node:';
export const NODE_ORGANIZATION = 'system:nodes';

/** `https://host:port` + `/path`, tolerating a trailing slash and a missing scheme. */
export function certServerUrl(httpServer: string, path: string): string {
  const base = /^[a-z]+:\/\//i.test(httpServer) ? httpServer : `https://${httpServer}`;
  return `${base.replace(/\/+$/, '')}${path}`;
}

export interface NodeCertRequest {
  readonly httpServer: string;
  readonly nodeName: string;
  /** CA that must verify the certificate server, and that the new certificate must chain to. */
  readonly caPem: string;
  /** Either a bearer JWT (bootstrap) or the current client certificate (rotation). */
  readonly auth: { readonly kind: 'token'; readonly jwt: string } | { readonly kind: 'cert'; readonly certPem: string; readonly keyPem: string };
  readonly certFile: string;
  readonly keyFile: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/**
 * Creates an ECDSA P-256 key and CSR (CN system:node:<node>, O system:nodes), asks `/edge.crt` to sign it
 * (CSR PEM as the body of a GET, as KubeEdge's edge does), checks the answer and saves key (0600) and
 * certificate atomically. Returns the new certificate PEM.
 */
export async function requestNodeCertificate(req: NodeCertRequest): Promise<string> {
  // @peculiar/x509 (tens of MB with its ASN.1 stack) is loaded only when a certificate is requested.
  const { createCsr } = await import('../../platform/certs/x509.js');
  const csr = await createCsr(`${NODE_CN_PREFIX}${req.nodeName}`, [NODE_ORGANIZATION]);
  const url = certServerUrl(req.httpServer, '/edge.crt');
  const headers: Record<string, string> = { NodeName: req.nodeName, 'Content-Type': 'application/x-pem-file' };
  if (req.auth.kind === 'token') headers['Authorization'] = `Bearer ${req.auth.jwt}`;
  const res = await certHttpGet({
    url,
    body: csr.csrPem,
    headers,
    caPem: req.caPem,
    ...(req.auth.kind === 'cert' ? { client: { certPem: req.auth.certPem, keyPem: req.auth.keyPem } } : {}),
    timeoutMs: req.timeoutMs,
    ...(req.signal === undefined ? {} : { signal: req.signal }),
  });
  if (res.status === 401) {
    const text = answerText(res.body);
    throw new KeError(
      EdgeHubErrorCode.TokenRejected,
      `the cloud at ${url} refused the ${req.auth.kind === 'token' ? 'join token' : 'client certificate'}: ${text === '' ? 'unauthorized' : text}` +
        (req.auth.kind === 'token' ? '; get a fresh token with keadm gettoken' : ''),
      { details: { url, status: 401, answer: text } },
    );
  }
  if (res.status !== 200) {
    const text = answerText(res.body);
    throw new KeError(EdgeHubErrorCode.CertRequestFailed, `the cloud at ${url} answered ${res.status}: ${text}`, { details: { url, status: res.status, answer: text } });
  }
  const cert = normalizeCert(res.body);
  if (cert === undefined) {
    throw new KeError(EdgeHubErrorCode.CertRequestFailed, `the answer of ${url} is not a certificate`, { details: { url } });
  }
  if (!keyMatchesCert(cert.pem, csr.keyPem)) {
    throw new KeError(EdgeHubErrorCode.CertRequestFailed, `the certificate from ${url} is not for the key this node sent`, { details: { url } });
  }
  writeFileAtomic(req.keyFile, csr.keyPem, 0o600);
  writeFileAtomic(req.certFile, cert.pem, 0o644);
  return cert.pem;
}
