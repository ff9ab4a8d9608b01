// RFC 6902 JSON Patch (`application/json-patch+json`), applied with fast-json-patch on a deep
// clone. A malformed patch document (not an array, unknown op, missing value/from, bad pointer)
// is a 400; a well-formed patch that does not fit the object (a failing `test`, a path that does
// not exist, an index out of bounds) is a 422 naming the operation index and path.

import type { Operation } from 'fast-json-patch';
import jsonpatch from 'fast-json-patch';
import { cloneJson, isJsonObject } from './json-values.js';
import { malformedPatch, type PatchTarget, patchNotApplicable } from './patch-errors.js';

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Why an operation could not be applied, keyed by fast-json-patch's error names. */
const NOT_APPLICABLE: Record<string, string> = {
  TEST_OPERATION_FAILED: 'the value at the path does not equal the tested value',
  OPERATION_PATH_UNRESOLVABLE: 'the path does not exist',
  OPERATION_FROM_UNRESOLVABLE: 'the "from" path does not exist',
  OPERATION_PATH_CANNOT_ADD: 'the parent of the path does not exist',
  OPERATION_PATH_ILLEGAL_ARRAY_INDEX: 'the path has an invalid array index',
  OPERATION_VALUE_OUT_OF_BOUNDS: 'the array index is out of bounds',
};

function describe(op: Operation, index: number): string {
  return `json patch operation ${index} (${op.op} ${op.path})`;
}

/** Structural checks done before touching the document, so the 400/422 split is deterministic. */
function checkShape(patch: unknown): asserts patch is Operation[] {
  if (!Array.isArray(patch)) {
    throw malformedPatch('json patch must be a JSON array of operations');
  }
  patch.forEach((op: unknown, i) => {
    if (!isJsonObject(op)) {
      throw malformedPatch(`json patch operation ${i} is not an object`);
    }
    if (typeof op.op !== 'string' || !OPS.has(op.op)) {
      throw malformedPatch(`json patch operation ${i} has unknown op ${JSON.stringify(op.op ?? null)}`);
    }
    if (typeof op.path !== 'string') {
      throw malformedPatch(`json patch operation ${i} (${op.op}) is missing a string "path"`);
    }
  });
  const err = jsonpatch.validate(patch);
  if (err) {
    const op = patch[err.index ?? 0];
    throw malformedPatch(
      `${op ? describe(op, err.index ?? 0) : 'json patch'} is malformed: ${err.message.split('\n')[0]}`,
      op?.path,
    );
  }
}

/**
 * Apply an RFC 6902 patch to `original`. Returns a new value; `original` and `patch` are not
 * modified and the result shares no structure with either.
 */
export function applyJsonPatch(original: unknown, patch: unknown, target?: PatchTarget): unknown {
  checkShape(patch);
  const ops = cloneJson(patch);
  let doc = cloneJson(original);
  ops.forEach((op, i) => {
    try {
      doc = jsonpatch.applyOperation(doc, op, true, true, true, i).newDocument;
    } catch (e) {
      const reason = e instanceof Error ? NOT_APPLICABLE[e.name] : undefined;
      if (reason !== undefined) {
        throw patchNotApplicable(target, op.path, `${describe(op, i)}: ${reason}`);
      }
      // fast-json-patch refuses __proto__/constructor paths with a TypeError: a malformed patch.
      const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw malformedPatch(`${describe(op, i)} was rejected: ${why}`, op.path);
    }
  });
  return doc;
}
