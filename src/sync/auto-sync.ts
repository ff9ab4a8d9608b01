// Whether a sync starts now, decided as Argo CD decides it: a requested `operation` always (a
// manual sync); otherwise only with an automated policy and an OutOfSync app — once per revision
// (a failed automated sync of a revision is not repeated, only retried by its retry policy), and
// again for the same revision only to revert drift with selfHeal, after a short grace and then
// with backoff (2 s × 3 up to 5 min). Refuses an automated prune of every resource unless
// allowEmpty. Sync windows are checked by the caller. Pure.
import type { KObject } from '../api/types.js';
import { automatedPolicy } from './policy.js';
import type { Operation, OperationState, Source, SyncStatusCode } from './types.js';

export interface SelfHealState {
  readonly attempts: number;
  readonly lastFinishedMs: number;
}

export type StartDecision =
  | { readonly kind: 'none'; readonly error?: string }
  | { readonly kind: 'wait'; readonly ms: number }
  | {
      readonly kind: 'start';
      readonly operation: Operation;
      readonly manual: boolean;
      /** A revision other than the compared one, to resolve first (a manual sync to a SHA or tag). */
      readonly otherRevision?: string;
      readonly selfHeal: boolean;
    };

export interface StartInput {
  readonly app: KObject;
  readonly previous: OperationState | undefined;
  /** The compared (target) commit. */
  readonly sha: string;
  readonly syncStatus: SyncStatusCode;
  readonly desiredCount: number;
  readonly now: Date;
  readonly selfHeal?: SelfHealState;
}

export const SELF_HEAL_GRACE_MS = 1000;
const SELF_HEAL_BASE_MS = 2000;
const SELF_HEAL_MAX_MS = 300_000;

export function decideSync(input: StartInput): StartDecision {
  const { app, previous: prev, sha, now } = input;
  const requested = app.operation as Operation | undefined;
  if (requested?.sync) {
    const wanted = requested.sync.revision;
    const other =
      wanted && wanted !== sha && wanted !== app.spec?.source?.targetRevision ? wanted : undefined;
    return {
      kind: 'start',
      operation: requested,
      manual: requested.initiatedBy?.automated !== true,
      ...(other ? { otherRevision: other } : {}),
      selfHeal: false,
    };
  }
  const auto = automatedPolicy(app);
  if (!auto || input.syncStatus !== 'OutOfSync') {
    return { kind: 'none' };
  }
  if (input.desiredCount === 0 && auto.prune && app.spec?.syncPolicy?.automated?.allowEmpty !== true) {
    return {
      kind: 'none',
      error:
        'auto-sync with prune would delete every resource of the app: refused (set automated.allowEmpty to allow)',
    };
  }
  let selfHeal = false;
  if (prev?.syncResult.revision === sha && prev.operation.initiatedBy?.automated) {
    if (prev.phase !== 'Succeeded' || !auto.selfHeal) {
      // A failed automated sync of this revision is not repeated; drift without selfHeal is only reported.
      return { kind: 'none' };
    }
    const sh = input.selfHeal ?? { attempts: 0, lastFinishedMs: Date.parse(prev.finishedAt ?? '') || 0 };
    const since = now.getTime() - sh.lastFinishedMs;
    const wait =
      sh.attempts === 0
        ? SELF_HEAL_GRACE_MS - since
        : Math.min(SELF_HEAL_BASE_MS * 3 ** (sh.attempts - 1), SELF_HEAL_MAX_MS) - since;
    if (wait > 0) {
      return { kind: 'wait', ms: wait };
    }
    selfHeal = true;
  }
  return {
    kind: 'start',
    operation: {
      sync: { revision: sha, prune: auto.prune },
      initiatedBy: { username: 'gantry', automated: true },
      ...(app.spec?.syncPolicy?.retry ? { retry: app.spec.syncPolicy.retry } : {}),
    },
    manual: false,
    selfHeal,
  };
}

/** The app's git source, or why it has none Gantry can follow. */
export function sourceOf(app: KObject): Source | string {
  const spec = app.spec ?? {};
  if (Array.isArray(spec.sources) && spec.sources.length > 0) {
    return 'spec.sources (multiple sources) is not supported: use spec.source';
  }
  const s = spec.source;
  if (!s || typeof s.repoURL !== 'string' || s.repoURL === '') {
    return 'spec.source.repoURL: Required value';
  }
  if (s.chart || s.helm) {
    return 'Helm sources are not supported: render the chart into the repository or use kustomize';
  }
  return {
    repoURL: s.repoURL,
    ...(typeof s.path === 'string' ? { path: s.path } : {}),
    ...(typeof s.targetRevision === 'string' && s.targetRevision !== ''
      ? { targetRevision: s.targetRevision }
      : {}),
    ...(s.directory ? { directory: s.directory } : {}),
  };
}
