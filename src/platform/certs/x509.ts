// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the reflect polyfill loaded first.
import 'reflect-metadata';
import { createHash, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { KeError } from '../../base/index.js';
import { CertErrorCodes } from './errors.js';

export { CertErrorCodes } from './errors.js';
export { isIssuedBy, keyMatchesCert } from './cert-read.js';

x509.cryptoProvider.set(webcrypto);

/** A PEM certificate and its private key (PKCS#8 PEM, which Node's `tls` accepts as is). */
export interface CertKeyPair {
  readonly certPem: string;
  readonly keyPem: string;
}

export type CertUsage = 'server' | 'client' | 'both';

export interface CreateCaOptions {
  /** Validity in days; default 3650. */
  readonly days?: number;
  /** Start of validity (minus a small skew allowance); default now. */
  readonly now?: Date;
}

export interface IssueCertOptions {
  readonly commonName: string;
  readonly organizations?: readonly string[];
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly usage: CertUsage;
  /** Validity in days; default 365. */
  readonly days?: number;
  readonly now?: Date;
}

export interface SignCsrOptions {
  /** When given, the CSR's subject CN must equal it (`KE_CERTS_CSR_SUBJECT` otherwise). */
  readonly commonName?: string;
  /** When given, the certificate's subject is this one, whatever the CSR asks for (its subject is then not read). */
  readonly subject?: { readonly commonName: string; readonly organizations: readonly string[] };
  readonly usage: CertUsage;
  /** Extended key usage OIDs (see ExtKeyUsageOid) to put in the certificate instead of those of `usage`. */
  readonly extKeyUsages?: readonly string[];
  /** Validity in days; default 365. */
  readonly days?: number;
  /** SANs to put in the certificate; SANs requested inside the CSR are never copied. */
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly now?: Date;
}

export interface CsrKeyPair {
  readonly csrPem: string;
  readonly keyPem: string;
}

export interface CertInfo {
  readonly subjectCN: string;
  readonly organizations: readonly string[];
  readonly issuerCN: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Lower-case hex SHA-256 of the DER encoding, no separators. */
  readonly sha256Fingerprint: string;
  readonly isCA: boolean;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** Backdate notBefore so peers with a slightly slow clock accept a fresh certificate. */
const CLOCK_SKEW_MS = 5 * 60_000;

const PRIVATE_KEY_TAG = 'PRIVATE KEY';

/** Extended key usage OIDs, for SignCsrOptions.extKeyUsages. */
export const ExtKeyUsageOid = {
  serverAuth: x509.ExtendedKeyUsage.serverAuth,
  clientAuth: x509.ExtendedKeyUsage.clientAuth,
} as const;

const EKU: Readonly<Record<CertUsage, readonly string[]>> = {
  server: [x509.ExtendedKeyUsage.serverAuth],
  client: [x509.ExtendedKeyUsage.clientAuth],
  both: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
};

/** Creates a self-signed ECDSA P-256 CA (basicConstraints CA, keyCertSign | cRLSign). */
export async function createCA(commonName: string, opts: CreateCaOptions = {}): Promise<CertKeyPair> {
  requireCommonName(commonName);
  const keys = await generateKeyPair();
  const validity = validityOf(opts.days ?? 3650, opts.now);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: subjectName(commonName, []),
    ...validity,
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKey(keys.privateKey) };
}

/** Issues a leaf certificate with a fresh key pair, signed by `ca`. */
export async function issueCert(ca: CertKeyPair, opts: IssueCertOptions): Promise<CertKeyPair> {
  requireCommonName(opts.commonName);
  const keys = await generateKeyPair();
  const certPem = await signLeaf(ca, subjectName(opts.commonName, opts.organizations ?? []), keys.publicKey, opts);
  return { certPem, keyPem: await exportPrivateKey(keys.privateKey) };
}

/** Creates a PKCS#10 request with a fresh ECDSA P-256 key (what an edge node sends to cloudhub). */
export async function createCsr(commonName: string, organizations: readonly string[] = []): Promise<CsrKeyPair> {
  requireCommonName(commonName);
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectName(commonName, organizations),
    keys,
    signingAlgorithm: SIGNING,
  });
  return { csrPem: csr.toString('pem'), keyPem: await exportPrivateKey(keys.privateKey) };
}

