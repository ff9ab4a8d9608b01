// The shapes src/sync reads from and writes into an Application (argoproj.io/v1alpha1), as Argo CD
// users know them: the status (sync, health, resources, conditions, operationState, history) and
// the operation a user requests (`gantry app sync`). Pure types and constants.
import type { KObject } from '../api/types.js';
import type { HealthStatusCode } from './health.js';

/** Where Application objects live (Argo CD uses `argocd`). */
export const APPLICATION_NAMESPACE = 'gantry';
/** The field manager Gantry applies with (server-side apply). */
export const FIELD_MANAGER = 'gantry';
/** Per-resource sync options, as Argo CD: `Prune=false`, … */
export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';
export const HOOK_DELETE_POLICY_ANNOTATION = 'argocd.argoproj.io/hook-delete-policy';
/** Stamped on hook objects: the operation that created them (resume must not recreate them). */
export const HOOK_OPERATION_ANNOTATION = 'gantry.dev/operation-id';
/** Label on Argo CD repository Secrets. */
export const SECRET_TYPE_LABEL = 'argocd.argoproj.io/secret-type';

export type SyncStatusCode = 'Synced' | 'OutOfSync' | 'Unknown';
export type OperationPhase = 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Terminating';
export type ResultCode = 'Synced' | 'SyncFailed' | 'Pruned' | 'PruneSkipped';
export type HookPhase = 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Terminating';
export type OpSyncPhase = 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail';
export type SourceType = 'Directory' | 'Kustomize';

export function isCompleted(phase: OperationPhase | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Error';
}

export interface Condition {
  type: string; // ComparisonError | SyncError | InvalidSpecError | SyncBlocked | RepeatedResourceWarning …
  message: string;
  lastTransitionTime?: string;
}

export interface ResourceStatus {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  status: 'Synced' | 'OutOfSync';
  /** Why OutOfSync, when not a plain difference: `Missing` or `Extra` (Gantry addition). */
  reason?: 'Missing' | 'Extra';
  requiresPruning?: boolean;
  health?: { status: HealthStatusCode; message?: string };
  hook?: boolean;
}

export interface SyncOperation {
  revision?: string;
  prune?: boolean;
  dryRun?: boolean;
  syncOptions?: string[];
}

export interface Operation {
  sync?: SyncOperation;
  initiatedBy?: { username?: string; automated?: boolean };
  retry?: RetryStrategy;
}

export interface ResourceResult {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  status: ResultCode;
  message: string;
  hookPhase?: HookPhase;
  syncPhase: OpSyncPhase;
  /** Gantry: the wave the resource was applied in. */
  syncWave?: number;
}

/** Where a running operation stands: what the step function does next (resumable). */
export type OperationStep =
  | { readonly kind: 'PreSync' }
  | { readonly kind: 'Wave'; readonly wave: number; readonly applied: boolean }
  | { readonly kind: 'Prune' }
  | { readonly kind: 'PostSync' }
  | { readonly kind: 'Finish' };

export interface OperationState {
  operation: Operation;
  phase: OperationPhase;
  message: string;
  startedAt: string;
  finishedAt?: string;
  retryCount?: number;
  /** Gantry: an opaque id of this run, stamped on the hooks it creates. */
  id?: string;
  step?: OperationStep;
  /** Gantry: when a retry may start (after a failure with a retry policy). */
  nextRetryAt?: string;
  syncResult: { revision: string; source?: Source; resources: ResourceResult[] };
}

export interface Source {
  repoURL: string;
  path?: string;
  targetRevision?: string;
  directory?: { recurse?: boolean; include?: string; exclude?: string };
}

export interface HistoryEntry {
  id: number;
  revision: string;
  deployedAt: string;
  deployStartedAt?: string;
  source: Source;
  initiatedBy?: Operation['initiatedBy'];
}

export interface RetryStrategy {
  limit?: number;
  backoff?: { duration?: string; factor?: number; maxDuration?: string };
}

export interface ApplicationStatus {
  sync?: { status: SyncStatusCode; revision?: string; comparedTo?: { source: Source; destination: unknown } };
  health?: { status: HealthStatusCode; message?: string };
  resources?: ResourceStatus[];
  conditions?: Condition[];
  reconciledAt?: string;
  sourceType?: SourceType;
  operationState?: OperationState;
  history?: HistoryEntry[];
  summary?: { images?: string[] };
}

/** A manifest as rendered from git: the object and where it came from. */
export interface SourcedObject {
  readonly obj: KObject;
  /** Path relative to the repository root (`manifests/staging/web.yaml`). */
  readonly file: string;
  /** 1-based line of the document (or List item) in that file. */
  readonly line: number;
  /** The line of a field path inside this document, when known (for error messages). */
  readonly lineOf?: (path: readonly (string | number)[]) => number | undefined;
}

/** A problem in a manifest: `file:line[:col]: [field: ]message`. */
export interface ManifestError {
  readonly file: string;
  readonly line?: number;
  readonly col?: number;
  readonly field?: string;
  readonly message: string;
}

export function formatManifestError(e: ManifestError): string {
  let where = e.file;
  if (e.line !== undefined) {
    where += `:${e.line}`;
    if (e.col !== undefined) {
      where += `:${e.col}`;
    }
  }
  const msg = e.field ? `${e.field}: ${e.message}` : e.message;
  return `${where}: ${msg}`;
}
