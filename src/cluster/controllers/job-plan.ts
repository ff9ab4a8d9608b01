// The Job planner (batch/v1), pure: from a Job, its pods and the time, the pods to create or
// delete and the status to write. NonIndexed and Indexed completion modes, parallelism,
// completions (or the work-queue mode without them), backoffLimit with an exponential delay
// between failed attempts, activeDeadlineSeconds, suspend and ttlSecondsAfterFinished.
import { rfc3339 } from '../../api/clock.js';
import { getCondition, isPodActive, isPodReady } from '../../api/pod-helpers.js';
import type { KObject, Pod } from '../../api/types.js';
import { controllerRefTo } from './owner-refs.js';
import { podFromTemplate, stableJson, templateOf } from './pod-template.js';

export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const JOB_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const LEGACY_JOB_UID_LABEL = 'controller-uid';
export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';

export interface JobCondition {
  type: 'Complete' | 'Failed' | 'Suspended' | string;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

export type JobAction =
  | { readonly kind: 'createPod'; readonly pod: Pod }
  | { readonly kind: 'deletePod'; readonly pod: Pod }
  | { readonly kind: 'updateStatus'; readonly status: Record<string, unknown> }
  | { readonly kind: 'deleteJob' }
  | {
      readonly kind: 'event';
      readonly type: 'Normal' | 'Warning';
      readonly reason: string;
      readonly message: string;
    };

export interface JobPlan {
  readonly actions: JobAction[];
  /** Come back then (deadline, backoff delay, TTL), even with no event. */
  readonly requeueAfterMs?: number;
}

export interface JobPlanOptions {
  /** Delay before re-creating a pod after the first failure; doubles with each failure. */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
}

const DEFAULT_BACKOFF_MS = 10_000;
const DEFAULT_BACKOFF_MAX_MS = 360_000;

export function isJobFinished(job: Pick<KObject, 'status'>): boolean {
  return (job.status?.conditions ?? []).some(
    (c: JobCondition) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

/** The labels Kubernetes puts on a Job's pods (and selects them by when the Job has no selector). */
export function jobPodLabels(job: KObject): Record<string, string> {
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  return {
    [JOB_UID_LABEL]: uid,
    [JOB_NAME_LABEL]: name,
    [LEGACY_JOB_UID_LABEL]: uid,
    [LEGACY_JOB_NAME_LABEL]: name,
  };
}

/** Parses `status.completedIndexes` ("1,3-5,7"). */
export function parseIndexes(s: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) {
      continue;
    }
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let i = a; i <= b && i - a < 1_000_000; i++) {
      out.add(i);
    }
  }
  return out;
}

