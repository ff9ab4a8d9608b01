// The frames of the live progress views (`gantry app sync --watch`, `gantry rollout get --watch`):
// the operation and its elapsed time, per-resource sync result and health, and for each
// Deployment/Rollout a replica bar per revision, old → new. Pure: objects + a clock in, text out.
// A frame also lists keyed one-line events; without a terminal only the changed ones are printed.
import { keyString } from '../api/keys.js';
import type { KObject } from '../api/types.js';
import type { RolloutView } from '../rollout/view.js';
import type { OperationState, ResourceResult, ResourceStatus } from '../sync/types.js';
import { humanDuration, shortSha, table } from './output.js';

export interface Frame {
  /** What a terminal shows, redrawn in place. */
  readonly lines: readonly string[];
  /** Keyed one-liners; a plain (non-TTY) stream prints those whose text changed. */
  readonly events: readonly (readonly [key: string, text: string])[];
}

export interface RevisionProgress {
  readonly replicaSet: string;
  readonly revision: number;
  readonly images: readonly string[];
  readonly roles: readonly string[];
  readonly desired: number;
  readonly ready: number;
}

/** A Deployment or Rollout as the progress views show it. */
export interface WorkloadProgress {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly health?: string;
  /** e.g. `step 2/4 setWeight 40` (canary Rollouts). */
  readonly step?: string;
  /** Oldest first. */
  readonly revisions: readonly RevisionProgress[];
}

const BAR_MAX = 20;

/** `■■□□□`: one square per replica (scaled down to 20 squares for big ReplicaSets). */
export function replicaBar(ready: number, desired: number): string {
  const total = Math.max(desired, ready);
  if (total <= 0) {
    return '';
  }
  const width = Math.min(total, BAR_MAX);
  const filled = Math.min(width, Math.round((ready * width) / total));
  return '■'.repeat(filled) + '□'.repeat(width - filled);
}

function tag(image: string): string {
  const at = image.lastIndexOf('@');
  if (at >= 0) {
    return image.slice(at + 1, at + 20);
  }
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/') ? image.slice(colon + 1) : 'latest';
}

/** The revisions worth a bar: those with replicas wanted or running, and always the newest. */
function shown(w: WorkloadProgress): RevisionProgress[] {
  const newest = w.revisions[w.revisions.length - 1];
  return w.revisions.filter((r) => r.desired > 0 || r.ready > 0 || r === newest);
}

function revisionLabel(r: RevisionProgress): string {
  const tags = [...new Set(r.images.map(tag))].join(',');
  return `${r.replicaSet} (rev ${r.revision}${tags ? `, ${tags}` : ''})`;
}

function workloadTitle(w: WorkloadProgress): string {
  return `${w.kind} ${w.namespace ? `${w.namespace}/` : ''}${w.name}`;
}

/** The lines of one workload: a title, then one bar line per revision, old → new. */
export function workloadLines(w: WorkloadProgress): string[] {
  const revs = shown(w);
  const labels = revs.map(revisionLabel);
  const width = Math.max(0, ...labels.map((l) => l.length));
  const barWidth = Math.max(0, ...revs.map((r) => replicaBar(r.ready, r.desired).length));
  const head = [workloadTitle(w), w.health, w.step].filter((x) => x).join('  ');
  return [
    head,
    ...revs.map((r, i) => {
      const arrow = i === 0 ? ' ' : '→';
      const roles = r.roles.length > 0 ? `  ${r.roles.join(',')}` : '';
      const bar = replicaBar(r.ready, r.desired).padEnd(barWidth);
      return `  ${arrow} ${(labels[i] ?? '').padEnd(width)}  ${bar} ${r.ready}/${r.desired}${roles}`;
    }),
  ];
}

function workloadEvent(w: WorkloadProgress): readonly [string, string] {
  const bars = shown(w)
    .map((r) => `${r.replicaSet} ${r.ready}/${r.desired}`)
    .join(' → ');
  const tail = [w.health, w.step].filter((x) => x).join(', ');
  return [
    `workload:${w.kind}/${w.namespace}/${w.name}`,
    `${workloadTitle(w)}: ${bars}${tail ? ` (${tail})` : ''}`,
  ];
}

/** A RolloutView as a workload (revisions oldest first). */
export function rolloutProgress(v: RolloutView): WorkloadProgress {
  return {
    kind: 'Rollout',
    namespace: v.namespace,
    name: v.name,
    health: v.status,
    ...(v.step ? { step: `step ${v.step.index}/${v.step.total} ${v.step.description}` } : {}),
    revisions: [...v.revisions].reverse().map((r) => ({
      replicaSet: r.replicaSet,
      revision: r.revision,
      images: r.images,
      roles: r.roles,
      desired: r.desired,
      ready: r.ready,
    })),
  };
}

