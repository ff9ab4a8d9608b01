// Builders for the planner's inputs: pods, observed runtime containers, memories.
import type { ObservedContainer } from '../../../src/agent/kubelet/naming.js';
import { newPodMemory, type PodMemory, type PodPlanInput } from '../../../src/agent/kubelet/pod-plan.js';
import type { ProbeStatus } from '../../../src/agent/kubelet/pod-status.js';
import type { Container, Pod } from '../../../src/api/types.js';

export const T0 = Date.parse('2025-01-01T00:00:00Z');
export const at = (s: number) => new Date(T0 + s * 1000);

export function pod(
  spec: Partial<Pod['spec']> & { containers?: Container[] } = {},
  meta: Partial<Pod['metadata']> = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-1', resourceVersion: '1', ...meta },
    spec: {
      nodeName: 'n1',
      restartPolicy: 'Always',
      containers: [{ name: 'app', image: 'busybox:1.36' }],
      ...spec,
    },
    status: {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2025-01-01T00:00:00Z' }],
    },
  };
}

export function obs(
  name: string,
  attempt: number,
  status: 'running' | 'stopped' | 'created',
  o: {
    exitCode?: number;
    started?: number;
    finished?: number;
    kind?: ObservedContainer['kind'];
    image?: string;
    reason?: string;
  } = {},
): ObservedContainer {
  const id = `uid-1-${name}-${attempt}`;
  return {
    id,
    podUid: 'uid-1',
    name,
    kind: o.kind ?? 'regular',
    attempt,
    image: o.image ?? 'busybox:1.36',
    imageRef: 'docker.io/library/busybox:1.36',
    imageDigest: 'sha256:abc',
    state: {
      id,
      status,
      ...(status === 'stopped'
        ? {
            exitCode: o.exitCode ?? 0,
            finishedAt: at(o.finished ?? 0),
            ...(o.reason ? { reason: o.reason } : {}),
          }
        : {}),
      startedAt: at(o.started ?? 0),
      annotations: {},
    },
  };
}

export function ready(): PodMemory {
  const m = newPodMemory();
  m.network = { netnsPath: '/var/run/netns/x', ip: '10.244.1.5', gateway: '10.244.1.1' };
  m.volumesReady = true;
  return m;
}

export function input(
  p: Pod | undefined,
  containers: ObservedContainer[],
  extra: Partial<PodPlanInput> = {},
): PodPlanInput {
  return {
    pod: p,
    containers,
    probes: new Map<string, ProbeStatus>(),
    memory: ready(),
    now: at(0),
    hostIP: '192.168.1.10',
    orphanGraceMs: 2000,
    ...extra,
  };
}
