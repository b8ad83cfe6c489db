/**
 * KubeEdge's join token: `<sha256hex(CA DER)>.<JWT>`, the JWT HS256-signed with the DER (PKCS#8) of the CA
 * private key, claims `{ exp }` in seconds. Built on node:crypto only.
 */
import { createHmac, createPrivateKey, timingSafeEqual } from 'node:crypto';
import { caHash } from '../../platform/certs/index.js';

export type JoinTokenCheck = { readonly ok: true } | { readonly ok: false; readonly reason: 'malformed' | 'bad-signature' | 'expired' };

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function hmacKey(caKeyPem: string): Buffer {
  return createPrivateKey(caKeyPem).export({ type: 'pkcs8', format: 'der' });
}

function sign(signingInput: string, key: Buffer): Buffer {
  return createHmac('sha256', key).update(signingInput).digest();
}

/** The full token edges are given (`keadm join --token`). */
export function createJoinToken(caCertPem: string, caKeyPem: string, expiresAtMs: number): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const claims = b64url(JSON.stringify({ exp: Math.floor(expiresAtMs / 1000) }));
  const input = `${header}.${claims}`;
  return `${caHash(caCertPem)}.${input}.${b64url(sign(input, hmacKey(caKeyPem)))}`;
}

/** Splits a full token into the CA hash and the JWT part; undefined when it has no hash prefix. */
export function splitJoinToken(token: string): { caHash: string; jwt: string } | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0) return undefined;
  const jwt = token.slice(dot + 1);
  return jwt.split('.').length === 3 ? { caHash: token.slice(0, dot), jwt } : undefined;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

function decodeJson(part: string): unknown {
  if (!B64URL.test(part)) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Checks the JWT part (what edges send as `Authorization: Bearer …`): signature first, then expiry. */
export function verifyJoinToken(jwtPart: string, caKeyPem: string, nowMs: number): JoinTokenCheck {
  const parts = jwtPart.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [h, c, s] = parts as [string, string, string];
  const header = decodeJson(h);
  const claims = decodeJson(c);
  if (typeof header !== 'object' || header === null || (header as Record<string, unknown>)['alg'] !== 'HS256') return { ok: false, reason: 'malformed' };
  if (typeof claims !== 'object' || claims === null || !B64URL.test(s) || s === '') return { ok: false, reason: 'malformed' };
  const expected = sign(`${h}.${c}`, hmacKey(caKeyPem));
  const given = Buffer.from(s, 'base64url');
  if (given.byteLength !== expected.byteLength || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
  const exp = (claims as Record<string, unknown>)['exp'];
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return { ok: false, reason: 'malformed' };
  if (exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true };
}
