// The kubelet: watches the pods bound to this node and runs one serialized PodWorker per pod uid.
// On start it adopts what already runs (runtime.list() annotations name each container's pod and
// container), so an agent restart restarts no healthy pod; anything on the node whose pod the API
// no longer assigns here (containers, rootfs mounts, volumes, netns) is torn down.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../../api/clock.js';
import type { KObject, Pod } from '../../api/types.js';
import { Informer } from '../../client/informer.js';
import { R } from '../../client/resources.js';
import type { Client } from '../../client/types.js';
import type { EventRecorder } from '../../cluster/events.js';
import { reportKubelet } from '../../observe/kubelet-metrics.js';
import type { ExecProcess, ExecStreamOptions } from '../runtime/exec-process.js';
import type { ContainerRuntime, ExecResult, ImageStore, PodNetwork } from '../types.js';
import { logPath, observe } from './naming.js';
import { recordPodEvent } from './pod-events.js';
import { ContainerIndex, PodWorker, type WorkerContext } from './pod-worker.js';
import { ProbeManager } from './probes.js';
import type { TrafficState } from './service-sync.js';
import { type Mounter, VolumeManager } from './volume-manager.js';

export interface KubeletOptions {
  readonly client: Client;
  readonly nodeName: string;
  readonly images: ImageStore;
  readonly runtime: ContainerRuntime;
  readonly network: PodNetwork;
  readonly dataDir: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Where pod lifecycle Events go (an ApiEventRecorder with component kubelet, host = node name). */
  readonly recorder?: EventRecorder;
  /** Prefixes hostPath volumes may use; none allowed by default. */
  readonly allowedHostPaths?: readonly string[];
  /** The node's address, reported as the pods' hostIP. Default 127.0.0.1. */
  readonly hostIP?: string;
  /** Cluster DNS servers written into pods' resolv.conf; default the pod's gateway (the agent serves DNS there). */
  readonly clusterDns?: readonly string[];
  /** Node allocatable (resourceFieldRef of unset limits). */
  readonly nodeAllocatable?: { readonly cpuMilli: number; readonly memoryBytes: number };
  /** Grace for containers of pods no longer assigned here. Default 2 s. */
  readonly orphanGraceMs?: number;
  /** Every pod worker runs at least this often. Default 30 s. */
  readonly resyncMs?: number;
  /** Looks for leftovers of unassigned pods this often. Default 30 s. */
  readonly housekeepingMs?: number;
  readonly mounter?: Mounter;
  /** Cgroup parent of a pod's containers; default `/gantry/pod<uid>`. */
  readonly cgroupParent?: (podUid: string) => string;
  /**
   * Whether an IP is a ready endpoint in the service rules applied on this node (the agent's
   * service proxy), or since when it no longer is. When set, a deleted pod that receives traffic
   * keeps running until it is out of those rules and `drainDelayMs` more have passed; only then
   * its containers get SIGTERM. Call serviceRulesChanged() after every change of the rules.
   */
  readonly trafficTo?: (ip: string) => TrafficState;
  /** After a deleted pod left the service rules, wait this long before SIGTERM. Default 1 s. */
  readonly drainDelayMs?: number;
  /** Give up waiting for a deleted pod to leave the service rules after this long. Default 10 s. */
  readonly drainTimeoutMs?: number;
}

const UID_INDEX = 'gantry.dev/pod-uid';

export class ContainerNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerNotFoundError';
  }
}

export class Kubelet {
  private readonly informer: Informer;
  private readonly workers = new Map<string, PodWorker>();
  private readonly index = new ContainerIndex();
  private readonly probes: ProbeManager;
  private readonly ctx: WorkerContext;
  private readonly log?: Logger;
  private timers: NodeJS.Timeout[] = [];
  private removing = false;
  private started = false;
  private drained?: () => void;
  private unreport?: () => void;

