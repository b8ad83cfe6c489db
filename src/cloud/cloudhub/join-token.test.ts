import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { caHash, createCA, type CertKeyPair } from '../../platform/certs/index.js';
import { createJoinToken, splitJoinToken, verifyJoinToken } from './join-token.js';

let ca: CertKeyPair;
let other: CertKeyPair;
const NOW = 1_800_000_000_000;

before(async () => {
  ca = await createCA('KubeEdge');
  other = await createCA('KubeEdge');
});

test('a token is sha256(CA DER).JWT and verifies until it expires', () => {
  const token = createJoinToken(ca.certPem, ca.keyPem, NOW + 3_600_000);
  const parts = splitJoinToken(token);
  assert.ok(parts !== undefined);
  assert.equal(parts.caHash, caHash(ca.certPem));
  assert.match(parts.caHash, /^[0-9a-f]{64}$/);
  const [header, claims] = parts.jwt.split('.');
  assert.deepEqual(JSON.parse(Buffer.from(header ?? '', 'base64url').toString()), { alg: 'HS256', typ: 'JWT' });
  assert.deepEqual(JSON.parse(Buffer.from(claims ?? '', 'base64url').toString()), { exp: Math.floor((NOW + 3_600_000) / 1000) });
  assert.deepEqual(verifyJoinToken(parts.jwt, ca.keyPem, NOW), { ok: true });
  assert.deepEqual(verifyJoinToken(parts.jwt, ca.keyPem, NOW + 3_600_000), { ok: false, reason: 'expired' });
});

test('another CA key, tampered claims and garbage are refused with the reason', () => {
  const jwt = splitJoinToken(createJoinToken(ca.certPem, ca.keyPem, NOW + 60_000))?.jwt ?? '';
  assert.deepEqual(verifyJoinToken(jwt, other.keyPem, NOW), { ok: false, reason: 'bad-signature' });
  const [h, , s] = jwt.split('.');
  const forged = `${h}.${Buffer.from(JSON.stringify({ exp: 9_999_999_999 })).toString('base64url')}.${s}`;
  assert.deepEqual(verifyJoinToken(forged, ca.keyPem, NOW), { ok: false, reason: 'bad-signature' });
  for (const bad of ['', 'abc', 'a.b', 'a.b.c', `${h}.!!.${s}`, `${Buffer.from('{"alg":"none"}').toString('base64url')}.e30.`]) {
    assert.deepEqual(verifyJoinToken(bad, ca.keyPem, NOW), { ok: false, reason: 'malformed' }, bad);
  }
  // an expired token with a wrong signature reports the signature
  const old = splitJoinToken(createJoinToken(ca.certPem, ca.keyPem, NOW - 1000))?.jwt ?? '';
  assert.deepEqual(verifyJoinToken(old, other.keyPem, NOW), { ok: false, reason: 'bad-signature' });
  assert.equal(splitJoinToken('nodot'), undefined);
});