/**
 * Signs a CSR (PEM text, or DER bytes) with `ca`. The CSR's self-signature must verify; the certificate
 * keeps only the CSR's CN and O, or takes `opts.subject` instead (requested extensions are ignored), and
 * gets the EKU of `usage` (or `opts.extKeyUsages`) and the SANs given here.
 */
export async function signCsr(ca: CertKeyPair, csrPemOrDer: string | Uint8Array, opts: SignCsrOptions): Promise<string> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(typeof csrPemOrDer === 'string' ? csrPemOrDer : new Uint8Array(csrPemOrDer));
  } catch (cause) {
    throw new KeError(CertErrorCodes.invalidCsr, 'certificate request does not parse', { cause });
  }
  let verified: boolean;
  try {
    verified = await csr.verify();
  } catch (cause) {
    throw new KeError(CertErrorCodes.invalidCsr, 'certificate request signature cannot be checked', { cause });
  }
  if (!verified) throw new KeError(CertErrorCodes.invalidCsr, 'certificate request signature does not verify');
  const cn = csr.subjectName.getField('CN')[0] ?? '';
  if (opts.subject === undefined && cn === '') throw new KeError(CertErrorCodes.csrSubject, 'certificate request has no common name');
  if (opts.commonName !== undefined && cn !== opts.commonName) {
    throw new KeError(CertErrorCodes.csrSubject, 'certificate request common name is not the expected one', {
      details: { expected: opts.commonName, actual: cn },
    });
  }
  if (opts.subject !== undefined) requireCommonName(opts.subject.commonName);
  const subject = opts.subject ?? { commonName: cn, organizations: csr.subjectName.getField('O') };
  return signLeaf(ca, subjectName(subject.commonName, subject.organizations), csr.publicKey, opts);
}

/** Reads the facts callers need from a PEM certificate (the first one when several are concatenated). */
export function certInfo(certPem: string): CertInfo {
  const cert = parseCert(certPem);
  const basic = cert.getExtension(x509.BasicConstraintsExtension);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const names = san?.names.items ?? [];
  return {
    subjectCN: cert.subjectName.getField('CN')[0] ?? '',
    organizations: cert.subjectName.getField('O'),
    issuerCN: cert.issuerName.getField('CN')[0] ?? '',
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    sha256Fingerprint: sha256Hex(cert.rawData),
    isCA: basic?.ca ?? false,
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => n.value),
  };
}

/** KubeEdge's CA hash (the middle part of a join token): hex SHA-256 of the CA certificate's DER. */
export function caHash(caPem: string): string {
  return sha256Hex(parseCert(caPem).rawData);
}

/**
 * True when the certificate's SANs are exactly these DNS names and IP addresses (order-insensitive). Both sides go
 * through the same encoder, so `::1` and `0:0:0:0:0:0:0:1` compare equal.
 */
export function sansMatch(certPem: string, dnsNames: readonly string[], ipAddresses: readonly string[]): boolean {
  const cert = parseCert(certPem);
  const actual = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const expected = sanExtension(dnsNames, ipAddresses);
  const key = (ext: x509.SubjectAlternativeNameExtension | null | undefined): string =>
    [...new Set((ext?.names.items ?? []).map((n) => `${n.type}:${n.value}`))].sort().join(',');
  return key(actual) === key(expected);
}

/** What issueCert and signCsr share: the usage (or explicit EKUs), SANs and validity of the leaf certificate. */
type LeafOptions = Pick<IssueCertOptions, 'usage' | 'dnsNames' | 'ipAddresses' | 'days' | 'now'> & Pick<SignCsrOptions, 'extKeyUsages'>;

