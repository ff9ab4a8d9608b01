// The Kubernetes Events a kubelet reports about a pod (source component "kubelet", host = node):
// Pulling, Pulled, Failed, Created, Started, Killing, BackOff, Unhealthy — with kubelet's wording,
// each pointing at its container through involvedObject.fieldPath (`spec.containers{web}`).
// The status-derived ones (BackOff) are computed purely from the status before and after.

import type { Pod } from '../../api/types.js';
import type { EventRecorder, EventType } from '../../cluster/events.js';

export interface PodEvent {
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
  readonly container?: string;
}

/** `spec.containers{web}` / `spec.initContainers{setup}`, as kubelet sets involvedObject.fieldPath. */
export function containerFieldPath(pod: Pod, container: string): string {
  const init = (pod.spec.initContainers ?? []).some((c) => c.name === container);
  return `spec.${init ? 'initContainers' : 'containers'}{${container}}`;
}

/** Records one pod event (nothing when there is no recorder). */
export function recordPodEvent(recorder: EventRecorder | undefined, pod: Pod, e: PodEvent): void {
  recorder?.event(
    pod,
    e.type,
    e.reason,
    e.message,
    e.container ? { fieldPath: containerFieldPath(pod, e.container) } : {},
  );
}

type Statuses = readonly any[] | undefined;

function waitingOf(statuses: Statuses, name: string): { reason?: string; message?: string } | undefined {
  return statuses?.find((s) => s?.name === name)?.state?.waiting;
}

/** BackOff events for containers that entered (or stay in, with a new message) a back-off. Pure. */
export function backOffEvents(
  pod: Pod,
  before: Pod['status'],
  after: NonNullable<Pod['status']>,
): PodEvent[] {
  const out: PodEvent[] = [];
  const pairs: [Statuses, Statuses][] = [
    [before?.initContainerStatuses, after.initContainerStatuses],
    [before?.containerStatuses, after.containerStatuses],
  ];
  for (const [old, now] of pairs) {
    for (const s of now ?? []) {
      const w = s?.state?.waiting;
      if (!w || (w.reason !== 'CrashLoopBackOff' && w.reason !== 'ImagePullBackOff')) {
        continue;
      }
      const prev = waitingOf(old, s.name);
      if (prev?.reason === w.reason && prev?.message === w.message) {
        continue;
      }
      out.push({
        type: 'Warning',
        reason: 'BackOff',
        container: s.name,
        message:
          w.reason === 'CrashLoopBackOff'
            ? `Back-off restarting failed container ${s.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid ?? ''})`
            : `Back-off pulling image "${s.image ?? ''}"`,
      });
    }
  }
  return out;
}

/** Whether every regular container of the pod runs (what ends kubelet_pod_start_duration_seconds). */
export function allContainersRunning(pod: Pod, status: Pod['status']): boolean {
  const names = pod.spec.containers.map((c) => c.name);
  const statuses = status?.containerStatuses ?? [];
  return (
    names.length > 0 &&
    names.every((n) => statuses.some((s: any) => s?.name === n && s?.state?.running !== undefined))
  );
}

/** `1.234s` / `350ms`, as kubelet prints pull durations. */
export function shortDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
}
