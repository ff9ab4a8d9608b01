// The Node object the agent registers and the status it posts (pure): capacity and allocatable
// (cpu, memory, pods, ephemeral-storage), addresses, nodeInfo, the agent endpoint and the
// conditions Ready / MemoryPressure / DiskPressure / PIDPressure with heartbeat times.
import { rfc3339 } from '../../api/clock.js';
import type { KObject } from '../../api/types.js';

export const KUBELET_VERSION = 'v1.32.0-gantry';

export interface NodeFacts {
  readonly nodeName: string;
  readonly hostname: string;
  readonly address: string;
  readonly cpus: number;
  readonly memoryBytes: number;
  readonly storageBytes?: number;
  readonly maxPods: number;
  readonly architecture: string;
  readonly kernelVersion: string;
  readonly osImage: string;
  readonly runtimeVersion: string;
  readonly agentPort: number;
  readonly machineID?: string;
}

export interface Pressure {
  readonly memory: boolean;
  readonly disk: boolean;
  readonly pid: boolean;
}

/** `x64` → `amd64`, as Go names architectures. */
export function goArch(nodeArch: string): string {
  return (
    (
      { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<
        string,
        string
      >
    )[nodeArch] ?? nodeArch
  );
}

export function nodeLabels(f: NodeFacts): Record<string, string> {
  return {
    'kubernetes.io/hostname': f.nodeName,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': f.architecture,
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': f.architecture,
  };
}

function resources(f: NodeFacts): Record<string, string> {
  return {
    cpu: String(f.cpus),
    memory: `${Math.floor(f.memoryBytes / 1024)}Ki`,
    pods: String(f.maxPods),
    ...(f.storageBytes !== undefined
      ? { 'ephemeral-storage': `${Math.floor(f.storageBytes / 1024)}Ki` }
      : {}),
  };
}

function condition(
  old: KObject | undefined,
  type: string,
  status: boolean,
  reason: string,
  message: string,
  now: Date,
): Record<string, string> {
  const s = status ? 'True' : 'False';
  const prev = (old?.status?.conditions as Record<string, string>[] | undefined)?.find(
    (c) => c.type === type,
  );
  return {
    type,
    status: s,
    lastHeartbeatTime: rfc3339(now),
    lastTransitionTime:
      prev?.status === s && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now),
    reason,
    message,
  };
}

/** The node status: conditions keep their lastTransitionTime while unchanged. */
export function nodeStatus(
  f: NodeFacts,
  pressure: Pressure,
  old: KObject | undefined,
  now: Date,
  ready = true,
): Record<string, unknown> {
  const r = resources(f);
  return {
    capacity: r,
    allocatable: r,
    conditions: [
      condition(
        old,
        'MemoryPressure',
        pressure.memory,
        pressure.memory ? 'KubeletHasInsufficientMemory' : 'KubeletHasSufficientMemory',
        pressure.memory
          ? 'kubelet has insufficient memory available'
          : 'kubelet has sufficient memory available',
        now,
      ),
      condition(
        old,
        'DiskPressure',
        pressure.disk,
        pressure.disk ? 'KubeletHasDiskPressure' : 'KubeletHasNoDiskPressure',
        pressure.disk ? 'kubelet has disk pressure' : 'kubelet has no disk pressure',
        now,
      ),
      condition(
        old,
        'PIDPressure',
        pressure.pid,
        pressure.pid ? 'KubeletHasInsufficientPID' : 'KubeletHasSufficientPID',
        pressure.pid ? 'kubelet has insufficient PID available' : 'kubelet has sufficient PID available',
        now,
      ),
      condition(
        old,
        'Ready',
        ready,
        ready ? 'KubeletReady' : 'KubeletNotReady',
        ready ? 'kubelet is posting ready status' : 'container runtime is not ready',
        now,
      ),
    ],
    addresses: [
      { type: 'InternalIP', address: f.address },
      { type: 'Hostname', address: f.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: f.agentPort } },
    nodeInfo: {
      machineID: f.machineID ?? '',
      systemUUID: '',
      bootID: '',
      kernelVersion: f.kernelVersion,
      osImage: f.osImage,
      containerRuntimeVersion: f.runtimeVersion,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: f.architecture,
    },
  };
}
