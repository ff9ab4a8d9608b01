// Errors the patch engines raise, as Kubernetes `Status` errors (ApiError).
// 400 BadRequest: the patch document itself is malformed (wrong shape, unknown op or directive).
// 422 Invalid: a well-formed patch that cannot be applied to this object (failed `test`, missing path).
import { ApiError } from '../errors.js';
import type { Status } from '../types.js';

/** What is being patched, for error details; every field optional because pure callers may not know. */
export interface PatchTarget {
  readonly group?: string;
  readonly kind?: string;
  readonly name?: string;
}

export function targetDetails(target: PatchTarget | undefined): NonNullable<Status['details']> {
  const d: NonNullable<Status['details']> = {};
  if (target?.group) {
    d.group = target.group;
  }
  if (target?.kind) {
    d.kind = target.kind.toLowerCase();
  }
  if (target?.name) {
    d.name = target.name;
  }
  return d;
}

/** 422 Invalid naming the offending field; used when a valid patch does not fit the object. */
export function patchNotApplicable(
  target: PatchTarget | undefined,
  field: string,
  message: string,
): ApiError {
  const subject = target?.kind ? `${target.kind} "${target.name ?? ''}" ` : '';
  return new ApiError(422, 'Invalid', `${subject}could not be patched: ${message}`, {
    ...targetDetails(target),
    causes: [{ field, message, reason: 'FieldValueInvalid' }],
  });
}

/** 400 BadRequest for a malformed patch document. */
export function malformedPatch(message: string, field?: string): ApiError {
  return new ApiError(400, 'BadRequest', message, {
    causes: [field === undefined ? { message } : { field, message, reason: 'FieldValueInvalid' }],
  });
}