/** Signs a leaf certificate for `publicKey` with `ca` (validity 365 days unless `opts.days` says otherwise). */
async function signLeaf(ca: CertKeyPair, subject: x509.JsonName, publicKey: x509.PublicKeyType, opts: LeafOptions): Promise<string> {
  const caCert = parseCert(ca.certPem);
  const caKey = await importPrivateKey(ca.keyPem);
  const caSki = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
  const dnsNames = opts.dnsNames ?? [];
  const ipAddresses = opts.ipAddresses ?? [];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([...(opts.extKeyUsages ?? EKU[opts.usage])]),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    caSki !== null
      ? new x509.AuthorityKeyIdentifierExtension(caSki.keyId)
      : await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
  ];
  if (dnsNames.length > 0 || ipAddresses.length > 0) extensions.push(sanExtension(dnsNames, ipAddresses));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: caCert.subjectName,
    ...validityOf(opts.days ?? 365, opts.now),
    publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGNING,
    extensions,
  });
  return cert.toString('pem');
}

function sanExtension(dnsNames: readonly string[], ipAddresses: readonly string[]): x509.SubjectAlternativeNameExtension {
  const names: x509.JsonGeneralNames = [];
  for (const d of new Set(dnsNames)) {
    if (d === '') throw new KeError(CertErrorCodes.badOptions, 'empty DNS name');
    names.push({ type: 'dns', value: d });
  }
  for (const raw of new Set(ipAddresses)) {
    const ip = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
    if (isIP(ip) === 0) throw new KeError(CertErrorCodes.badOptions, 'not an IP address', { details: { ip: raw } });
    names.push({ type: 'ip', value: ip });
  }
  return new x509.SubjectAlternativeNameExtension(names, false);
}

function subjectName(commonName: string, organizations: readonly string[]): x509.JsonName {
  return [...organizations.map((o) => ({ O: [o] })), { CN: [commonName] }];
}

function validityOf(days: number, now: Date | undefined): { notBefore: Date; notAfter: Date } {
  if (!Number.isFinite(days) || days <= 0) throw new KeError(CertErrorCodes.badOptions, 'validity days must be positive', { details: { days } });
  const start = (now ?? new Date()).getTime();
  // X.509 times have second precision; drop the milliseconds so certInfo() reads back exactly what was asked.
  const notBefore = new Date(Math.floor((start - CLOCK_SKEW_MS) / 1000) * 1000);
  const notAfter = new Date(Math.floor((start + days * DAY_MS) / 1000) * 1000);
  return { notBefore, notAfter };
}

/** 16 random bytes, positive (high bit clear) and without a leading zero byte. */
function randomSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b.toString('hex');
}

function requireCommonName(cn: string): void {
  if (cn.trim() === '') throw new KeError(CertErrorCodes.badOptions, 'common name must not be empty');
}

async function generateKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
}

async function exportPrivateKey(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, PRIVATE_KEY_TAG);
}

async function importPrivateKey(keyPem: string): Promise<webcrypto.CryptoKey> {
  try {
    // Accepts PKCS#8 and SEC1 ("EC PRIVATE KEY") PEM by normalising through Node's key parser.
    const der = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' });
    return await webcrypto.subtle.importKey('pkcs8', der, EC_KEY, false, ['sign']);
  } catch (cause) {
    throw new KeError(CertErrorCodes.invalidKey, 'CA private key is not an ECDSA P-256 key', { cause });
  }
}

function parseCert(pem: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(pem);
  } catch (cause) {
    throw new KeError(CertErrorCodes.invalidCert, 'certificate does not parse', { cause });
  }
}

function sha256Hex(der: ArrayBuffer): string {
  return createHash('sha256').update(new Uint8Array(der)).digest('hex');
}
