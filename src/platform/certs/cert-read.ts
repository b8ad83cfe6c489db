/**
 * Reading certificates with Node's own crypto only. A steady-state edgecore needs no more than this (the
 * subject and validity of its node certificate, whether its key matches), so it does not load
 * @peculiar/x509 and its ASN.1 stack (tens of MB) until a certificate must be created (x509.ts).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { KeError } from '../../base/index.js';
import { CertErrorCodes } from './errors.js';

/** What certInfo (x509.ts) also reports, read without @peculiar/x509. */
export interface CertBasics {
  readonly subjectCN: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** The subject CN and validity of a PEM certificate (the first one when several are concatenated). */
export function certBasics(certPem: string): CertBasics {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (cause) {
    throw new KeError(CertErrorCodes.invalidCert, 'certificate does not parse', { cause });
  }
  return { subjectCN: firstField(cert.subject, 'CN') ?? '', notBefore: certDate(cert.validFrom), notAfter: certDate(cert.validTo) };
}

/** True when `keyPem` is the private key of `certPem`. */
export function keyMatchesCert(certPem: string, keyPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/** True when `certPem` names `caPem` as issuer and its signature verifies with the CA's key. Ignores validity dates. */
export function isIssuedBy(certPem: string, caPem: string): boolean {
  try {
    const leaf = new X509Certificate(certPem);
    const ca = new X509Certificate(caPem);
    return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/**
 * The first `key=value` of Node's one-attribute-per-line distinguished name. Values are RFC 2253 escaped
 * (`\,`, `\+`, `\XX` for control bytes); a multi-valued RDN shares a line, joined by ` + `.
 */
function firstField(dn: string, key: string): string | undefined {
  for (const line of dn.split('\n')) {
    for (const part of line.split(/(?<!\\) \+ /)) {
      if (part.startsWith(`${key}=`)) return unescapeDn(part.slice(key.length + 1));
    }
  }
  return undefined;
}

function unescapeDn(v: string): string {
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < v.length; i++) {
    const hex = v[i] === '\\' ? /^[0-9A-Fa-f]{2}/.exec(v.slice(i + 1)) : null;
    if (hex !== null) {
      bytes.push(parseInt(hex[0], 16));
      i += 2;
    } else {
      const ch = v[i] === '\\' && i + 1 < v.length ? v[++i] ?? '' : v[i] ?? '';
      bytes.push(...enc.encode(ch));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** OpenSSL's `Nov 27 18:00:00 2026 GMT` (what validFrom/validTo give on Node 20). */
function certDate(text: string): Date {
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new KeError(CertErrorCodes.invalidCert, `certificate date does not parse: ${text}`);
  return d;
}
