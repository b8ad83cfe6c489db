/** Error codes of src/platform/certs (KeError.code). */
export const CertErrorCodes = {
  /** Options out of range: empty CN, non-positive days, a malformed IP address. */
  badOptions: 'KE_CERTS_BAD_OPTIONS',
  /** A PEM certificate that does not parse. */
  invalidCert: 'KE_CERTS_INVALID_CERT',
  /** A private key that does not parse or is not ECDSA P-256. */
  invalidKey: 'KE_CERTS_INVALID_KEY',
  /** A CSR that does not parse or whose self-signature does not verify. */
  invalidCsr: 'KE_CERTS_INVALID_CSR',
  /** A CSR whose subject CN is missing or not the expected one. */
  csrSubject: 'KE_CERTS_CSR_SUBJECT',
} as const;
