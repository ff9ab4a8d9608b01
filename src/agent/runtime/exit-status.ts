// What the shim records when a container stops, and how it becomes a container state. Pure.
import type { ContainerState } from '../types.js';

/** The shim's exit file (`<bundle>/exit.json`). */
export interface ExitRecord {
  readonly exitCode: number;
  /** The signal that ended it (exit codes above 128), 0 otherwise. */
  readonly signal: number;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly oomKilled: boolean;
}

/** Kubernetes' exit code for a container whose process could not be started. */
export const START_ERROR_EXIT_CODE = 128;

export function parseExitRecord(text: string): ExitRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) {
    return undefined;
  }
  const r = raw as Record<string, unknown>;
  if (typeof r.exitCode !== 'number' || typeof r.finishedAt !== 'string') {
    return undefined;
  }
  const finishedAt = new Date(r.finishedAt);
  const startedAt = typeof r.startedAt === 'string' ? new Date(r.startedAt) : finishedAt;
  if (Number.isNaN(finishedAt.getTime()) || Number.isNaN(startedAt.getTime())) {
    return undefined;
  }
  return {
    exitCode: r.exitCode,
    signal: typeof r.signal === 'number' ? r.signal : 0,
    startedAt,
    finishedAt,
    oomKilled: r.oomKilled === true,
  };
}

/**
 * The last error runc logged (its `--log-format json` log). runc logs at error level only when it
 * fails itself — the container's own exit status is never logged — so a `runc run failed` entry
 * means the container process never ran.
 */
export function runcStartError(runcLog: string): string | undefined {
  let found: string | undefined;
  for (const line of runcLog.split('\n')) {
    if (!line.startsWith('{')) {
      continue;
    }
    try {
      const entry = JSON.parse(line) as { level?: unknown; msg?: unknown };
      if (
        entry.level === 'error' &&
        typeof entry.msg === 'string' &&
        entry.msg.startsWith('runc run failed')
      ) {
        found = entry.msg;
      }
    } catch {
      // a torn line: skip it
    }
  }
  return found;
}

/** The stopped state of a container from its exit record and runc's start error, if any. */
export function stoppedState(
  id: string,
  exit: ExitRecord,
  startError: string | undefined,
  annotations: Readonly<Record<string, string>>,
): ContainerState {
  if (startError !== undefined) {
    return {
      id,
      status: 'stopped',
      exitCode: START_ERROR_EXIT_CODE,
      reason: 'StartError',
      message: startError.replace(/^runc run failed: /, ''),
      startedAt: exit.startedAt,
      finishedAt: exit.finishedAt,
      annotations,
    };
  }
  // An OOM in the cgroup that the container survived (a child was killed) does not make it OOMKilled.
  const reason = exit.exitCode === 0 ? 'Completed' : exit.oomKilled ? 'OOMKilled' : 'Error';
  return {
    id,
    status: 'stopped',
    exitCode: exit.exitCode,
    reason,
    startedAt: exit.startedAt,
    finishedAt: exit.finishedAt,
    annotations,
  };
}
