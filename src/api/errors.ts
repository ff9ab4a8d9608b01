// API errors are Kubernetes `Status` objects (CONVENTIONS.md "Errors with context").
import type { Status, StatusCause, StatusReason } from './types.js';

export class ApiError extends Error {
  readonly code: number;
  readonly reason: StatusReason;
  readonly details: Status['details'];

  constructor(
    code: number,
    reason: StatusReason,
    message: string,
    details?: Status['details'],
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): Status {
    const s: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) {
      s.details = this.details;
    }
    return s;
  }
}

type Target = { group?: string; kind: string; name?: string };

function what(t: Target): string {
  const res = t.group ? `${t.kind.toLowerCase()}.${t.group}` : t.kind.toLowerCase();
  return t.name ? `${res} "${t.name}"` : res;
}

function det(t: Target, causes?: StatusCause[]): Status['details'] {
  const d: NonNullable<Status['details']> = { kind: t.kind.toLowerCase() };
  if (t.group) {
    d.group = t.group;
  }
  if (t.name) {
    d.name = t.name;
  }
  if (causes) {
    d.causes = causes;
  }
  return d;
}

export const errors = {
  notFound: (t: Target) => new ApiError(404, 'NotFound', `${what(t)} not found`, det(t)),
  alreadyExists: (t: Target) => new ApiError(409, 'AlreadyExists', `${what(t)} already exists`, det(t)),
  conflict: (t: Target, why: string) =>
    new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${what(t)}: ${why}`, det(t)),
  invalid: (t: Target, causes: StatusCause[]) =>
    new ApiError(
      422,
      'Invalid',
      `${t.kind} "${t.name ?? ''}" is invalid: ${causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ')}`,
      det(t, causes),
    ),
  badRequest: (message: string, causes?: StatusCause[]) =>
    new ApiError(400, 'BadRequest', message, causes ? { causes } : undefined),
  unauthorized: () => new ApiError(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (message: string) => new ApiError(403, 'Forbidden', message),
  gone: (message: string) => new ApiError(410, 'Expired', message),
  methodNotAllowed: (message: string) => new ApiError(405, 'MethodNotAllowed', message),
  unsupportedMediaType: (message: string) => new ApiError(415, 'UnsupportedMediaType', message),
  notAcceptable: (message: string) => new ApiError(406, 'NotAcceptable', message),
  tooLarge: (message: string) => new ApiError(413, 'RequestEntityTooLarge', message),
  internal: (message: string, cause?: unknown) =>
    new ApiError(500, 'InternalError', message, undefined, cause),
};

export function isApiError(e: unknown, code?: number): e is ApiError {
  return e instanceof ApiError && (code === undefined || e.code === code);
}