  constructor(private readonly opts: KubeletOptions) {
    this.log = opts.logger?.child({ component: 'kubelet' });
    this.informer = new Informer(opts.client, R.pods, {
      fieldSelector: `spec.nodeName=${opts.nodeName}`,
      onError: (e) => this.log?.warn({ err: (e as Error)?.message }, 'pod watch failed'),
    });
    this.informer.addIndex(UID_INDEX, (o) => (o.metadata.uid ? [o.metadata.uid] : []));
    this.probes = new ProbeManager({
      runtime: opts.runtime,
      onChange: (uid) => this.workers.get(uid)?.kick(),
      onFailure: (uid, container, type, message) => {
        const pod = this.informer.byIndex(UID_INDEX, uid)[0] as Pod | undefined;
        if (pod) {
          const probe = `${type[0]!.toUpperCase()}${type.slice(1)}`;
          recordPodEvent(opts.recorder, pod, {
            type: 'Warning',
            reason: 'Unhealthy',
            container,
            message: `${probe} probe failed: ${message.trim()}`,
          });
        }
      },
      logger: this.log,
    });
    const allocatable = opts.nodeAllocatable ?? { cpuMilli: 1000, memoryBytes: 1 << 30 };
    this.ctx = {
      client: opts.client,
      dataDir: opts.dataDir,
      images: opts.images,
      runtime: opts.runtime,
      network: opts.network,
      volumes: new VolumeManager(opts.dataDir, opts.mounter),
      probes: this.probes,
      index: this.index,
      clock: opts.clock ?? systemClock,
      logger: this.log,
      recorder: opts.recorder,
      allowedHostPaths: opts.allowedHostPaths ?? [],
      orphanGraceMs: opts.orphanGraceMs ?? 2_000,
      hostIP: () => opts.hostIP ?? '127.0.0.1',
      clusterDns: (gateway) => (opts.clusterDns ? [...opts.clusterDns] : [gateway]),
      nodeAllocatable: () => allocatable,
      cgroupParent: opts.cgroupParent ?? ((uid) => `/gantry/pod${uid.replace(/[^A-Za-z0-9_.-]/g, '_')}`),
      getPod: (uid) =>
        this.removing ? undefined : (this.informer.byIndex(UID_INDEX, uid)[0] as Pod | undefined),
      ...(opts.trafficTo
        ? {
            drain: {
              trafficTo: opts.trafficTo,
              delayMs: opts.drainDelayMs ?? 1_000,
              timeoutMs: opts.drainTimeoutMs ?? 10_000,
            },
          }
        : {}),
      onDone: (uid) => {
        this.workers.delete(uid);
        if (this.workers.size === 0) {
          this.drained?.();
        }
      },
    };
  }

