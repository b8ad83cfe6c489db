import { KeError } from '../../../base/index.js';

/**
 * A minimal, bounds-checked protobuf wire-format reader: just what the Kubernetes protobuf request
 * bodies need (proto2 as written by gogo-protobuf). Every read checks the buffer end; truncated or
 * malformed input throws a `KeError` with code `KE_PROTOBUF_MALFORMED` (mapped to a 400 by the decoder).
 */

export const WireType = {
  Varint: 0,
  Fixed64: 1,
  Len: 2,
  StartGroup: 3,
  EndGroup: 4,
  Fixed32: 5,
} as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

export const MALFORMED = 'KE_PROTOBUF_MALFORMED';

export function malformed(message: string, details?: Record<string, unknown>): KeError {
  return new KeError(MALFORMED, message, details === undefined ? undefined : { details });
}

export interface Tag {
  readonly field: number;
  readonly wireType: WireType;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;

export class WireReader {
  private pos: number;
  private readonly end: number;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
  ) {
    if (start < 0 || end > buf.length || start > end) throw malformed('invalid protobuf buffer bounds');
    this.pos = start;
    this.end = end;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  get offset(): number {
    return this.pos;
  }

  /** Reads a field key. Field 0, field numbers above 2^29-1 and unknown wire types are malformed. */
  tag(): Tag {
    const key = this.varint();
    const wireType = Number(key & 7n);
    const field = key >> 3n;
    if (field < 1n || field > 0x1fffffffn) throw malformed(`invalid protobuf field number ${field} at offset ${this.pos}`);
    if (wireType > 5) throw malformed(`invalid protobuf wire type ${wireType} at offset ${this.pos}`);
    return { field: Number(field), wireType: wireType as WireType };
  }

  /** Reads an unsigned varint of up to 10 bytes (64 bits) as a bigint. */
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw malformed('truncated protobuf varint');
      const b = this.buf[this.pos++] ?? 0;
      if (i === 9 && b > 1) throw malformed('protobuf varint overflows 64 bits');
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    throw malformed('protobuf varint longer than 10 bytes');
  }

  /** An int64 varint (two's complement, so negatives are 10 bytes) as a JS number; throws if not exactly representable. */
  int64(): number {
    const v = BigInt.asIntN(64, this.varint());
    if (v > MAX_SAFE || v < MIN_SAFE) {
      throw malformed(`protobuf int64 value ${v} does not fit a JSON number exactly`);
    }
    return Number(v);
  }

  /** An int32 varint (negatives are sign-extended to 10 bytes); values outside int32 are malformed. */
  int32(): number {
    const v = BigInt.asIntN(64, this.varint());
    if (v < INT32_MIN || v > INT32_MAX) throw malformed(`protobuf int32 value ${v} out of range`);
    return Number(v);
  }

  bool(): boolean {
    return this.varint() !== 0n;
  }

  /** A length-delimited payload, as a view into the underlying buffer (no copy). */
  bytes(): Uint8Array {
    const len = this.varint();
    if (len > BigInt(this.end - this.pos)) throw malformed(`truncated protobuf field: length ${len} exceeds the ${this.end - this.pos} bytes left`);
    const n = Number(len);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A length-delimited payload decoded as strict UTF-8. */
  string(): string {
    return decodeUtf8(this.bytes());
  }

  fixed64(): Uint8Array {
    return this.take(8);
  }

  fixed32(): Uint8Array {
    return this.take(4);
  }

  /** A little-endian IEEE 754 double (wire type 1). */
  double(): number {
    const b = this.take(8);
    return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
  }

  /** Skips one field's value. Groups (deprecated wire types 3/4) are not used by Kubernetes and are malformed here. */
  skip(wireType: WireType): void {
    switch (wireType) {
      case WireType.Varint:
        this.varint();
        return;
      case WireType.Fixed64:
        this.take(8);
        return;
      case WireType.Len:
        this.bytes();
        return;
      case WireType.Fixed32:
        this.take(4);
        return;
      default:
        throw malformed(`unsupported protobuf wire type ${wireType} (groups)`);
    }
  }

  private take(n: number): Uint8Array {
    if (this.end - this.pos < n) throw malformed(`truncated protobuf fixed-width value: need ${n} bytes, ${this.end - this.pos} left`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeUtf8(b: Uint8Array): string {
  try {
    return utf8.decode(b);
  } catch (err) {
    throw new KeError(MALFORMED, 'protobuf string field is not valid UTF-8', { cause: err });
  }
}
