import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKeError } from '../../../base/index.js';
import { MALFORMED, WireReader, WireType } from './wire.js';

const reader = (...bytes: number[]): WireReader => new WireReader(Uint8Array.from(bytes));

function malformedError(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => isKeError(err, MALFORMED));
}

/** -1 as a 10-byte two's-complement varint, as Go writes negative int32/int64 values. */
const MINUS_ONE = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];

describe('WireReader', () => {
  it('reads varints of 1 to 10 bytes', () => {
    assert.equal(reader(0x00).varint(), 0n);
    assert.equal(reader(0x96, 0x01).varint(), 150n);
    assert.equal(reader(0xff, 0xff, 0xff, 0xff, 0x0f).varint(), 0xffffffffn);
    assert.equal(reader(...MINUS_ONE).varint(), 2n ** 64n - 1n);
  });

  it('decodes negative int32 and int64 from 10-byte varints', () => {
    assert.equal(reader(...MINUS_ONE).int32(), -1);
    assert.equal(reader(...MINUS_ONE).int64(), -1);
    // -5 = 0xfffffffffffffffb
    assert.equal(reader(0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01).int32(), -5);
  });

  it('reads int64 values up to 2^53 - 1 exactly and rejects larger ones', () => {
    // 2^53 - 1 = 0x1fffffffffffff
    assert.equal(reader(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f).int64(), Number.MAX_SAFE_INTEGER);
    malformedError(() => reader(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10).int64()); // 2^53
  });

  it('rejects int32 values outside the int32 range', () => {
    malformedError(() => reader(0x80, 0x80, 0x80, 0x80, 0x08).int32()); // 2^31
  });

  it('rejects truncated and overlong varints', () => {
    malformedError(() => reader(0x80).varint());
    malformedError(() => reader().varint());
    malformedError(() => reader(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02).varint());
    malformedError(() => reader(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00).varint());
  });

  it('reads tags and rejects field 0 and unknown wire types', () => {
    assert.deepEqual(reader(0x0a).tag(), { field: 1, wireType: WireType.Len });
    assert.deepEqual(reader(0x90, 0x02).tag(), { field: 34, wireType: WireType.Varint });
    malformedError(() => reader(0x02).tag());
    malformedError(() => reader(0x0e).tag());
  });

  it('reads length-delimited values within bounds only', () => {
    const r = reader(0x03, 0x61, 0x62, 0x63, 0x00);
    assert.equal(r.string(), 'abc');
    assert.equal(r.bytes().length, 0);
    assert.ok(r.done);
    malformedError(() => reader(0x05, 0x61).bytes());
    malformedError(() => new WireReader(Uint8Array.of(0x0a, 0x02, 0x61, 0x62), 0, 3).skip(WireType.Len));
  });

  it('rejects strings that are not UTF-8', () => {
    malformedError(() => reader(0x02, 0xc3, 0x28).string());
  });

  it('skips fixed32/fixed64 values and rejects groups', () => {
    const r = reader(0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x01, 0x02, 0x03, 0x04);
    r.skip(WireType.Fixed64);
    r.skip(WireType.Fixed32);
    assert.ok(r.done);
    malformedError(() => reader(0x01, 0x02, 0x03).skip(WireType.Fixed32));
    malformedError(() => reader(0x00).skip(WireType.StartGroup));
  });

  it('reads little-endian doubles', () => {
    assert.equal(reader(0, 0, 0, 0, 0, 0, 0xf8, 0x3f).double(), 1.5);
  });
});
