import { cloneJson, isJsonObject, type JsonObject, type JsonValue } from '../../../base/index.js';

/**
 * RFC 7386 JSON Merge Patch (`application/merge-patch+json`): objects merge recursively, `null` deletes a
 * member, anything else (arrays included) replaces. Neither argument is modified.
 */
export function applyMergePatch(doc: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const target: JsonObject = isJsonObject(doc) ? { ...doc } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) {
      delete target[name];
      continue;
    }
    const merged = applyMergePatch(target[name], value);
    target[name] = merged;
  }
  // Members not touched by the patch are shared with `doc`; copy them so callers may mutate the result.
  for (const name of Object.keys(target)) {
    if (patch[name] === undefined) {
      const kept = target[name];
      if (kept !== undefined) target[name] = cloneJson(kept);
    }
  }
  return target;
}