  /** Adopts running containers, then starts watching this node's pods. */
  async start(): Promise<void> {
    for (const st of await this.opts.runtime.list()) {
      const o = observe(st);
      if (o) {
        this.index.set(o);
      }
    }
    this.log?.info({ containers: this.index.pods().length }, 'adopted pods with containers on the node');
    const kickPod = (o: KObject) => {
      const uid = o.metadata.uid;
      if (!uid) {
        return;
      }
      const w = this.worker(uid);
      if (o.metadata.deletionTimestamp) {
        w.abortInFlight();
      }
      w.kick();
    };
    this.informer.addHandlers({
      add: kickPod,
      update: (_old, o) => kickPod(o),
      delete: (o) => {
        const w = o.metadata.uid ? this.worker(o.metadata.uid) : undefined;
        w?.abortInFlight();
        w?.kick();
      },
    });
    await this.informer.start();
    this.started = true;
    this.unreport ??= reportKubelet(() => this.runningCounts());
    await this.housekeeping();
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.opts.resyncMs ?? 30_000, () => this.resync());
    every(this.opts.housekeepingMs ?? 30_000, () => {
      void this.housekeeping().catch((e) =>
        this.log?.warn({ err: (e as Error).message }, 'housekeeping failed'),
      );
    });
  }

  /**
   * Stops the kubelet. Containers keep running (the next start adopts them) unless removePods:
   * then every pod's containers are stopped and its mounts, volumes and network are removed.
   */
  async stop(opts: { removePods?: boolean; timeoutMs?: number } = {}): Promise<void> {
    for (const t of this.timers) {
      clearInterval(t);
    }
    this.timers = [];
    this.unreport?.();
    this.unreport = undefined;
    this.informer.stop();
    if (opts.removePods) {
      this.removing = true;
      await this.housekeeping();
      const drained = new Promise<void>((r) => {
        this.drained = r;
        if (this.workers.size === 0) {
          r();
        }
      });
      for (const w of this.workers.values()) {
        w.abortInFlight();
        w.kick();
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        drained,
        new Promise<void>((r) => {
          timer = setTimeout(r, opts.timeoutMs ?? 60_000);
        }),
      ]);
      clearTimeout(timer);
    }
    await Promise.all([...this.workers.values()].map((w) => w.close()));
    this.workers.clear();
    this.probes.stop();
  }

  /** Pods with a running container and running containers on this node (as last observed). */
  runningCounts(): { pods: number; containers: number } {
    let pods = 0;
    let containers = 0;
    for (const uid of this.index.pods()) {
      const n = this.index.forPod(uid).filter((c) => c.state.status === 'running').length;
      containers += n;
      pods += n > 0 ? 1 : 0;
    }
    return { pods, containers };
  }

  /** Pod uids with a worker (tests, metrics). */
  activePods(): string[] {
    return [...this.workers.keys()];
  }

  /** Runs every pod worker now (a periodic resync, or after the clock moved). */
  resync(): void {
    for (const w of this.workers.values()) {
      w.kick();
    }
  }

  /** The node's service rules changed: pods draining before SIGTERM look again. */
  serviceRulesChanged(): void {
    for (const w of this.workers.values()) {
      if (w.memory.drain && !w.memory.drain.outAt) {
        w.kick();
      }
    }
  }

  /** Resolves once every worker is idle (tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.whenIdle()));
  }

  /** The log file of a container of a pod on this node (`previous`: the attempt before the current one). */
  containerLogPath(namespace: string, name: string, container: string, previous: boolean): string {
    const pod = this.informer.get(namespace, name) as Pod | undefined;
    const uid = pod?.metadata.uid;
    if (!pod || !uid) {
      throw new ContainerNotFoundError(`pod ${namespace}/${name} is not on node ${this.opts.nodeName}`);
    }
    const attempts = this.index
      .forPod(uid)
      .filter((c) => c.name === container)
      .map((c) => c.attempt);
    if (attempts.length === 0) {
      throw new ContainerNotFoundError(`container "${container}" in pod "${name}" is waiting to start`);
    }
    const latest = Math.max(...attempts);
    const attempt = previous ? latest - 1 : latest;
    const path = logPath(this.opts.dataDir, uid, container, attempt);
    if (previous && (attempt < 0 || !existsSync(path))) {
      throw new ContainerNotFoundError(
        `previous terminated container "${container}" in pod "${name}" not found`,
      );
    }
    return path;
  }

  /** Runs a command in a running container of a pod on this node (non-interactive). */
  async exec(
    namespace: string,
    name: string,
    container: string,
    args: readonly string[],
    timeoutMs: number,
  ): Promise<ExecResult> {
    return this.opts.runtime.exec(this.runningContainerId(namespace, name, container), args, timeoutMs);
  }

  /** Streaming exec (`kubectl exec`, stdin and tty) in a running container of a pod on this node. */
  async execStream(
    namespace: string,
    name: string,
    container: string,
    args: readonly string[],
    opts: ExecStreamOptions,
  ): Promise<ExecProcess> {
    const id = this.runningContainerId(namespace, name, container);
    if (!this.opts.runtime.execStream) {
      throw new Error('the container runtime of this node does not support streaming exec');
    }
    return this.opts.runtime.execStream(id, args, opts);
  }

  private runningContainerId(namespace: string, name: string, container: string): string {
    const pod = this.informer.get(namespace, name) as Pod | undefined;
    const uid = pod?.metadata.uid;
    const running = uid
      ? this.index
          .forPod(uid)
          .filter((c) => c.name === container && c.state.status === 'running')
          .sort((a, b) => b.attempt - a.attempt)[0]
      : undefined;
    if (!running) {
      throw new ContainerNotFoundError(
        `container "${container}" of pod ${namespace}/${name} is not running on this node`,
      );
    }
    return running.id;
  }

  private worker(uid: string): PodWorker {
    let w = this.workers.get(uid);
    if (!w) {
      w = new PodWorker(uid, this.ctx);
      this.workers.set(uid, w);
    }
    return w;
  }

  /** Starts a worker for every pod uid that has something on the node but no pod in the API. */
  private async housekeeping(): Promise<void> {
    if (!this.started && !this.removing) {
      return;
    }
    const uids = new Set<string>(this.index.pods());
    for (const uid of await this.opts.network.listPods().catch(() => [] as string[])) {
      uids.add(uid);
    }
    for (const d of await readdir(join(this.opts.dataDir, 'pods')).catch(() => [] as string[])) {
      uids.add(d);
    }
    for (const o of this.informer.list()) {
      if (o.metadata.uid) {
        uids.add(o.metadata.uid);
      }
    }
    for (const uid of uids) {
      this.worker(uid).kick();
    }
  }
}
