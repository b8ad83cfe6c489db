import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isKeError } from '../../base/index.js';
import { EdgeHubErrorCode } from './errors.js';
import { parseJoinToken } from './join-token.js';

const HASH = 'AB'.repeat(32);

test('splits the CA hash from the dotted JWT', () => {
  assert.deepEqual(parseJoinToken(` ${HASH}.h.p.s\n`), { caHash: HASH.toLowerCase(), jwt: 'h.p.s' });
});

test('malformed tokens carry KE_EDGEHUB_TOKEN_MALFORMED and do not echo the token', () => {
  for (const t of ['', 'nodot', `${HASH.slice(2)}.h.p.s`, `${'g'.repeat(64)}.h.p.s`, `${HASH}.`, `${HASH}.only-one-part`]) {
    assert.throws(
      () => parseJoinToken(t),
      (err) => isKeError(err, EdgeHubErrorCode.TokenMalformed) && (t.length < 10 || !err.message.includes(t)),
    );
  }
});
