// The pod status the kubelet reports (pure): phase, conditions, container statuses with states,
// last states and restart counts, IPs, start time and QoS class, shaped as Kubernetes' kubelet
// shapes them so kubectl, controllers and users read them the same way.
import { rfc3339 } from '../../api/clock.js';
import type { Container, Pod, PodCondition, PodStatus } from '../../api/types.js';
import type { ContainerState } from '../types.js';
import type { ContainerKind, ObservedContainer } from './naming.js';

export interface ProbeStatus {
  /** The startup probe passed (or there is none). */
  readonly started: boolean;
  /** The readiness probe passes (or there is none). */
  readonly ready: boolean;
  /** The liveness probe failed failureThreshold times: the container must be restarted. */
  readonly livenessFailed: boolean;
  /** The startup probe failed failureThreshold times. */
  readonly startupFailed: boolean;
}

export interface Waiting {
  readonly reason: string;
  readonly message?: string;
}

/** One spec container with what the node knows of it and what the planner decided. */
export interface ContainerView {
  readonly spec: Container;
  readonly kind: ContainerKind;
  /** The newest runtime container (attempt) of this name. */
  readonly latest?: ObservedContainer;
  /** The one before it (for lastState). */
  readonly previous?: ObservedContainer;
  /** Set when the container is not running and waits (to be created, restarted, …). */
  readonly waiting?: Waiting;
  readonly probe?: ProbeStatus;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/** The probe status of a container the prober has not seen yet: per its spec. */
export function defaultProbeStatus(spec: Container): ProbeStatus {
  return {
    started: !spec.startupProbe,
    ready: !spec.readinessProbe,
    livenessFailed: false,
    startupFailed: false,
  };
}

export function isRunning(c: ObservedContainer | undefined): boolean {
  return c?.state.status === 'running';
}

export function isStopped(c: ObservedContainer | undefined): boolean {
  return c?.state.status === 'stopped';
}

export function exitCodeOf(s: ContainerState): number {
  return s.exitCode ?? 128;
}

/** `docker.io/library/nginx:1.25` + digest → `docker.io/library/nginx@sha256:…`. */
export function imageIdOf(ref: string, digest: string): string {
  if (!digest) {
    return '';
  }
  const at = ref.indexOf('@');
  let repo = at >= 0 ? ref.slice(0, at) : ref;
  const slash = repo.lastIndexOf('/');
  const colon = repo.lastIndexOf(':');
  if (colon > slash) {
    repo = repo.slice(0, colon);
  }
  return repo ? `${repo}@${digest}` : digest;
}

function time(d: Date | undefined, fallback: Date): string {
  return rfc3339(d ?? fallback);
}

function terminated(c: ObservedContainer, now: Date): Record<string, unknown> {
  const code = exitCodeOf(c.state);
  const reason = c.state.reason || (code === 0 ? 'Completed' : 'Error');
  return {
    terminated: {
      exitCode: code,
      reason,
      startedAt: time(c.state.startedAt, now),
      finishedAt: time(c.state.finishedAt, now),
      containerID: `gantry://${c.id}`,
    },
  };
}

/** Whether the view counts as ready (running, started, readiness passing; a completed init container). */
export function viewReady(v: ContainerView): boolean {
  if (v.kind === 'init') {
    return isStopped(v.latest) && !v.waiting && exitCodeOf(v.latest!.state) === 0;
  }
  const p = v.probe ?? defaultProbeStatus(v.spec);
  return isRunning(v.latest) && p.started && p.ready;
}

export function containerStatus(v: ContainerView, now: Date): Record<string, unknown> {
  const { latest, previous } = v;
  const p = v.probe ?? defaultProbeStatus(v.spec);
  let state: Record<string, unknown>;
  let last: Record<string, unknown> = {};
  if (v.waiting || !latest || (!isRunning(latest) && !isStopped(latest))) {
    const w = v.waiting ?? { reason: 'ContainerCreating' };
    state = { waiting: { reason: w.reason, ...(w.message ? { message: w.message } : {}) } };
    if (isStopped(latest)) {
      last = terminated(latest!, now);
    } else if (isStopped(previous)) {
      last = terminated(previous!, now);
    }
  } else if (isRunning(latest)) {
    state = { running: { startedAt: time(latest.state.startedAt, now) } };
    if (isStopped(previous)) {
      last = terminated(previous!, now);
    }
  } else {
    state = terminated(latest, now);
    if (isStopped(previous)) {
      last = terminated(previous!, now);
    }
  }
  return {
    name: v.spec.name,
    state,
    lastState: last,
    ready: viewReady(v),
    restartCount: latest?.attempt ?? 0,
    image: latest?.imageRef || v.spec.image || '',
    imageID: latest ? imageIdOf(latest.imageRef, latest.imageDigest) : '',
    ...(latest ? { containerID: `gantry://${latest.id}` } : {}),
    started: isRunning(latest) && !v.waiting && p.started,
  };
}

/**
 * The phase from the containers, as the kubelet computes it: Pending until every container has
 * been created, Running while any runs (or will be restarted), Succeeded / Failed once all stopped
 * for good.
 */
export function podPhase(
  restartPolicy: string,
  initialized: boolean,
  initFailed: boolean,
  regular: readonly ContainerView[],
): PodPhase {
  if (initFailed) {
    return 'Failed';
  }
  if (!initialized) {
    return 'Pending';
  }
  let waiting = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const v of regular) {
    if (isRunning(v.latest) && !v.waiting) {
      running++;
    } else if (isStopped(v.latest)) {
      stopped++;
      if (!v.waiting && exitCodeOf(v.latest!.state) === 0) {
        succeeded++;
      }
    } else {
      waiting++;
    }
  }
  if (waiting > 0) {
    return 'Pending';
  }
  if (running > 0) {
    return 'Running';
  }
  if (stopped > 0) {
    if (restartPolicy === 'Always') {
      return 'Running';
    }
    if (stopped === succeeded) {
      return 'Succeeded';
    }
    if (restartPolicy === 'Never') {
      return 'Failed';
    }
    return 'Running';
  }
  return 'Pending';
}

