// Small pure questions about pods and owners that the scheduler, controllers and rollout
// planners all ask: what does a pod request, is it ready/available/terminal, who controls it.
import { parseInteger, parseMilli } from './quantity.js';
import type { Container, KObject, OwnerReference, Pod, PodCondition, PodStatus } from './types.js';

export interface PodResources {
  cpuMilli: number;
  memoryBytes: number;
}

function containerRequest(c: Container | undefined, name: 'cpu' | 'memory'): number {
  // Kubernetes defaults a missing request to the limit, so a limit alone counts as the request.
  const q = c?.resources?.requests?.[name] ?? c?.resources?.limits?.[name];
  if (q === undefined) {
    return 0;
  }
  return name === 'cpu' ? parseMilli(q) : parseInteger(q);
}

function requestOf(c: Container): PodResources {
  return { cpuMilli: containerRequest(c, 'cpu'), memoryBytes: containerRequest(c, 'memory') };
}

function add(a: PodResources, b: PodResources): PodResources {
  return { cpuMilli: a.cpuMilli + b.cpuMilli, memoryBytes: a.memoryBytes + b.memoryBytes };
}

function max(a: PodResources, b: PodResources): PodResources {
  return { cpuMilli: Math.max(a.cpuMilli, b.cpuMilli), memoryBytes: Math.max(a.memoryBytes, b.memoryBytes) };
}

/**
 * What the scheduler reserves for a pod: the sum of its containers' requests, at least the
 * request of each init container (they run one at a time before the others), plus pod overhead.
 * Sidecars (init containers with restartPolicy Always) keep running, so they add to everything
 * started after them. Throws QuantityError on an invalid quantity.
 */
export function podRequests(pod: Pick<Pod, 'spec'>): PodResources {
  const zero: PodResources = { cpuMilli: 0, memoryBytes: 0 };
  let sidecars = zero;
  let initPeak = zero;
  for (const c of pod.spec?.initContainers ?? []) {
    const r = requestOf(c);
    if (c.restartPolicy === 'Always') {
      sidecars = add(sidecars, r);
      initPeak = max(initPeak, sidecars);
    } else {
      initPeak = max(initPeak, add(sidecars, r));
    }
  }
  let total = sidecars;
  for (const c of pod.spec?.containers ?? []) {
    total = add(total, requestOf(c));
  }
  total = max(total, initPeak);
  const overhead = pod.spec?.overhead as Record<string, string | number> | undefined;
  if (overhead) {
    total = add(total, {
      cpuMilli: overhead.cpu === undefined ? 0 : parseMilli(overhead.cpu),
      memoryBytes: overhead.memory === undefined ? 0 : parseInteger(overhead.memory),
    });
  }
  return total;
}

export function getCondition<C extends { type: string }>(
  status: { conditions?: C[] } | undefined | null,
  type: string,
): C | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function isPodReady(pod: Pick<Pod, 'status'>): boolean {
  return getCondition<PodCondition>(pod.status, 'Ready')?.status === 'True';
}

/** Succeeded or Failed: the pod will not run again. */
export function isPodTerminal(pod: Pick<Pod, 'status'>): boolean {
  const phase: PodStatus['phase'] = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Counts toward a controller's replicas: not terminal and not being deleted. */
export function isPodActive(pod: Pick<Pod, 'status' | 'metadata'>): boolean {
  return !isPodTerminal(pod) && !pod.metadata.deletionTimestamp;
}

/** Ready, and Ready since at least `minReadySeconds` before `now` (per its lastTransitionTime). */
export function isPodAvailable(pod: Pick<Pod, 'status'>, minReadySeconds: number, now: Date): boolean {
  const ready = getCondition<PodCondition>(pod.status, 'Ready');
  if (ready?.status !== 'True') {
    return false;
  }
  if (minReadySeconds <= 0) {
    return true;
  }
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : Number.NaN;
  if (Number.isNaN(since)) {
    return false;
  }
  return since + minReadySeconds * 1000 <= now.getTime();
}

/** The owner reference marked `controller: true`, if any. */
export function controllerRef(obj: Pick<KObject, 'metadata'>): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}
