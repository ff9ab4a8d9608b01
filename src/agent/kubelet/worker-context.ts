// What a pod worker needs from the kubelet (its dependencies and shared state), and the index
// of runtime containers by pod that adoption builds and workers keep current.
import type { Logger } from 'pino';
import type { Clock } from '../../api/clock.js';
import { isApiError } from '../../api/errors.js';
import type { KObject, Pod } from '../../api/types.js';
import { R } from '../../client/resources.js';
import type { Client } from '../../client/types.js';
import type { EventRecorder } from '../../cluster/events.js';
import type { ContainerRuntime, ImageStore, PodNetwork } from '../types.js';
import { referencedObjects } from './env.js';
import type { ObservedContainer } from './naming.js';
import type { ProbeManager } from './probes.js';
import type { TrafficState } from './service-sync.js';
import type { VolumeManager } from './volume-manager.js';

/** Runtime containers of this node by pod uid (rebuilt from runtime.list() on start). */
export class ContainerIndex {
  private readonly byPod = new Map<string, Map<string, ObservedContainer>>();

  set(c: ObservedContainer): void {
    let m = this.byPod.get(c.podUid);
    if (!m) {
      m = new Map();
      this.byPod.set(c.podUid, m);
    }
    m.set(c.id, c);
  }

  delete(podUid: string, id: string): void {
    const m = this.byPod.get(podUid);
    m?.delete(id);
    if (m && m.size === 0) {
      this.byPod.delete(podUid);
    }
  }

  forPod(podUid: string): ObservedContainer[] {
    return [...(this.byPod.get(podUid)?.values() ?? [])];
  }

  pods(): string[] {
    return [...this.byPod.keys()];
  }
}

export interface WorkerContext {
  readonly client: Client;
  readonly dataDir: string;
  readonly images: ImageStore;
  readonly runtime: ContainerRuntime;
  readonly network: PodNetwork;
  readonly volumes: VolumeManager;
  readonly probes: ProbeManager;
  readonly index: ContainerIndex;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Where pod lifecycle Events go (component kubelet, host = node name). */
  readonly recorder?: EventRecorder;
  readonly allowedHostPaths: readonly string[];
  readonly orphanGraceMs: number;
  hostIP(): string;
  /** Cluster DNS servers for pods (default: the pod's gateway, where the agent serves DNS). */
  clusterDns(gateway: string): string[];
  nodeAllocatable(): { cpuMilli: number; memoryBytes: number };
  cgroupParent(podUid: string): string;
  /** The pod of this uid as the API has it, or undefined when it is not (any longer) ours. */
  getPod(uid: string): Pod | undefined;
  /** The worker has nothing left to do for a pod that is gone. */
  onDone(uid: string): void;
  /** Draining of deleted pods (absent: SIGTERM at once, as without a service proxy). */
  readonly drain?: {
    /** Whether the service rules applied on this node route to the IP, or since when not. */
    trafficTo(ip: string): TrafficState;
    readonly delayMs: number;
    readonly timeoutMs: number;
  };
}

/** The ConfigMaps and Secrets a pod refers to, read from the API (null: not found). */
export async function fetchPodObjects(
  client: Client,
  pod: Pod,
): Promise<{ configMaps: Map<string, KObject | null>; secrets: Map<string, KObject | null> }> {
  const refs = referencedObjects(pod);
  const ns = pod.metadata.namespace;
  const get = async (res: typeof R.configmaps, name: string): Promise<KObject | null> => {
    try {
      return await client.get(res, ns, name);
    } catch (e) {
      if (isApiError(e, 404)) {
        return null;
      }
      throw e;
    }
  };
  const configMaps = new Map<string, KObject | null>();
  const secrets = new Map<string, KObject | null>();
  await Promise.all([
    ...[...refs.configMaps].map(async (n) => configMaps.set(n, await get(R.configmaps, n))),
    ...[...refs.secrets].map(async (n) => secrets.set(n, await get(R.secrets, n))),
  ]);
  return { configMaps, secrets };
}
