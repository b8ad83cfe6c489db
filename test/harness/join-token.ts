/**
 * Join tokens as ADR 0005 defines them (`sha256hex(CA DER).JWT`, HS256 with the DER of the CA key),
 * for tests that need one the cloud did not issue: expired, tampered, forged.
 */
import { createHmac } from 'node:crypto';
import { createJoinToken } from '../../src/cloud/cloudhub/index.js';

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** The DER bytes inside a PEM block. */
export function pemBody(pem: string): Buffer {
  const body = pem.replace(/-----(BEGIN|END) [^-]+-----/g, '').replace(/\s+/g, '');
  return Buffer.from(body, 'base64');
}

export interface JoinTokenOptions {
  readonly caCertPem: string;
  readonly caKeyPem: string;
  /** Expiry, seconds since epoch. */
  readonly expiresAt: number;
}

/** A token signed with the CA key, as cloudcore issues them (createJoinToken of src/cloud/cloudhub), with any expiry. */
export function makeJoinToken(opts: JoinTokenOptions): string {
  return createJoinToken(opts.caCertPem, opts.caKeyPem, opts.expiresAt * 1000);
}

/** The same token with its first (CA hash) part changed in one hex digit. */
export function tamperCaHash(token: string): string {
  const dot = token.indexOf('.');
  const first = token.charAt(0);
  const swapped = first === 'a' ? 'b' : 'a';
  return `${swapped}${token.slice(1, dot)}${token.slice(dot)}`;
}

/** A token of valid form whose JWT is signed with a key that is not the CA's. */
export function forgeJoinToken(token: string): string {
  const dot = token.indexOf('.');
  const hash = token.slice(0, dot);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const claims = b64url(JSON.stringify({ exp, iat: exp - 3600 }));
  const sig = createHmac('sha256', 'not-the-ca-key').update(`${header}.${claims}`).digest('base64url');
  return `${hash}.${header}.${claims}.${sig}`;
}