/** A Deployment and its ReplicaSets (the owned ones are picked out) as a workload. */
export function deploymentProgress(
  d: KObject,
  replicaSets: readonly KObject[],
  health?: string,
): WorkloadProgress {
  const revisions = replicaSets
    .filter((rs) => rs.metadata.ownerReferences?.some((r) => r.uid === d.metadata.uid) ?? false)
    .map((rs) => ({
      replicaSet: rs.metadata.name ?? '',
      revision: Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0),
      images: ((rs.spec?.template?.spec?.containers ?? []) as { image?: string }[]).map((c) => c.image ?? ''),
      roles: [] as string[],
      desired: Number(rs.spec?.replicas ?? 0),
      ready: Number(rs.status?.readyReplicas ?? 0),
    }))
    .sort((a, b) => a.revision - b.revision || a.replicaSet.localeCompare(b.replicaSet));
  return {
    kind: 'Deployment',
    namespace: d.metadata.namespace ?? '',
    name: d.metadata.name ?? '',
    ...(health ? { health } : {}),
    revisions,
  };
}

/** The live view of one Rollout. `since`: when watching started (elapsed time). */
export function rolloutFrame(v: RolloutView, now: Date, since: Date): Frame {
  const head = `Rollout ${v.namespace}/${v.name}  ${v.status}${v.message ? ` (${v.message})` : ''}`;
  const services = [
    v.activeService ? `active: ${v.activeService}` : '',
    v.previewService ? `preview: ${v.previewService}` : '',
  ].filter((s) => s !== '');
  const w = rolloutProgress(v);
  const lines = [
    `${head}  ${humanDuration(now.getTime() - since.getTime())}`,
    `Strategy ${v.strategy === 'blueGreen' ? 'BlueGreen' : 'Canary'}${w.step ? `  ${w.step}` : ''}${
      v.setWeight !== undefined ? `  weight ${v.actualWeight ?? 0}/${v.setWeight}` : ''
    }${services.length ? `  ${services.join('  ')}` : ''}`,
    `Replicas desired ${v.desired}  updated ${v.updated}  ready ${v.ready}  available ${v.available}`,
    '',
    ...workloadLines({ ...w, health: undefined, step: undefined }).slice(1),
  ];
  return {
    lines,
    events: [
      ['rollout', `${head}${w.step ? `, ${w.step}` : ''}`],
      workloadEvent({ ...w, health: undefined, step: undefined }),
    ],
  };
}

/** The first of each resource, by its keyString. */
function byKey<T extends ResourceStatus | ResourceResult>(xs: readonly T[]): Map<string, T> {
  const m = new Map<string, T>();
  for (const x of xs) {
    const k = keyString(x);
    if (!m.has(k)) {
      m.set(k, x);
    }
  }
  return m;
}

/**
 * The live view of an Application's sync: the operation (phase, message, elapsed), the resources
 * with their result and health, and the workloads' replica bars.
 */
export function appFrame(
  app: KObject,
  op: OperationState | undefined,
  workloads: readonly WorkloadProgress[],
  now: Date,
): Frame {
  const name = app.metadata.name ?? '';
  const st: Record<string, any> = app.status ?? {};
  const started = op?.startedAt ? Date.parse(op.startedAt) : now.getTime();
  const ended = op?.finishedAt ? Date.parse(op.finishedAt) : now.getTime();
  const phase = op
    ? `${op.phase}${op.message ? `: ${op.message}` : ''}`
    : 'waiting for the operation to start';
  const lines: string[] = [
    `Application ${name}  ${phase}  ${humanDuration(Math.max(0, ended - started))}`,
    `Sync ${st.sync?.status ?? 'Unknown'}${
      op?.syncResult?.revision ? ` to ${shortSha(op.syncResult.revision)}` : ''
    }  Health ${st.health?.status ?? 'Unknown'}`,
  ];
  const statuses: ResourceStatus[] = Array.isArray(st.resources) ? st.resources : [];
  const results: ResourceResult[] = Array.isArray(op?.syncResult?.resources) ? op.syncResult.resources : [];
  const statusOf = byKey(statuses);
  const resultOf = byKey(results);
  // the resources in the status, then those only the operation names
  const keys = [...statuses, ...[...resultOf].filter(([k]) => !statusOf.has(k)).map(([, r]) => r)];
  const rows = keys.map((k) => {
    const res = resultOf.get(keyString(k));
    const s = statusOf.get(keyString(k));
    return [
      k.kind,
      k.namespace,
      k.name,
      res?.status ?? (s ? s.status : ''),
      s?.health?.status ?? '',
      res?.message ?? '',
    ];
  });
  const events: (readonly [string, string])[] = [['operation', `operation ${phase}`]];
  if (rows.length > 0) {
    lines.push(
      '',
      ...table(['KIND', 'NAMESPACE', 'NAME', 'RESULT', 'HEALTH', 'MESSAGE'], rows).trimEnd().split('\n'),
    );
    for (const r of rows) {
      const [kind, ns, n, result, health, message] = r;
      events.push([
        `resource:${kind}/${ns}/${n}`,
        `${kind} ${ns ? `${ns}/` : ''}${n}: ${[result, health].filter((x) => x).join(', ')}${
          message ? ` (${message})` : ''
        }`,
      ]);
    }
  }
  for (const w of workloads) {
    lines.push('', ...workloadLines(w));
    events.push(workloadEvent(w));
  }
  return { lines, events };
}
