import { isJsonObject, type JsonObject } from '../../base/index.js';

/** Freezes a freshly parsed JSON value and everything in it; returns it. */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    Object.freeze(v);
    for (const child of Object.values(v)) deepFreeze(child);
  }
  return v;
}

/** Parses stored JSON text into a frozen object; undefined when it is not a JSON object. */
export function parseStored(text: unknown): Readonly<JsonObject> | undefined {
  if (typeof text !== 'string') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isJsonObject(v) ? deepFreeze(v) : undefined;
}

export interface Encoded {
  readonly text: string;
  /** A deep copy of the input as the text says (undefined members dropped), frozen. */
  readonly value: Readonly<JsonObject>;
}

/**
 * The JSON text to store and the frozen copy to keep in memory. Parsing the text back gives a copy
 * that equals the table row exactly. Undefined when the input does not encode to a JSON object.
 */
export function encodeValue(input: unknown): Encoded | undefined {
  const text: unknown = JSON.stringify(input);
  if (typeof text !== 'string') return undefined;
  const value = parseStored(text);
  return value === undefined ? undefined : { text, value };
}
