import { isJsonObject, isKeError, type JsonObject, type JsonValue } from '../../../base/index.js';
import { ApiError, apiErrors } from '../status.js';
import { PROTOBUF_KINDS, kindMessage, messageSpec, type FieldSpec, type FieldType } from './schema.js';
import { MALFORMED, WireReader, WireType, malformed } from './wire.js';
import { base64, decodeIntOrString, decodeQuantity, decodeRawJsonObject, decodeTime } from './well-known.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** Every Kubernetes protobuf body starts with these 4 bytes: "k8s\0". */
const MAGIC = [0x6b, 0x38, 0x73, 0x00] as const;

/** Nesting limit when checking that a status message holds only zero values. */
const MAX_ZERO_CHECK_DEPTH = 16;

/** The request's kind, for error messages. */
interface Ctx {
  readonly gvk: string;
}

/**
 * Decodes a Kubernetes protobuf request body (`k8s\0` + runtime.Unknown{typeMeta, raw}) into the
 * object's JSON form, as the Go types would marshal it: zero-valued omitempty fields dropped, zero
 * times omitted, bytes as base64, IntOrString as number or string, Quantity as string.
 *
 * Throws ApiError BadRequest (400) for malformed bytes, and UnsupportedMediaType (415) for a kind
 * or field not in the schema table, so nothing is silently lost.
 */
export function decodeKubeProtobuf(buf: Uint8Array): JsonObject {
  if (buf.length < MAGIC.length || MAGIC.some((b, i) => buf[i] !== b)) {
    throw apiErrors.badRequest('protobuf request body does not start with the Kubernetes magic prefix "k8s\\x00"');
  }
  try {
    const env = readUnknown(buf.subarray(MAGIC.length));
    if (env.kind === '' || env.apiVersion === '') throw apiErrors.badRequest("Object 'Kind' or 'apiVersion' is missing in the protobuf request body");
    const gvk = `${env.apiVersion}, Kind=${env.kind}`;
    if (env.contentEncoding !== '') {
      throw new ApiError('UnsupportedMediaType', `protobuf request body for ${gvk} uses content encoding "${env.contentEncoding}", which is not supported; ${SEND_JSON}`);
    }
    if (env.contentType !== '' && env.contentType !== PROTOBUF_MEDIA_TYPE) {
      throw new ApiError('UnsupportedMediaType', `protobuf request body for ${gvk} wraps content type "${env.contentType}", which is not supported; ${SEND_JSON}`);
    }
    const name = kindMessage(env.apiVersion, env.kind);
    if (name === undefined) {
      const kinds = Object.keys(PROTOBUF_KINDS).map((k) => k.replace(' ', ', Kind='));
      throw new ApiError(
        'UnsupportedMediaType',
        `protobuf request bodies are not supported for ${gvk} (supported: ${kinds.join('; ')}); ${SEND_JSON}`,
      );
    }
    const obj = decodeMessage(env.raw, name, '', { gvk });
    return { apiVersion: env.apiVersion, kind: env.kind, ...obj };
  } catch (err) {
    if (isKeError(err, MALFORMED)) throw apiErrors.badRequest(`malformed protobuf request body: ${err.message}`);
    throw err;
  }
}

const SEND_JSON =
  'send the object as JSON instead (e.g. `kubectl create ... --dry-run=client -o json | kubectl create -f -`, or `kubectl apply -f`)';

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

/** runtime.Unknown {1: TypeMeta{1: apiVersion, 2: kind}, 2: raw, 3: contentEncoding, 4: contentType}. */
function readUnknown(b: Uint8Array): Envelope {
  const env: Envelope = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '', contentType: '' };
  const r = new WireReader(b);
  while (!r.done) {
    const tag = r.tag();
    expectWire(tag.wireType, WireType.Len, `runtime.Unknown field ${tag.field}`);
    switch (tag.field) {
      case 1: {
        const t = new WireReader(r.bytes());
        while (!t.done) {
          const tt = t.tag();
          expectWire(tt.wireType, WireType.Len, `TypeMeta field ${tt.field}`);
          if (tt.field === 1) env.apiVersion = t.string();
          else if (tt.field === 2) env.kind = t.string();
          else throw malformed(`unknown TypeMeta field ${tt.field}`);
        }
        break;
      }
      case 2:
        env.raw = r.bytes();
        break;
      case 3:
        env.contentEncoding = r.string();
        break;
      case 4:
        env.contentType = r.string();
        break;
      default:
        throw malformed(`unknown runtime.Unknown field ${tag.field}`);
    }
  }
  return env;
}

