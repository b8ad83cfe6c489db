import { isJsonObject, type JsonObject } from '../../../base/index.js';
import { WireReader, WireType, malformed, type Tag } from './wire.js';

/**
 * apimachinery types with their own JSON form: metav1.Time, intstr.IntOrString,
 * resource.Quantity, runtime.RawExtension and metav1.FieldsV1. Each is a small fixed message;
 * anything unexpected inside one is malformed input.
 */

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range RFC 3339 (and Go's JSON) can express. */
const MIN_SECONDS = -62135596800;
const MAX_SECONDS = 253402300799;

function expectWire(tag: Tag, want: WireType, what: string): void {
  if (tag.wireType !== want) throw malformed(`${what} field ${tag.field} has wire type ${tag.wireType}, expected ${want}`);
}

/**
 * metav1.Time {1: seconds int64, 2: nanos int32} → RFC 3339 in UTC, or null for the zero time
 * (an empty message, or seconds and nanos both 0). Like Go's `Time.Unmarshal`, sub-second
 * precision is dropped, since its JSON form carries seconds only.
 */
export function decodeTime(b: Uint8Array): string | null {
  const r = new WireReader(b);
  let seconds = 0;
  let nanos = 0;
  while (!r.done) {
    const tag = r.tag();
    if (tag.field === 1) {
      expectWire(tag, WireType.Varint, 'Time');
      seconds = r.int64();
    } else if (tag.field === 2) {
      expectWire(tag, WireType.Varint, 'Time');
      nanos = r.int32();
    } else {
      throw malformed(`unknown Time field ${tag.field}`);
    }
  }
  if (seconds === 0 && nanos === 0) return null;
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) throw malformed(`Time seconds ${seconds} out of range`);
  if (nanos < 0 || nanos > 999_999_999) throw malformed(`Time nanos ${nanos} out of range`);
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** intstr.IntOrString {1: type (0 int, 1 string), 2: intVal, 3: strVal} → number or string. */
export function decodeIntOrString(b: Uint8Array): number | string {
  const r = new WireReader(b);
  let type = 0;
  let intVal = 0;
  let strVal = '';
  while (!r.done) {
    const tag = r.tag();
    switch (tag.field) {
      case 1:
        expectWire(tag, WireType.Varint, 'IntOrString');
        type = r.int64();
        break;
      case 2:
        expectWire(tag, WireType.Varint, 'IntOrString');
        intVal = r.int32();
        break;
      case 3:
        expectWire(tag, WireType.Len, 'IntOrString');
        strVal = r.string();
        break;
      default:
        throw malformed(`unknown IntOrString field ${tag.field}`);
    }
  }
  if (type === 0) return intVal;
  if (type === 1) return strVal;
  throw malformed(`IntOrString type ${type} is neither 0 (int) nor 1 (string)`);
}

/** resource.Quantity {1: string} → its canonical string. */
export function decodeQuantity(b: Uint8Array): string {
  const r = new WireReader(b);
  let s = '';
  while (!r.done) {
    const tag = r.tag();
    if (tag.field !== 1) throw malformed(`unknown Quantity field ${tag.field}`);
    expectWire(tag, WireType.Len, 'Quantity');
    s = r.string();
  }
  if (s === '') throw malformed('Quantity has no value');
  return s;
}

/**
 * runtime.RawExtension and metav1.FieldsV1, both {1: raw bytes} holding a JSON object.
 * Returns undefined when the raw bytes are not JSON (e.g. a nested protobuf object), so the
 * caller can report it as unsupported instead of malformed.
 */
export function decodeRawJsonObject(b: Uint8Array, what: string): JsonObject | undefined {
  const r = new WireReader(b);
  let raw: Uint8Array = new Uint8Array(0);
  while (!r.done) {
    const tag = r.tag();
    if (tag.field !== 1) throw malformed(`unknown ${what} field ${tag.field}`);
    expectWire(tag, WireType.Len, what);
    raw = r.bytes();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
  } catch {
    return undefined;
  }
  return isJsonObject(parsed) ? parsed : undefined;
}

export function base64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}
