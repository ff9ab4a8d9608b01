// Small pure pieces the pod planners share: the action collector with its wake-up time, the
// containers grouped per name, grace periods, and the per-container views of a pod.
import type { Container, Pod } from '../../api/types.js';
import type { ContainerKind, ObservedContainer } from './naming.js';
import type { PodAction, PodPlanInput } from './pod-memory.js';
import { type ContainerView, defaultProbeStatus, type Waiting } from './pod-status.js';

export class Collector {
  readonly actions: PodAction[] = [];
  private wake = Number.POSITIVE_INFINITY;
  constructor(private readonly now: Date) {}
  at(t: number): void {
    this.wake = Math.min(this.wake, t);
  }
  requeue(): number | undefined {
    return Number.isFinite(this.wake) ? Math.max(0, this.wake - this.now.getTime()) : undefined;
  }
}

export function groupByName(containers: readonly ObservedContainer[]): Map<string, ObservedContainer[]> {
  const m = new Map<string, ObservedContainer[]>();
  for (const c of containers) {
    const list = m.get(c.name) ?? [];
    list.push(c);
    m.set(c.name, list);
  }
  for (const list of m.values()) {
    list.sort((a, b) => b.attempt - a.attempt);
  }
  return m;
}

export function podGraceMs(pod: Pod): number {
  const spec = pod.spec.terminationGracePeriodSeconds ?? 30;
  const del = pod.metadata.deletionGracePeriodSeconds;
  return Math.max(0, Math.min(spec, del ?? Number.POSITIVE_INFINITY)) * 1000;
}

export function probeGraceMs(pod: Pod, container: Container): number {
  const own = container.livenessProbe?.terminationGracePeriodSeconds;
  return typeof own === 'number' ? own * 1000 : (pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
}

export function podRef(pod: Pod): string {
  return `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
}

export interface Views {
  init: ContainerView[];
  regular: ContainerView[];
}

export function baseViews(
  pod: Pod,
  byName: Map<string, ObservedContainer[]>,
  probes: PodPlanInput['probes'],
): Views {
  const view = (spec: Container, kind: ContainerKind): ContainerView => {
    const list = byName.get(spec.name) ?? [];
    const latest = list[0];
    return {
      spec,
      kind,
      latest,
      previous: list[1],
      probe: latest ? (probes.get(latest.id) ?? defaultProbeStatus(spec)) : undefined,
    };
  };
  return {
    init: (pod.spec.initContainers ?? []).map((c) =>
      view(c, c.restartPolicy === 'Always' ? 'sidecar' : 'init'),
    ),
    regular: pod.spec.containers.map((c) => view(c, 'regular')),
  };
}

export function withWaiting(v: ContainerView, waiting: Waiting | undefined): ContainerView {
  return waiting ? { ...v, waiting } : v;
}

export function isTerminalPhase(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}
