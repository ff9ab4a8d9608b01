// The one error type of src/promote: a code the CLI can branch on and a message a release manager
// can act on (what was refused, why, and what to do), with the underlying failure as `cause`.

export type PromoteErrorCode =
  | 'UnknownApp'
  | 'UnknownEnvironment'
  | 'NoChanges'
  | 'DirtyTree'
  | 'SourceNotReady'
  | 'LayoutMismatch'
  | 'InvalidManifest'
  | 'PushFailed'
  | 'PushRejected'
  | 'Conflict'
  | 'UnknownRevision'
  | 'MissingToken'
  | 'GitHub'
  | 'Git';

export class PromoteError extends Error {
  constructor(
    readonly code: PromoteErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PromoteError';
  }
}

export function isPromoteError(e: unknown, code?: PromoteErrorCode): e is PromoteError {
  return e instanceof PromoteError && (code === undefined || e.code === code);
}