function expectWire(got: WireType, want: WireType, what: string): void {
  if (got !== want) throw malformed(`${what} has wire type ${got}, expected ${want}`);
}

function unsupportedField(ctx: Ctx, typeName: string, field: number, path: string): ApiError {
  const where = path === '' ? 'the object' : `"${path}"`;
  return new ApiError(
    'UnsupportedMediaType',
    `protobuf field ${field} of ${typeName} in ${where} (${ctx.gvk}) is not supported by this server and would be lost; ${SEND_JSON}`,
  );
}

/** Decodes one message into `target` (a fresh object unless merging an inline or repeated-occurrence field). */
function decodeMessage(b: Uint8Array, typeName: string, path: string, ctx: Ctx, target: JsonObject = {}): JsonObject {
  const spec = messageSpec(typeName);
  if (spec === undefined) throw apiErrors.internal(`protobuf schema has no message ${typeName}`);
  if (spec.zeroOnly) {
    if (!isZeroMessage(b, 0)) {
      throw new ApiError(
        'UnsupportedMediaType',
        `protobuf ${typeName} in "${path}" (${ctx.gvk}) is not empty; this server accepts only an empty status in protobuf request bodies; ${SEND_JSON}`,
      );
    }
    return target;
  }
  const r = new WireReader(b);
  while (!r.done) {
    const { field, wireType } = r.tag();
    const f = Object.hasOwn(spec.fields, field) ? spec.fields[field] : undefined;
    if (f === undefined) throw unsupportedField(ctx, typeName, field, path);
    readField(r, wireType, f, target, path, ctx);
  }
  return target;
}

function readField(r: WireReader, wt: WireType, f: FieldSpec, out: JsonObject, path: string, ctx: Ctx): void {
  const at = f.inline ? path : path === '' ? f.name : `${path}.${f.name}`;
  const nested = messageName(f.type);
  if (f.type.startsWith('map<')) {
    expectWire(wt, WireType.Len, `map field "${at}"`);
    const [key, value] = readMapEntry(r.bytes(), f.type, at);
    setOwn(objectAt(out, f.name), key, value);
  } else if (f.repeated) {
    const arr = arrayAt(out, f.name);
    if (nested !== undefined) {
      expectWire(wt, WireType.Len, `field "${at}"`);
      arr.push(decodeMessage(r.bytes(), nested, `${at}[${arr.length}]`, ctx));
    } else if (wt === WireType.Len && PACKABLE.has(f.type)) {
      const packed = new WireReader(r.bytes());
      while (!packed.done) arr.push(readValue(packed, f.type === 'double' ? WireType.Fixed64 : WireType.Varint, f.type, at) ?? null);
    } else {
      arr.push(readValue(r, wt, f.type, at) ?? null);
    }
  } else if (nested !== undefined) {
    expectWire(wt, WireType.Len, `field "${at}"`);
    if (f.inline) {
      decodeMessage(r.bytes(), nested, at, ctx, out);
    } else {
      const prev = out[f.name];
      out[f.name] = decodeMessage(r.bytes(), nested, at, ctx, isJsonObject(prev) ? prev : {});
    }
  } else {
    const v = readValue(r, wt, f.type, at);
    // Last occurrence wins, as in protobuf; a zero Time or a zero omitempty scalar is omitted.
    if (v === undefined || (!f.keep && SCALARS.has(f.type) && (v === '' || v === 0 || v === false))) delete out[f.name];
    else out[f.name] = v;
  }
}

const SCALARS: ReadonlySet<FieldType> = new Set<FieldType>(['string', 'bytes', 'bool', 'int32', 'int64', 'double']);
const PACKABLE: ReadonlySet<FieldType> = new Set<FieldType>(['bool', 'int32', 'int64', 'double']);

