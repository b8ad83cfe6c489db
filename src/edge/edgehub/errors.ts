/** Stable error codes of edgehub and the edge's certificate bootstrap. */
export const EdgeHubErrorCode = {
  /** The join token is not `<sha256 hex of the CA>.<JWT>`. */
  TokenMalformed: 'KE_EDGEHUB_TOKEN_MALFORMED',
  /** The CA served by the cloud does not hash to the token's first part. */
  CaHashMismatch: 'KE_EDGEHUB_CA_HASH_MISMATCH',
  /** The certificate server answered 401 (expired or foreign token, or a client certificate it refuses). */
  TokenRejected: 'KE_EDGEHUB_TOKEN_REJECTED',
  /** The certificate server could not be reached (refused, timed out, DNS, TLS reset). */
  CloudUnreachable: 'KE_EDGEHUB_CLOUD_UNREACHABLE',
  /** The certificate server's TLS certificate does not verify with the saved CA. */
  CloudUntrusted: 'KE_EDGEHUB_CLOUD_UNTRUSTED',
  /** Any other refusal or an unusable answer of the certificate server. */
  CertRequestFailed: 'KE_EDGEHUB_CERT_REQUEST_FAILED',
  /** Local certificate files are missing or unreadable when they are needed. */
  CertFilesMissing: 'KE_EDGEHUB_CERT_FILES_MISSING',
} as const;
export type EdgeHubErrorCode = (typeof EdgeHubErrorCode)[keyof typeof EdgeHubErrorCode];
