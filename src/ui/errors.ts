// What the dashboard's endpoints answer when the work below them fails: each library error, by
// its class, as a Kubernetes Status with a code the browser can act on (404 unknown, 409 refused
// in the current state, 422 bad manifests, 503 repository unreachable), the message unchanged.
import { ApiError } from '../api/errors.js';
import { isPromoteError, type PromoteErrorCode } from '../promote/errors.js';
import { RolloutControlError } from '../rollout/rollout/controls.js';
import { AppActionError } from '../sync/app-actions.js';
import { InvalidManifestsError } from '../sync/app-diff.js';
import { GitSourceError } from '../sync/git-source.js';

const PROMOTE_CODES: Record<PromoteErrorCode, [number, ApiError['reason']]> = {
  UnknownApp: [404, 'NotFound'],
  UnknownEnvironment: [404, 'NotFound'],
  UnknownRevision: [400, 'BadRequest'],
  NoChanges: [409, 'Conflict'],
  DirtyTree: [409, 'Conflict'],
  SourceNotReady: [409, 'Conflict'],
  Conflict: [409, 'Conflict'],
  PushRejected: [409, 'Conflict'],
  LayoutMismatch: [422, 'Invalid'],
  InvalidManifest: [422, 'Invalid'],
  PushFailed: [503, 'ServiceUnavailable'],
  MissingToken: [403, 'Forbidden'],
  GitHub: [503, 'ServiceUnavailable'],
  Git: [503, 'ServiceUnavailable'],
};

/** The Status for an error, or undefined when it is unexpected (an internal error to log). */
export function statusOf(e: unknown): ApiError | undefined {
  if (e instanceof ApiError) {
    return e;
  }
  if (isPromoteError(e)) {
    const [code, reason] = PROMOTE_CODES[e.code];
    return new ApiError(code, reason, e.message);
  }
  if (e instanceof AppActionError) {
    return e.reason === 'NotFound'
      ? new ApiError(404, 'NotFound', e.message)
      : new ApiError(409, 'Conflict', e.message);
  }
  if (e instanceof InvalidManifestsError) {
    return new ApiError(422, 'Invalid', e.message);
  }
  if (e instanceof GitSourceError) {
    return e.reason === 'UnknownRevision'
      ? new ApiError(404, 'NotFound', e.message)
      : new ApiError(503, 'ServiceUnavailable', e.message);
  }
  if (e instanceof RolloutControlError) {
    return new ApiError(409, 'Conflict', e.message);
  }
  // a library's "not found" wrapping the API's 404
  if (e instanceof Error && e.cause instanceof ApiError && e.cause.code === 404) {
    return new ApiError(404, 'NotFound', e.message);
  }
  return undefined;
}
