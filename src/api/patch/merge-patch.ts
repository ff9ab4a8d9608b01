// RFC 7386 JSON Merge Patch (`application/merge-patch+json`): objects merge recursively, `null`
// deletes a key, and every other value (arrays included) replaces what was there.
import { cloneJson, isJsonObject, type JsonObject } from './json-values.js';
import { malformedPatch } from './patch-errors.js';

function merge(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) {
    return cloneJson(patch);
  }
  const out: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '__proto__') {
      throw malformedPatch('merge patch: the key "__proto__" is not allowed');
    }
    if (value === null) {
      delete out[key];
    } else {
      out[key] = merge(out[key], value);
    }
  }
  return out;
}

/**
 * Apply an RFC 7386 merge patch. The result shares no structure with `original` or `patch`
 * (the original is cloned first, patch values are cloned as they are copied in).
 */
export function applyMergePatch(original: unknown, patch: unknown): unknown {
  return merge(cloneJson(original), patch);
}
