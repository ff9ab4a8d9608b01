// Timestamps of the steps of a pod start, taken by thin wrappers around the agent's real image
// store, pod network, container runtime and API client (each call is delegated unchanged): when the
// network setup, the rootfs mount, the runtime's run and the status write that
// reported Running began and ended, per pod. bench/agent.ts passes the wrapped parts to startAgent.

import type {
  ContainerRuntime,
  ContainerSpec,
  ContainerState,
  ImageStore,
  LocalImage,
  PodNetwork,
  PodNetworkInfo,
  PullPolicy,
  RegistryCredentials,
} from '../../src/agent/types.js';
import type { ResourceInfo } from '../../src/api/resources.js';
import type { KObject, Pod } from '../../src/api/types.js';
import type { Client, PatchType } from '../../src/client/types.js';
import { nowMs } from './stats.js';

export type StepName = 'network' | 'rootfs' | 'runc' | 'statusRunning';

export interface Span {
  readonly start: number;
  readonly end: number;
}

/** Spans per pod uid (first occurrence of each step: a pod start, not later restarts). */
export class StartTrace {
  private readonly byUid = new Map<string, Partial<Record<StepName, Span>>>();

  record(uid: string, step: StepName, span: Span): void {
    const steps = this.byUid.get(uid) ?? {};
    steps[step] ??= span;
    this.byUid.set(uid, steps);
  }

  steps(uid: string): Partial<Record<StepName, Span>> {
    return this.byUid.get(uid) ?? {};
  }
}

async function timed<T>(trace: StartTrace, uid: string | undefined, step: StepName, fn: () => Promise<T>) {
  const start = nowMs();
  const result = await fn();
  if (uid) {
    trace.record(uid, step, { start, end: nowMs() });
  }
  return result;
}

/** The pod uid in a rootfs directory `<data>/pods/<uid>/containers/…` (naming.ts), if any. */
function uidInPath(path: string): string | undefined {
  return /\/pods\/([^/]+)\/containers\//.exec(path)?.[1];
}

export class TimedImages implements ImageStore {
  constructor(
    private readonly inner: ImageStore,
    private readonly trace: StartTrace,
  ) {}

  ensure(ref: string, policy: PullPolicy, creds?: RegistryCredentials, signal?: AbortSignal) {
    return this.inner.ensure(ref, policy, creds, signal);
  }

  importLayout(dir: string, refOverride?: string): Promise<LocalImage[]> {
    return this.inner.importLayout(dir, refOverride);
  }

  list(): Promise<LocalImage[]> {
    return this.inner.list();
  }

  mountRootfs(image: LocalImage, dir: string): Promise<string> {
    return timed(this.trace, uidInPath(dir), 'rootfs', () => this.inner.mountRootfs(image, dir));
  }

  unmountRootfs(dir: string): Promise<void> {
    return this.inner.unmountRootfs(dir);
  }
}

export class TimedNetwork implements PodNetwork {
  constructor(
    private readonly inner: PodNetwork,
    private readonly trace: StartTrace,
  ) {}

  init(podCidr: string): Promise<void> {
    return this.inner.init(podCidr);
  }

  setup(pod: Pick<Pod, 'metadata'>): Promise<PodNetworkInfo> {
    return timed(this.trace, pod.metadata.uid, 'network', () => this.inner.setup(pod));
  }

  teardown(podUid: string): Promise<void> {
    return this.inner.teardown(podUid);
  }

  listPods(): Promise<string[]> {
    return this.inner.listPods();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

export class TimedRuntime implements ContainerRuntime {
  constructor(
    private readonly inner: ContainerRuntime,
    private readonly trace: StartTrace,
  ) {}

  run(spec: ContainerSpec): Promise<ContainerState> {
    return timed(this.trace, spec.podUid, 'runc', () => this.inner.run(spec));
  }

  state(id: string) {
    return this.inner.state(id);
  }

  list() {
    return this.inner.list();
  }

  kill(id: string, signal: 'SIGTERM' | 'SIGKILL' | 'SIGINT') {
    return this.inner.kill(id, signal);
  }

  remove(id: string) {
    return this.inner.remove(id);
  }

  exec(id: string, args: readonly string[], timeoutMs: number) {
    return this.inner.exec(id, args, timeoutMs);
  }

  waitExit(id: string, signal?: AbortSignal) {
    return this.inner.waitExit(id, signal);
  }

  readLog(...args: Parameters<ContainerRuntime['readLog']>) {
    return this.inner.readLog(...args);
  }
}

/**
 * The client the kubelet writes through, timing the pod status patch that first reports phase
 * Running (keyed by the uid of the pod the patch returns).
 */
export function timedClient(inner: Client, trace: StartTrace): Client {
  return {
    get: (res, ns, name) => inner.get(res, ns, name),
    list: (res, opts) => inner.list(res, opts),
    watch: (res, opts, onEvent) => inner.watch(res, opts, onEvent),
    create: (res, obj, opts) => inner.create(res, obj, opts),
    update: (res, obj, opts) => inner.update(res, obj, opts),
    delete: (res, ns, name, opts) => inner.delete(res, ns, name, opts),
    bind: (ns, pod, node) => inner.bind(ns, pod, node),
    async patch(
      res: ResourceInfo,
      ns: string | undefined,
      name: string,
      type: PatchType,
      body: unknown,
      opts?: Parameters<Client['patch']>[5],
    ): Promise<KObject> {
      const phase = (body as { status?: { phase?: unknown } } | undefined)?.status?.phase;
      if (res.plural !== 'pods' || opts?.subresource !== 'status' || phase !== 'Running') {
        return inner.patch(res, ns, name, type, body, opts);
      }
      const start = nowMs();
      const out = await inner.patch(res, ns, name, type, body, opts);
      const uid = out.metadata.uid;
      if (uid) {
        trace.record(uid, 'statusRunning', { start, end: nowMs() });
      }
      return out;
    },
  };
}