/** Formats a set of indexes as Kubernetes does ("0-2,5"). */
export function formatIndexes(set: ReadonlySet<number>): string {
  const xs = [...set].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) {
      j++;
    }
    parts.push(i === j ? `${xs[i]}` : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

function podIndex(p: Pod): number | undefined {
  const v = p.metadata.annotations?.[COMPLETION_INDEX] ?? p.metadata.labels?.[COMPLETION_INDEX];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

function restartsOf(p: Pod): number {
  return (p.status?.containerStatuses ?? []).reduce(
    (n: number, c: any) => n + (Number(c?.restartCount) || 0),
    0,
  );
}

/** When a failed pod stopped: its containers' finish time, else its last condition change, else creation. */
function failedAt(p: Pod): number {
  let t = Number.NaN;
  for (const c of p.status?.containerStatuses ?? []) {
    const f = Date.parse(c?.state?.terminated?.finishedAt ?? '');
    if (!Number.isNaN(f) && (Number.isNaN(t) || f > t)) {
      t = f;
    }
  }
  if (Number.isNaN(t)) {
    for (const c of p.status?.conditions ?? []) {
      const f = Date.parse(c.lastTransitionTime ?? '');
      if (!Number.isNaN(f) && (Number.isNaN(t) || f > t)) {
        t = f;
      }
    }
  }
  return Number.isNaN(t) ? Date.parse(p.metadata.creationTimestamp ?? '') || 0 : t;
}

/** Which active pods to remove first: unscheduled, then not running, then not ready, then newest. */
function deletionOrder(a: Pod, b: Pod): number {
  const rank = (p: Pod) =>
    !p.spec?.nodeName ? 0 : p.status?.phase !== 'Running' ? 1 : !isPodReady(p) ? 2 : 3;
  return (
    rank(a) - rank(b) ||
    (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '')
  );
}

function setCondition(conds: JobCondition[], c: JobCondition, now: string): JobCondition[] {
  const prev = conds.find((x) => x.type === c.type);
  const keepTime = prev && prev.status === c.status;
  const next: JobCondition = {
    ...c,
    lastProbeTime: keepTime ? (prev.lastProbeTime ?? now) : now,
    lastTransitionTime: keepTime ? (prev.lastTransitionTime ?? now) : now,
  };
  return [...conds.filter((x) => x.type !== c.type), next];
}

function newPod(job: KObject, index: number | undefined): Pod {
  const name = job.metadata.name ?? '';
  const base = name.slice(0, 57);
  const template = templateOf(job);
  const indexed = index !== undefined;
  const pod = podFromTemplate(template, {
    namespace: job.metadata.namespace ?? 'default',
    owner: controllerRefTo(job),
    generateName: indexed ? `${base}-${index}-` : `${base}-`,
    labels: { ...jobPodLabels(job), ...(indexed ? { [COMPLETION_INDEX]: String(index) } : {}) },
    ...(indexed ? { annotations: { [COMPLETION_INDEX]: String(index) } } : {}),
  });
  if (indexed) {
    pod.spec.hostname ??= `${base}-${index}`;
    const env = { name: 'JOB_COMPLETION_INDEX', value: String(index) };
    for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
      c.env = [...(c.env ?? []).filter((e) => e.name !== env.name), env];
    }
  }
  return pod;
}

/** Pure: what to do for a Job now. `pods` are the pods the Job controls (including ones just created). */
export function planJob(job: KObject, pods: readonly Pod[], now: Date, opts: JobPlanOptions = {}): JobPlan {
  const spec = job.spec ?? {};
  const st = job.status ?? {};
  const nowS = rfc3339(now);
  const nowMs = now.getTime();
  const actions: JobAction[] = [];
  let requeue: number | undefined;
  const wake = (ms: number) => {
    const v = Math.max(0, ms);
    requeue = requeue === undefined ? v : Math.min(requeue, v);
  };
  const indexed = spec.completionMode === 'Indexed';
  const parallelism: number = spec.parallelism ?? 1;
  const completions: number | undefined = spec.completions ?? undefined;
  const backoffLimit: number = spec.backoffLimit ?? 6;

  const active = pods.filter((p) => isPodActive(p));
  const terminating = pods.filter(
    (p) => p.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes(p.status?.phase ?? ''),
  );
  const succeededPods = pods.filter((p) => p.status?.phase === 'Succeeded');
  const failedPods = pods.filter((p) => p.status?.phase === 'Failed');
  // Counts never go down: a terminal pod deleted by someone else stays counted (status remembers).
  const failed = Math.max(st.failed ?? 0, failedPods.length);
  const doneIdx = parseIndexes(st.completedIndexes);
  if (indexed) {
    for (const p of succeededPods) {
      const i = podIndex(p);
      if (i !== undefined && completions !== undefined && i < completions) {
        doneIdx.add(i);
      }
    }
  }
  const succeeded = indexed ? doneIdx.size : Math.max(st.succeeded ?? 0, succeededPods.length);

  let conditions: JobCondition[] = [...(st.conditions ?? [])];
  const status: Record<string, unknown> = { ...st };
  const finish = (type: 'Complete' | 'Failed', reason: string, message: string) => {
    conditions = setCondition(conditions, { type, status: 'True', reason, message }, nowS);
    actions.push(
      type === 'Failed'
        ? { kind: 'event', type: 'Warning', reason, message }
        : { kind: 'event', type: 'Normal', reason: 'Completed', message: 'Job completed' },
    );
  };
  let toDelete: Pod[] = [];
  let toCreate: Pod[] = [];

  if (isJobFinished(job)) {
    toDelete = active;
    const ttl: number | undefined = spec.ttlSecondsAfterFinished ?? undefined;
    if (ttl !== undefined) {
      const fin = Date.parse(
        st.completionTime ??
          getCondition<JobCondition>(st, 'Failed')?.lastTransitionTime ??
          getCondition<JobCondition>(st, 'Complete')?.lastTransitionTime ??
          '',
      );
      if (!Number.isNaN(fin)) {
        if (fin + ttl * 1000 <= nowMs) {
          return { actions: [{ kind: 'deleteJob' }] };
        }
        wake(fin + ttl * 1000 - nowMs);
      }
    }
  } else if (spec.suspend === true) {
    toDelete = active;
    conditions = setCondition(
      conditions,
      { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' },
      nowS,
    );
    if (getCondition<JobCondition>(st, 'Suspended')?.status !== 'True') {
      actions.push({ kind: 'event', type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
    }
    delete status.startTime;
  } else {
    if (getCondition<JobCondition>(st, 'Suspended')?.status === 'True') {
      conditions = setCondition(
        conditions,
        { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' },
        nowS,
      );
      actions.push({ kind: 'event', type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
      status.startTime = nowS;
    }
    status.startTime ??= nowS;
    const started = Date.parse(status.startTime as string);
    const onFailureRestarts =
      templateOf(job)?.spec?.restartPolicy === 'OnFailure'
        ? active.reduce((n, p) => n + restartsOf(p), 0)
        : 0;
    const deadline: number | undefined = spec.activeDeadlineSeconds ?? undefined;
    const complete = indexed
      ? completions !== undefined && doneIdx.size >= completions
      : completions !== undefined
        ? succeeded >= completions
        : succeeded > 0 && active.length === 0;
    if (complete) {
      toDelete = active;
      status.completionTime = nowS;
      finish('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods');
    } else if (
      failed > backoffLimit ||
      (onFailureRestarts > 0 && onFailureRestarts >= Math.max(backoffLimit, 1))
    ) {
      toDelete = active;
      finish('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
    } else if (deadline !== undefined && started + deadline * 1000 <= nowMs) {
      toDelete = active;
      finish('Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline');
    } else {
      if (deadline !== undefined) {
        wake(started + deadline * 1000 - nowMs);
      }
      ({ toDelete, toCreate } = manageActive(job, active, {
        indexed,
        parallelism,
        completions,
        succeeded,
        doneIdx,
      }));
      if (toCreate.length > 0 && failed > 0) {
        const base = opts.backoffBaseMs ?? DEFAULT_BACKOFF_MS;
        const delay = Math.min(
          base * 2 ** Math.min(failed - 1, 30),
          opts.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS,
        );
        const last = Math.max(...failedPods.map(failedAt), 0);
        if (last + delay > nowMs) {
          toCreate = [];
          wake(last + delay - nowMs);
        }
      }
    }
  }
  actions.unshift(
    ...toCreate.map((pod): JobAction => ({ kind: 'createPod', pod })),
    ...toDelete.map((pod): JobAction => ({ kind: 'deletePod', pod })),
  );
  const deleted = new Set(toDelete.map((p) => p.metadata.uid));
  const stillActive = active.filter((p) => !deleted.has(p.metadata.uid));
  status.active = stillActive.length + toCreate.length;
  status.ready = stillActive.filter((p) => isPodReady(p)).length;
  status.succeeded = succeeded;
  status.failed = failed;
  status.terminating = terminating.length + toDelete.length;
  status.uncountedTerminatedPods = st.uncountedTerminatedPods ?? {};
  if (indexed) {
    status.completedIndexes = formatIndexes(doneIdx);
  }
  if (conditions.length > 0) {
    status.conditions = conditions;
  }
  if (stableJson(status) !== stableJson(st)) {
    actions.push({ kind: 'updateStatus', status });
  }
  return requeue === undefined ? { actions } : { actions, requeueAfterMs: requeue };
}

function manageActive(
  job: KObject,
  active: readonly Pod[],
  s: {
    indexed: boolean;
    parallelism: number;
    completions: number | undefined;
    succeeded: number;
    doneIdx: ReadonlySet<number>;
  },
): { toDelete: Pod[]; toCreate: Pod[] } {
  const toDelete: Pod[] = [];
  const toCreate: Pod[] = [];
  if (!s.indexed) {
    const want =
      s.completions === undefined
        ? s.succeeded > 0
          ? 0
          : s.parallelism
        : Math.max(0, Math.min(s.parallelism, s.completions - s.succeeded));
    if (active.length > want) {
      toDelete.push(...[...active].sort(deletionOrder).slice(0, active.length - want));
    }
    for (let i = active.length; i < want; i++) {
      toCreate.push(newPod(job, undefined));
    }
    return { toDelete, toCreate };
  }
  const completions = s.completions ?? 0;
  const running = new Set<number>();
  const keep: Pod[] = [];
  for (const p of [...active].sort((a, b) => -deletionOrder(a, b))) {
    const i = podIndex(p);
    if (i === undefined || i >= completions || s.doneIdx.has(i) || running.has(i)) {
      toDelete.push(p);
    } else {
      running.add(i);
      keep.push(p);
    }
  }
  const remaining = completions - s.doneIdx.size;
  const want = Math.min(s.parallelism, remaining);
  if (keep.length > want) {
    const extra = [...keep].sort(deletionOrder).slice(0, keep.length - want);
    toDelete.push(...extra);
  }
  let slots = want - keep.length;
  for (let i = 0; i < completions && slots > 0; i++) {
    if (!s.doneIdx.has(i) && !running.has(i)) {
      toCreate.push(newPod(job, i));
      slots--;
    }
  }
  return { toDelete, toCreate };
}
