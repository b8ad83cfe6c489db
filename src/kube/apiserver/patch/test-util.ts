import assert from 'node:assert/strict';
import { isJsonArray, isJsonObject, type JsonObject, type JsonValue } from '../../../base/index.js';

/** Test helpers: narrow unknown JSON with assertions instead of casts. */

export function isJsonValue(v: unknown): v is JsonValue {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return true;
  if (isJsonArray(v)) return v.every(isJsonValue);
  if (isJsonObject(v)) return Object.values(v).every((x) => x === undefined || isJsonValue(x));
  return false;
}

export function parseJson(text: string): JsonValue {
  const v: unknown = JSON.parse(text);
  assert.ok(isJsonValue(v));
  return v;
}

export function obj(v: unknown): JsonObject {
  assert.ok(isJsonObject(v), `expected an object, got ${JSON.stringify(v)}`);
  return v;
}

export function objs(v: unknown): JsonObject[] {
  assert.ok(isJsonArray(v), `expected an array, got ${JSON.stringify(v)}`);
  return v.map(obj);
}
