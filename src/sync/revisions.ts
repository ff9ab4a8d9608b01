// Which commit each Application's targetRevision names, checked against the remote once per poll
// (or at once on refresh: webhook, CLI), with backoff while git fails. The last good commit stays
// known while git fails, but the caller compares nothing against it until git answers again.
import type { KObject } from '../api/types.js';
import type { Client } from '../client/types.js';
import { type GitSource, GitSourceError } from './git-source.js';
import { repoCredentialsFor } from './repo-credentials.js';
import type { Source } from './types.js';

export interface RevisionState {
  readonly repoURL: string;
  readonly targetRevision: string;
  readonly sha?: string;
  readonly resolvedAt: number;
  readonly failures: number;
  /** `<reason>: <message>` of the last failure (Unreachable, AuthFailed, UnknownRevision, Failed). */
  readonly error?: string;
  /** Something users should know, such as a force-push being followed. */
  readonly note?: string;
}

/** The wait before the next attempt after `failures` failures in a row (1 s doubling, at most `max`). */
export function gitBackoffMs(failures: number, max: number): number {
  return Math.min(1000 * 2 ** Math.max(0, failures - 1), max);
}

export class RevisionTracker {
  private readonly states = new Map<string, RevisionState>();
  private readonly refreshRequested = new Set<string>();

  constructor(
    private readonly client: Client,
    private readonly git: GitSource,
    private readonly pollMs: number,
  ) {}

  /** The next resolve of `key` asks the remote, whatever the poll interval says. */
  requestRefresh(key: string): void {
    this.refreshRequested.add(key);
  }

  forget(key: string): void {
    this.states.delete(key);
    this.refreshRequested.delete(key);
  }

  /** Milliseconds until `key` is due for its next remote check. */
  untilNextCheck(key: string, now: Date): number {
    const st = this.states.get(key);
    if (!st) {
      return this.pollMs;
    }
    const interval = st.error ? gitBackoffMs(st.failures, this.pollMs) : this.pollMs;
    return Math.max(50, st.resolvedAt + interval - now.getTime());
  }

  async resolve(key: string, app: KObject, source: Source, now: Date): Promise<RevisionState> {
    const target = source.targetRevision ?? 'HEAD';
    const st = this.states.get(key);
    const same = st !== undefined && st.repoURL === source.repoURL && st.targetRevision === target;
    if (same && !this.refreshRequested.has(key) && this.untilNextCheck(key, now) > 50) {
      return st;
    }
    this.refreshRequested.delete(key);
    const prev = same ? st : undefined;
    let next: RevisionState;
    try {
      const creds = await repoCredentialsFor(this.client, app, source.repoURL);
      const r = await this.git.resolve(source.repoURL, target, creds);
      const note = r.forcePush
        ? `history of ${r.ref ?? target} was rewritten (force-push): following ${r.sha.slice(0, 7)} (was ${r.forcePush.previous.slice(0, 7)})`
        : prev?.note;
      next = {
        repoURL: source.repoURL,
        targetRevision: target,
        sha: r.sha,
        resolvedAt: now.getTime(),
        failures: 0,
        ...(note ? { note } : {}),
      };
    } catch (e) {
      const error =
        e instanceof GitSourceError
          ? `${e.reason}: ${e.message}`
          : `cannot read repository credentials: ${(e as Error).message}`;
      next = {
        repoURL: source.repoURL,
        targetRevision: target,
        ...(prev?.sha ? { sha: prev.sha } : {}),
        resolvedAt: now.getTime(),
        failures: (prev?.failures ?? 0) + 1,
        error,
      };
    }
    this.states.set(key, next);
    return next;
  }
}