/** Guaranteed (limits = requests for cpu and memory everywhere), BestEffort (none), else Burstable. */
export function qosClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const all = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const limits = c.resources?.limits ?? {};
    const requests = c.resources?.requests ?? {};
    for (const r of ['cpu', 'memory']) {
      const l = limits[r];
      const q = requests[r] ?? l;
      if (l !== undefined || q !== undefined) {
        any = true;
      }
      if (l === undefined || String(q) !== String(l)) {
        guaranteed = false;
      }
    }
  }
  if (!any) {
    return 'BestEffort';
  }
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export interface StatusInput {
  readonly pod: Pod;
  readonly init: readonly ContainerView[];
  readonly regular: readonly ContainerView[];
  readonly phase: PodPhase;
  readonly initialized: boolean;
  /** The pod's network namespace is set up (PodReadyToStartContainers). */
  readonly sandboxReady: boolean;
  readonly podIP?: string;
  readonly hostIP: string;
  readonly now: Date;
  readonly reason?: string;
  readonly message?: string;
}

function condition(
  old: PodStatus | undefined,
  type: string,
  ok: boolean,
  now: Date,
  reason?: string,
  message?: string,
): PodCondition {
  const status = ok ? 'True' : 'False';
  const prev = old?.conditions?.find((c) => c.type === type);
  return {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime:
      prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now),
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

const OWN_CONDITIONS = new Set([
  'PodReadyToStartContainers',
  'Initialized',
  'Ready',
  'ContainersReady',
  'PodScheduled',
]);

/** The full status the kubelet writes; conditions it does not own (readiness gates, …) are kept. */
export function buildPodStatus(input: StatusInput): PodStatus {
  const { pod, now } = input;
  const old = pod.status;
  const initPending = input.init.filter(
    (v) => !viewReady(v) && !(v.kind === 'sidecar' && isRunning(v.latest)),
  );
  const unready = input.regular.filter((v) => !viewReady(v)).map((v) => v.spec.name);
  const completed = input.phase === 'Succeeded';
  const containersReady = unready.length === 0 && input.phase === 'Running';
  const gateIssues: string[] = [];
  for (const gate of (pod.spec.readinessGates as { conditionType: string }[] | undefined) ?? []) {
    const c = old?.conditions?.find((x) => x.type === gate.conditionType);
    if (!c) {
      gateIssues.push(
        `corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`,
      );
    } else if (c.status !== 'True') {
      gateIssues.push(
        `the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`,
      );
    }
  }
  const notReadyMsg =
    unready.length > 0 ? `containers with unready status: [${unready.join(' ')}]` : undefined;
  const crReason = completed ? 'PodCompleted' : containersReady ? undefined : 'ContainersNotReady';
  const readyReason = completed
    ? 'PodCompleted'
    : !containersReady
      ? 'ContainersNotReady'
      : gateIssues.length > 0
        ? 'ReadinessGatesNotReady'
        : undefined;
  const conditions: PodCondition[] = [
    condition(old, 'PodReadyToStartContainers', input.sandboxReady, now),
    condition(
      old,
      'Initialized',
      input.initialized,
      now,
      input.initialized ? undefined : 'ContainersNotInitialized',
      input.initialized
        ? undefined
        : `containers with incomplete status: [${initPending.map((v) => v.spec.name).join(' ')}]`,
    ),
    condition(
      old,
      'Ready',
      containersReady && gateIssues.length === 0,
      now,
      readyReason,
      completed ? undefined : (notReadyMsg ?? (gateIssues.length > 0 ? gateIssues.join(', ') : undefined)),
    ),
    condition(old, 'ContainersReady', containersReady, now, crReason, completed ? undefined : notReadyMsg),
    old?.conditions?.find((c) => c.type === 'PodScheduled') ??
      condition(undefined, 'PodScheduled', true, now),
    ...(old?.conditions ?? []).filter((c) => !OWN_CONDITIONS.has(c.type)),
  ];
  const podIP = input.podIP ?? old?.podIP;
  const status: PodStatus = {
    phase: input.phase,
    conditions,
    ...(input.reason ? { reason: input.reason } : {}),
    ...(input.message ? { message: input.message } : {}),
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: old?.startTime ?? rfc3339(now),
    ...(input.init.length > 0
      ? { initContainerStatuses: input.init.map((v) => containerStatus(v, now)) }
      : {}),
    containerStatuses: input.regular.map((v) => containerStatus(v, now)),
    qosClass: qosClass(pod),
  };
  return status;
}

/** The status keys the kubelet owns (a merge patch sets each, or nulls it when absent). */
export const STATUS_KEYS = [
  'phase',
  'conditions',
  'reason',
  'message',
  'hostIP',
  'hostIPs',
  'podIP',
  'podIPs',
  'startTime',
  'initContainerStatuses',
  'containerStatuses',
  'qosClass',
] as const;

/** Canonical JSON (sorted keys) of the kubelet-owned part of a status, for change detection. */
export function statusFingerprint(status: PodStatus | undefined): string {
  const own: Record<string, unknown> = {};
  for (const k of STATUS_KEYS) {
    if (status?.[k] !== undefined) {
      own[k] = status[k];
    }
  }
  return canonical(own);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) {
    return `[${v.map(canonical).join(',')}]`;
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
