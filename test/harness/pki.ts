/**
 * Throwaway certificates for tests (e.g. a client certificate from a CA the server does not trust).
 * ECDSA P-256 via @peculiar/x509 (which needs reflect-metadata loaded first).
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type ProviderCrypto = Parameters<typeof x509.cryptoProvider.set>[0];
type CryptoKey = webcrypto.CryptoKey;

x509.cryptoProvider.set(webcrypto as unknown as ProviderCrypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface PemPair {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface TestCa extends PemPair {
  /** Issues a client certificate (clientAuth) with this subject, e.g. `CN=admin, O=system:masters`. */
  issueClient(subject: string): Promise<PemPair>;
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

function validity(): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - 60_000), notAfter: new Date(now + 24 * 3600_000) };
}

/** A new self-signed CA, unrelated to anything the server knows. */
export async function createTestCa(name = 'CN=foreign-test-ca'): Promise<TestCa> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name,
    keys,
    signingAlgorithm: ALG,
    ...validity(),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const caKeyPem = await keyPem(keys.privateKey);
  return {
    certPem: ca.toString('pem'),
    keyPem: caKeyPem,
    issueClient: async (subject: string) => {
      const leafKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
      const cert = await x509.X509CertificateGenerator.create({
        subject,
        issuer: ca.subject,
        publicKey: leafKeys.publicKey,
        signingKey: keys.privateKey,
        signingAlgorithm: ALG,
        ...validity(),
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        ],
      });
      return { certPem: cert.toString('pem'), keyPem: await keyPem(leafKeys.privateKey) };
    },
  };
}
