import { createHash } from 'node:crypto';
import { KeError } from '../../base/index.js';
import { certBasics, keyMatchesCert } from '../../platform/certs/cert-read.js';
import { answerText, certHttpGet } from './cert-http.js';
import { normalizeCert, readTextIfExists, writeFileAtomic } from './cert-files.js';
import { EdgeHubErrorCode } from './errors.js';
import { parseJoinToken } from './join-token.js';
import { NODE_CN_PREFIX, certServerUrl, requestNodeCertificate } from './node-cert.js';

export interface BootstrapOptions {
  /** https://HOST:PORT of cloudhub's certificate server (edgeHub.httpServer). */
  readonly httpServer: string;
  /** `sha256hex(CA DER).JWT` from keadm gettoken. */
  readonly token: string;
  readonly nodeName: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly signal?: AbortSignal;
  /** Per request; default 30 s. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * KubeEdge's edge join (facts §3.9 step 3): fetch the CA without verifying the server, check its hash
 * against the token, save it, then get a node certificate from `/edge.crt` with the token's JWT,
 * verifying the server with that CA. Errors: KE_EDGEHUB_TOKEN_MALFORMED, KE_EDGEHUB_CA_HASH_MISMATCH,
 * KE_EDGEHUB_TOKEN_REJECTED, KE_EDGEHUB_CLOUD_UNREACHABLE, KE_EDGEHUB_CLOUD_UNTRUSTED,
 * KE_EDGEHUB_CERT_REQUEST_FAILED.
 */
export async function bootstrapCertificates(opts: BootstrapOptions): Promise<void> {
  const token = parseJoinToken(opts.token);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = opts.signal === undefined ? {} : { signal: opts.signal };
  const caUrl = certServerUrl(opts.httpServer, '/ca.crt');
  const res = await certHttpGet({ url: caUrl, timeoutMs, ...signal });
  if (res.status !== 200) {
    const text = answerText(res.body);
    throw new KeError(EdgeHubErrorCode.CertRequestFailed, `the cloud at ${caUrl} answered ${res.status}: ${text}`, {
      details: { url: caUrl, status: res.status, answer: text },
    });
  }
  const ca = normalizeCert(res.body);
  if (ca === undefined) throw new KeError(EdgeHubErrorCode.CertRequestFailed, `the answer of ${caUrl} is not a certificate`, { details: { url: caUrl } });
  const actual = createHash('sha256').update(ca.der).digest('hex');
  if (actual !== token.caHash) {
    throw new KeError(
      EdgeHubErrorCode.CaHashMismatch,
      `the CA presented by ${caUrl} has sha256 ${actual} but the token expects ${token.caHash}: the token belongs to another cloud or the CA was tampered with`,
      { details: { url: caUrl, actual, expected: token.caHash } },
    );
  }
  writeFileAtomic(opts.caFile, ca.pem, 0o644);
  await requestNodeCertificate({
    httpServer: opts.httpServer,
    nodeName: opts.nodeName,
    caPem: ca.pem,
    auth: { kind: 'token', jwt: token.jwt },
    certFile: opts.certFile,
    keyFile: opts.keyFile,
    timeoutMs,
    ...signal,
  });
}

export interface NeedsBootstrapOptions {
  /** ms since epoch to judge the certificate's validity period by; default Date.now(). */
  readonly now?: number;
  /**
   * Count a certificate outside its validity period (expired, or not yet valid) as unusable; default true.
   * Only a join token can replace it, so callers without one pass false and try the old certificate.
   */
  readonly checkValidity?: boolean;
}

/**
 * True when the node has no usable identity: a file is missing, the certificate does not parse, is not
 * `system:node:<nodeName>`, is expired or not yet valid (unless `checkValidity` is false), or the key is
 * not the certificate's.
 */
export function needsBootstrap(caFile: string, certFile: string, keyFile: string, nodeName: string, opts: NeedsBootstrapOptions = {}): boolean {
  const caPem = readTextIfExists(caFile);
  const certPem = readTextIfExists(certFile);
  const keyPem = readTextIfExists(keyFile);
  if (caPem === undefined || certPem === undefined || keyPem === undefined) return true;
  try {
    const info = certBasics(certPem);
    if (info.subjectCN !== `${NODE_CN_PREFIX}${nodeName}`) return true;
    if (opts.checkValidity !== false) {
      const now = opts.now ?? Date.now();
      if (now < info.notBefore.getTime() || now > info.notAfter.getTime()) return true;
    }
  } catch {
    return true;
  }
  return !keyMatchesCert(certPem, keyPem);
}
