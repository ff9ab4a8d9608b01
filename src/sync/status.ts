// The Application status Gantry writes, built from a comparison: per-resource sync status and
// health, the sync status of the whole app, conditions that keep their transition time, and the
// history of successful syncs (last 10). Pure.
import { rfc3339 } from '../api/clock.js';
import { resourceByKind } from '../api/resources.js';
import type { KObject } from '../api/types.js';
import type { DiffResult } from '../diff/index.js';
import { applicationHealthOf, type HealthStatus } from './health.js';
import {
  type ApplicationStatus,
  type Condition,
  formatManifestError,
  type HistoryEntry,
  type ManifestError,
  type OperationState,
  type ResourceStatus,
  type Source,
  type SyncStatusCode,
} from './types.js';

export const HISTORY_LIMIT = 10;

/** One status.resources entry per diff result, with the live object's health. */
export function resourceStatuses(
  diffs: readonly DiffResult[],
  healthOf: (live: KObject | undefined) => HealthStatus,
): ResourceStatus[] {
  return diffs.map((d) => {
    const version =
      (d.desired?.apiVersion ?? d.live?.apiVersion ?? '').split('/').pop() ??
      resourceByKind(d.key.group, d.key.kind)?.version ??
      '';
    const health = healthOf(d.live);
    return {
      group: d.key.group,
      version,
      kind: d.key.kind,
      namespace: d.key.namespace,
      name: d.key.name,
      status: d.status === 'Synced' ? 'Synced' : 'OutOfSync',
      ...(d.status === 'Missing' || d.status === 'Extra' ? { reason: d.status } : {}),
      ...(d.status === 'Extra' ? { requiresPruning: true } : {}),
      health: health.message ? { status: health.status, message: health.message } : { status: health.status },
    };
  });
}

/** Synced when every resource is; an Extra (prune candidate) counts as OutOfSync, as in Argo CD. */
export function syncStatusOf(diffs: readonly DiffResult[]): SyncStatusCode {
  return diffs.every((d) => d.status === 'Synced') ? 'Synced' : 'OutOfSync';
}

export function appHealthOf(resources: readonly ResourceStatus[]): HealthStatus {
  return applicationHealthOf(
    resources
      .filter((r) => r.reason !== 'Extra')
      .map((r) => ({
        group: r.group,
        kind: r.kind,
        namespace: r.namespace,
        name: r.name,
        health: r.health ?? { status: 'Unknown' },
      })),
  );
}

/**
 * Sets (message given) or clears (undefined) the condition of `type`, keeping its
 * lastTransitionTime while the message stays the same.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
  message: string | undefined,
  now: Date,
): Condition[] {
  const rest = (conditions ?? []).filter((c) => c.type !== type);
  if (message === undefined) {
    return rest;
  }
  const prev = (conditions ?? []).find((c) => c.type === type);
  const lastTransitionTime =
    prev && prev.message === message && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now);
  return [...rest, { type, message, lastTransitionTime }].sort((a, b) => (a.type < b.type ? -1 : 1));
}

/** Appends a history entry for a finished successful operation (ids increase; last 10 kept). */
export function appendHistory(
  history: readonly HistoryEntry[] | undefined,
  op: OperationState,
  source: Source,
  limit = HISTORY_LIMIT,
): HistoryEntry[] {
  const prev = history ?? [];
  const id = prev.reduce((m, h) => Math.max(m, h.id), -1) + 1;
  const entry: HistoryEntry = {
    id,
    revision: op.syncResult.revision,
    deployedAt: op.finishedAt ?? op.startedAt,
    deployStartedAt: op.startedAt,
    source,
    ...(op.operation.initiatedBy ? { initiatedBy: op.operation.initiatedBy } : {}),
  };
  return [...prev, entry].slice(-Math.max(1, limit));
}

/** Whether two statuses differ in anything but reconciledAt. */
export function statusChanged(a: ApplicationStatus | undefined, b: ApplicationStatus): boolean {
  const strip = (s: ApplicationStatus | undefined) => {
    if (!s) {
      return '';
    }
    const { reconciledAt: _, ...rest } = s;
    return stableJson(rest);
  };
  return strip(a) !== strip(b);
}

function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(
          Object.entries(val as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)),
        )
      : val,
  );
}

/** The images a set of manifests runs (status.summary.images). */
export function imagesOf(objs: readonly KObject[]): string[] {
  const out = new Set<string>();
  const visit = (
    spec: { containers?: { image?: unknown }[]; initContainers?: { image?: unknown }[] } | undefined,
  ) => {
    for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
      if (typeof c?.image === 'string') {
        out.add(c.image);
      }
    }
  };
  for (const o of objs) {
    if (o.kind === 'Pod') {
      visit(o.spec);
    } else {
      visit(o.spec?.template?.spec);
    }
  }
  return [...out].sort();
}

const MAX_ERROR_LINES = 20;

/** The ComparisonError of a rejected revision: one `file:line: field: message` per problem. */
export function rejectedRevisionMessage(
  sha: string,
  errors: readonly ManifestError[],
  lastGood?: string,
): string {
  const lines = errors.slice(0, MAX_ERROR_LINES).map(formatManifestError);
  if (errors.length > MAX_ERROR_LINES) {
    lines.push(`… and ${errors.length - MAX_ERROR_LINES} more`);
  }
  const stays = lastGood ? ` (live state stays at ${lastGood.slice(0, 7)})` : '';
  return `revision ${sha.slice(0, 7)} rejected, nothing applied${stays}:\n${lines.join('\n')}`;
}
