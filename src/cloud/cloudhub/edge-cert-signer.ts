/**
 * Signs an edge node's CSR for `/edge.crt`. Unlike `signCsr` in platform/certs (which keeps the CSR's
 * subject), the subject is set from the node name, whatever the request says: CN `system:node:<name>`,
 * O `system:nodes` (KubeEdge v1.15.4 edges ask for CN `kubeedge.io`). Only the CSR's public key is used,
 * after its self-signature verifies.
 * TODO(certs): move into platform/certs as a `subject` option of signCsr.
 */
import 'reflect-metadata';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { KeError } from '../../base/index.js';

x509.cryptoProvider.set(webcrypto);

export const SignerErrorCode = {
  badCsr: 'KE_CLOUDHUB_BAD_CSR',
} as const;

/** Go's x509.ExtKeyUsage numbers, as edges send them in the `ExtKeyUsages` header. */
const GO_EXT_KEY_USAGES: Readonly<Record<number, string>> = {
  1: x509.ExtendedKeyUsage.serverAuth,
  2: x509.ExtendedKeyUsage.clientAuth,
};

export const NODE_CN_PREFIX = 'system:node:';
export const NODES_ORGANIZATION = 'system:nodes';

const CLOCK_SKEW_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

/** PEM or DER bytes of a PKCS#10 request to PEM. */
export function csrToPem(body: Buffer): string {
  const text = body.toString('latin1');
  if (text.trimStart().startsWith('-----BEGIN')) return body.toString('utf8');
  const b64 = body.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${b64.endsWith('\n') ? b64 : `${b64}\n`}-----END CERTIFICATE REQUEST-----\n`;
}

/** Parses the `ExtKeyUsages` header (a JSON array of Go ExtKeyUsage numbers); clientAuth when absent or unusable. */
export function extKeyUsagesFrom(header: string | undefined): string[] {
  if (header === undefined || header.trim() === '') return [x509.ExtendedKeyUsage.clientAuth];
  try {
    const parsed: unknown = JSON.parse(header);
    if (!Array.isArray(parsed)) return [x509.ExtendedKeyUsage.clientAuth];
    const out = [...new Set(parsed.map((n) => (typeof n === 'number' ? GO_EXT_KEY_USAGES[n] : undefined)).filter((u): u is string => u !== undefined))];
    return out.length > 0 ? out : [x509.ExtendedKeyUsage.clientAuth];
  } catch {
    return [x509.ExtendedKeyUsage.clientAuth];
  }
}

function randomSerial(): string {
  const b = randomBytes(16);
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x01;
  return b.toString('hex');
}

/** Returns the DER of a certificate for `nodeName`, signed by the CA. Throws KE_CLOUDHUB_BAD_CSR. */
export async function signEdgeCsr(
  ca: { readonly certPem: string; readonly keyPem: string },
  csrPem: string,
  opts: { nodeName: string; days: number; extKeyUsages: readonly string[]; now?: number },
): Promise<Buffer> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (cause) {
    throw new KeError(SignerErrorCode.badCsr, 'certificate request does not parse', { cause });
  }
  let ok: boolean;
  try {
    ok = await csr.verify();
  } catch (cause) {
    throw new KeError(SignerErrorCode.badCsr, 'certificate request signature cannot be checked', { cause });
  }
  if (!ok) throw new KeError(SignerErrorCode.badCsr, 'certificate request signature does not verify');

  const caCert = new x509.X509Certificate(ca.certPem);
  const der = createPrivateKey(ca.keyPem).export({ type: 'pkcs8', format: 'der' });
  const signingKey = await webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const ski = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
  const now = opts.now ?? Date.now();
  const publicKey = await csr.publicKey.export();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ O: [NODES_ORGANIZATION] }, { CN: [`${NODE_CN_PREFIX}${opts.nodeName}`] }],
    issuer: caCert.subjectName,
    notBefore: new Date(Math.floor((now - CLOCK_SKEW_MS) / 1000) * 1000),
    notAfter: new Date(Math.floor((now + opts.days * DAY_MS) / 1000) * 1000),
    publicKey,
    signingKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([...opts.extKeyUsages]),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      ski !== null ? new x509.AuthorityKeyIdentifierExtension(ski.keyId) : await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return Buffer.from(cert.rawData);
}
