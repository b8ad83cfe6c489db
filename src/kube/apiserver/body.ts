import type { IncomingMessage } from 'node:http';
import { parseAllDocuments } from 'yaml';
import { isJsonObject, type JsonObject } from '../../base/index.js';
import { ApiError, apiErrors } from './status.js';
import { decodeKubeProtobuf, PROTOBUF_MEDIA_TYPE } from './protobuf/index.js';

/** Kubernetes' limit for a request body is 3 MiB. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;
/** How much of an oversized body is read and dropped before the connection is closed instead. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = declared > limit;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    // keep reading (and dropping) an oversized body so the client gets the 413 instead of a reset,
    // up to a bound past which the connection is simply closed
    if (size > limit) tooLarge = true;
    if (size > DRAIN_LIMIT_BYTES) {
      req.socket.destroy();
      break;
    }
    if (!tooLarge) chunks.push(buf);
  }
  if (tooLarge) throw apiErrors.tooLarge(limit);
  return Buffer.concat(chunks);
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? 'application/json';
}

/** Decodes a JSON, YAML or protobuf body to a value; malformed input is a 400 with the parser's reason. */
export function decodeBody(buf: Buffer, contentType: string | undefined): unknown {
  let value: unknown;
  try {
    value = decodeAny(buf, contentType);
  } catch (err) {
    // a parser's own failure (stack overflow on absurd nesting, a YAML alias bomb) is the body's fault
    if (err instanceof ApiError) throw err;
    throw apiErrors.badRequest(`the request body could not be decoded: ${err instanceof Error ? err.message : String(err)}`);
  }
  const problem = shapeProblem(value, 0);
  if (problem !== undefined) throw apiErrors.badRequest(problem);
  return value;
}

/** Kubernetes objects nest a few dozen levels; this bound keeps every recursive walk of a body safe. */
export const MAX_BODY_DEPTH = 1000;

/**
 * What makes a decoded body unsafe to process: nesting beyond MAX_BODY_DEPTH (recursive merges
 * would overflow the stack), or a `__proto__` key, which later merges would turn into a write to
 * Object.prototype (no Kubernetes field has that name).
 */
function shapeProblem(v: unknown, depth: number): string | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  if (depth > MAX_BODY_DEPTH) return `the request body is nested deeper than ${MAX_BODY_DEPTH} levels`;
  if (Array.isArray(v)) {
    for (const x of v) {
      const p = shapeProblem(x, depth + 1);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  for (const k of Object.keys(v)) {
    if (k === '__proto__') return 'the request body contains the forbidden key "__proto__"';
    const p = shapeProblem((v as Record<string, unknown>)[k], depth + 1);
    if (p !== undefined) return p;
  }
  return undefined;
}

function decodeAny(buf: Buffer, contentType: string | undefined): unknown {
  const type = mediaType(contentType);
  // kubectl's typed clients (kubectl create <generator>) send Kubernetes protobuf; we answer in JSON
  if (type === PROTOBUF_MEDIA_TYPE) {
    if (buf.length === 0) throw apiErrors.badRequest('the request body is empty');
    return decodeKubeProtobuf(buf);
  }
  const text = buf.toString('utf8');
  if (text.trim() === '') throw apiErrors.badRequest('the request body is empty');
  if (type === 'application/yaml' || type === 'application/apply-patch+yaml' || type === 'text/yaml') {
    // JSON is valid YAML, but parse JSON bodies as JSON first for speed and exact errors.
    const trimmed = text.trimStart();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        // fall through to YAML
      }
    }
    const docs = parseAllDocuments(text);
    if (!Array.isArray(docs)) throw apiErrors.badRequest('the request body is not a YAML document');
    const real = docs.filter((d) => d.contents !== null);
    if (real.length !== 1) throw apiErrors.badRequest(`expected exactly one YAML document in the request body, got ${real.length}`);
    const doc = real[0];
    if (doc === undefined) throw apiErrors.badRequest('empty YAML document');
    if (doc.errors.length > 0) throw apiErrors.badRequest(`error converting YAML to JSON: ${doc.errors[0]?.message ?? 'invalid YAML'}`);
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  }
  if (
    type === 'application/json' ||
    type === 'application/merge-patch+json' ||
    type === 'application/strategic-merge-patch+json' ||
    type === 'application/json-patch+json' ||
    type === '*/*'
  ) {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw apiErrors.badRequest(`couldn't get version/kind; json parse error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw apiErrors.unsupportedMediaType(type);
}

export function decodeObjectBody(buf: Buffer, contentType: string | undefined): JsonObject {
  const v = decodeBody(buf, contentType);
  if (!isJsonObject(v)) throw apiErrors.badRequest('the request body must be a JSON object');
  return v;
}
