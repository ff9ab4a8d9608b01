// Back-off of container restarts (CrashLoopBackOff) and of failed starts (image pulls, config
// errors), as the kubelet does it (pure): the first restart is immediate, then the delay starts at
// 10 s and doubles up to 5 min; a container that ran 10 min since its last restart resets it.

export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;
/** Running this long since the last (re)start resets the back-off. */
export const BACKOFF_RESET_MS = 600_000;

export interface BackoffEntry {
  /** Delay the next restart must wait after the container's exit. */
  readonly delayMs: number;
  /** When the entry was last advanced (the moment of the last restart). */
  readonly lastUpdate: Date;
}

/**
 * Whether a container that finished at `finishedAt` must still wait before its restart, and until
 * when. No entry means it has not crashed since its back-off was reset: restart at once.
 */
export function inBackoff(
  entry: BackoffEntry | undefined,
  finishedAt: Date,
  now: Date,
): { readonly until: Date } | undefined {
  if (!entry || expired(entry, finishedAt)) {
    return undefined;
  }
  const until = finishedAt.getTime() + entry.delayMs;
  return now.getTime() < until ? { until: new Date(until) } : undefined;
}

/** The entry after a restart at `now` of a container that finished at `finishedAt`. */
export function nextBackoff(entry: BackoffEntry | undefined, finishedAt: Date, now: Date): BackoffEntry {
  if (!entry || expired(entry, finishedAt)) {
    return { delayMs: BACKOFF_INITIAL_MS, lastUpdate: now };
  }
  return { delayMs: Math.min(entry.delayMs * 2, BACKOFF_MAX_MS), lastUpdate: now };
}

/** The container ran long enough since its last restart (it exited ≥ 10 min after it). */
function expired(entry: BackoffEntry, finishedAt: Date): boolean {
  return finishedAt.getTime() - entry.lastUpdate.getTime() >= BACKOFF_RESET_MS;
}

/** Delay before retrying a failed start (pull, config, create) after `failures` consecutive failures. */
export function failureDelayMs(failures: number): number {
  return Math.min(BACKOFF_INITIAL_MS * 2 ** Math.max(0, failures - 1), BACKOFF_MAX_MS);
}
