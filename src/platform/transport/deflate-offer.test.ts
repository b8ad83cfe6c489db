import assert from 'node:assert/strict';
import { test } from 'node:test';
import { screenDeflateOffers } from './deflate-offer.js';

test('offers ws would accept are kept, normalized', () => {
  assert.equal(screenDeflateOffers('permessage-deflate; client_max_window_bits'), 'permessage-deflate; client_max_window_bits');
  assert.equal(
    screenDeflateOffers('permessage-deflate; client_max_window_bits="10" ; server_no_context_takeover; server_max_window_bits=12'),
    'permessage-deflate; client_max_window_bits=10; server_no_context_takeover; server_max_window_bits=12',
  );
});

test('offers ws would refuse with 400 are dropped; others survive', () => {
  assert.equal(screenDeflateOffers(undefined), undefined);
  assert.equal(screenDeflateOffers(''), undefined);
  // gorilla/websocket: no client_max_window_bits
  assert.equal(screenDeflateOffers('permessage-deflate; server_no_context_takeover; client_no_context_takeover'), undefined);
  assert.equal(screenDeflateOffers('permessage-deflate; client_max_window_bits=8'), undefined);
  assert.equal(screenDeflateOffers('permessage-deflate; client_max_window_bits; server_max_window_bits=9'), undefined);
  assert.equal(screenDeflateOffers('permessage-deflate; client_max_window_bits; client_max_window_bits'), undefined);
  assert.equal(screenDeflateOffers('permessage-deflate; client_max_window_bits; unknown=1'), undefined);
  assert.equal(screenDeflateOffers('x-webkit-deflate-frame, permessage-deflate; client_max_window_bits=15, permessage-deflate'), 'permessage-deflate; client_max_window_bits=15');
});