function messageName(t: FieldType): string | undefined {
  return t.startsWith('message:') ? t.slice('message:'.length) : undefined;
}

/** Reads a scalar or well-known value; undefined means "omit" (the zero Time). */
function readValue(r: WireReader, wt: WireType, t: FieldType, at: string): JsonValue | undefined {
  const want = t === 'bool' || t === 'int32' || t === 'int64' ? WireType.Varint : t === 'double' ? WireType.Fixed64 : WireType.Len;
  expectWire(wt, want, `field "${at}"`);
  switch (t) {
    case 'string':
      return r.string();
    case 'bytes':
      return base64(r.bytes());
    case 'bool':
      return r.bool();
    case 'int32':
      return r.int32();
    case 'int64':
      return r.int64();
    case 'double': {
      const d = r.double();
      if (!Number.isFinite(d)) throw malformed(`field "${at}" is not a finite number`);
      return d;
    }
    case 'Time':
      return decodeTime(r.bytes()) ?? undefined;
    case 'IntOrString':
      return decodeIntOrString(r.bytes());
    case 'Quantity':
      return decodeQuantity(r.bytes());
    case 'RawExtension':
    case 'FieldsV1': {
      const obj = decodeRawJsonObject(r.bytes(), t);
      if (obj === undefined) throw new ApiError('UnsupportedMediaType', `protobuf field "${at}" (${t}) does not hold a JSON object; ${SEND_JSON}`);
      return obj;
    }
    default:
      throw apiErrors.internal(`protobuf schema field "${at}" has unreadable type ${t}`);
  }
}

/** A map entry message {1: key, 2: value}; a missing value is the value type's zero. */
function readMapEntry(b: Uint8Array, t: FieldType, at: string): [string, JsonValue] {
  const r = new WireReader(b);
  let key = '';
  let value: JsonValue = t === 'map<string,Quantity>' ? '0' : '';
  while (!r.done) {
    const tag = r.tag();
    expectWire(tag.wireType, WireType.Len, `map entry field ${tag.field} of "${at}"`);
    if (tag.field === 1) key = r.string();
    else if (tag.field === 2) value = t === 'map<string,bytes>' ? base64(r.bytes()) : t === 'map<string,Quantity>' ? decodeQuantity(r.bytes()) : r.string();
    else throw malformed(`unknown map entry field ${tag.field} in "${at}"`);
  }
  return [key, value];
}

/** True when every field holds its zero value: varint 0, zero fixed bytes, or an empty/all-zero nested message. */
function isZeroMessage(b: Uint8Array, depth: number): boolean {
  const r = new WireReader(b);
  while (!r.done) {
    const tag = r.tag();
    switch (tag.wireType) {
      case WireType.Varint:
        if (r.varint() !== 0n) return false;
        break;
      case WireType.Fixed64:
        if (r.fixed64().some((x) => x !== 0)) return false;
        break;
      case WireType.Fixed32:
        if (r.fixed32().some((x) => x !== 0)) return false;
        break;
      case WireType.Len: {
        const v = r.bytes();
        if (v.length > 0 && !(depth < MAX_ZERO_CHECK_DEPTH && isZeroNested(v, depth + 1))) return false;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

function isZeroNested(b: Uint8Array, depth: number): boolean {
  try {
    return isZeroMessage(b, depth);
  } catch (err) {
    if (isKeError(err, MALFORMED)) return false;
    throw err;
  }
}

function objectAt(out: JsonObject, name: string): JsonObject {
  const cur = out[name];
  if (isJsonObject(cur)) return cur;
  const fresh: JsonObject = {};
  out[name] = fresh;
  return fresh;
}

function arrayAt(out: JsonObject, name: string): JsonValue[] {
  const cur = out[name];
  if (Array.isArray(cur)) return cur;
  const fresh: JsonValue[] = [];
  out[name] = fresh;
  return fresh;
}

/** Sets a map key as an own property, so keys like "__proto__" stay data. */
function setOwn(obj: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
