// In-memory fakes of the kubelet's edges (ImageStore, ContainerRuntime, PodNetwork, Mounter) for
// unit tests of the kubelet's logic. They record what was asked of them; tests that claim the real
// parts work use the real parts (test/agent/e2e.test.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Mounter } from '../../../src/agent/kubelet/volume-manager.js';
import {
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerState,
  type ExecResult,
  type ImageConfig,
  ImageError,
  type ImageStore,
  type LocalImage,
  type LogReadOptions,
  type PodNetwork,
  type PodNetworkInfo,
  type PullPolicy,
} from '../../../src/agent/types.js';
import type { Pod } from '../../../src/api/types.js';

export class FakeClock {
  constructor(public ms = Date.parse('2025-01-01T00:00:00Z')) {}
  now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

export class FakeImages implements ImageStore {
  readonly images = new Map<string, LocalImage>();
  readonly pulls: { ref: string; policy: PullPolicy }[] = [];
  /** Images on the node (pulled once, as the real store keeps them); `images` is what can be pulled. */
  readonly local = new Set<string>();
  readonly mounted = new Set<string>();
  /** ref → error to throw on ensure. */
  readonly failing = new Map<string, ImageError>();
  /** Files written into every mounted rootfs (e.g. etc/passwd). */
  rootfsFiles: Record<string, string> = {
    'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nwww:x:33:33::/var/www:/bin/sh\n',
    'etc/group': 'root:x:0:\nwww:x:33:\n',
  };

  add(ref: string, config: ImageConfig = { cmd: ['/bin/sh'] }): LocalImage {
    const img: LocalImage = {
      ref: ref.includes('/') ? ref : `docker.io/library/${ref}`,
      digest: `sha256:${Buffer.from(ref).toString('hex').padEnd(64, '0').slice(0, 64)}`,
      layerDirs: [],
      config,
      sizeBytes: 1,
    };
    this.images.set(ref, img);
    return img;
  }

  async ensure(ref: string, policy: PullPolicy, _c?: unknown, signal?: AbortSignal): Promise<LocalImage> {
    this.pulls.push({ ref, policy });
    signal?.throwIfAborted();
    const err = this.failing.get(ref);
    if (err) {
      throw err;
    }
    const img = this.images.get(ref);
    if (policy === 'Never' && !(img && this.local.has(ref))) {
      throw new ImageError(
        'ErrImageNeverPull',
        `image ${ref} is not present on this node and its pull policy is Never`,
      );
    }
    if (!img) {
      throw new ImageError('ErrImagePull', `failed to pull image "${ref}": not found`);
    }
    this.local.add(ref);
    return img;
  }

  async importLayout(): Promise<LocalImage[]> {
    return [];
  }

  async list(): Promise<LocalImage[]> {
    return [...this.images.values()];
  }

  async mountRootfs(_image: LocalImage, dir: string): Promise<string> {
    const rootfs = join(dir, 'rootfs');
    mkdirSync(rootfs, { recursive: true });
    for (const [p, text] of Object.entries(this.rootfsFiles)) {
      mkdirSync(join(rootfs, p, '..'), { recursive: true });
      writeFileSync(join(rootfs, p), text);
    }
    this.mounted.add(dir);
    return rootfs;
  }

  async unmountRootfs(dir: string): Promise<void> {
    this.mounted.delete(dir);
  }
}

interface FakeContainer {
  spec: ContainerSpec;
  state: ContainerState;
  waiters: (() => void)[];
}

export interface RunBehaviour {
  /** Exit right away with this code (a crashing container). */
  readonly exitCode?: number;
  /** Ignore SIGTERM (only SIGKILL stops it). */
  readonly ignoreSigterm?: boolean;
  /** run() throws this. */
  readonly fail?: string;
}

export class FakeRuntime implements ContainerRuntime {
  readonly containers = new Map<string, FakeContainer>();
  readonly events: string[] = [];
  /** How a container of a given name behaves when run. */
  readonly behaviour = new Map<string, RunBehaviour>();
  /** Answers exec (probes, preStop hooks): container name → result. */
  execHandler: (spec: ContainerSpec, args: readonly string[]) => ExecResult = () => ({
    exitCode: 0,
    output: '',
    timedOut: false,
  });

  constructor(private readonly clock: { now(): Date }) {}

  async run(spec: ContainerSpec): Promise<ContainerState> {
    const b = this.behaviour.get(spec.containerName) ?? {};
    this.events.push(`run ${spec.containerName}#${spec.attempt}`);
    if (b.fail) {
      throw new Error(b.fail);
    }
    if (this.containers.has(spec.id)) {
      throw new Error(`container ${spec.id} exists`);
    }
    const now = this.clock.now();
    const c: FakeContainer = {
      spec,
      state: {
        id: spec.id,
        status: 'running',
        pid: 1000 + this.containers.size,
        startedAt: now,
        annotations: spec.annotations,
      },
      waiters: [],
    };
    this.containers.set(spec.id, c);
    if (b.exitCode !== undefined) {
      this.exit(spec.id, b.exitCode);
    }
    return c.state;
  }

  /** Makes a running container exit with code. */
  exit(id: string, code: number, reason?: string): void {
    const c = this.containers.get(id);
    if (!c || c.state.status === 'stopped') {
      return;
    }
    c.state = {
      ...c.state,
      status: 'stopped',
      exitCode: code,
      reason: reason ?? (code === 0 ? 'Completed' : 'Error'),
      finishedAt: this.clock.now(),
      pid: undefined,
    };
    this.events.push(`exit ${c.spec.containerName}#${c.spec.attempt} ${code}`);
    for (const w of c.waiters.splice(0)) {
      w();
    }
  }

  /** The newest container of a name. */
  latest(name: string): FakeContainer | undefined {
    return [...this.containers.values()]
      .filter((c) => c.spec.containerName === name)
      .sort((a, b) => b.spec.attempt - a.spec.attempt)[0];
  }

  async state(id: string): Promise<ContainerState | undefined> {
    return this.containers.get(id)?.state;
  }

  async list(): Promise<ContainerState[]> {
    return [...this.containers.values()].map((c) => c.state);
  }

  async kill(id: string, signal: 'SIGTERM' | 'SIGKILL' | 'SIGINT'): Promise<void> {
    const c = this.containers.get(id);
    if (!c) {
      throw new Error(`no container ${id}`);
    }
    this.events.push(`kill ${c.spec.containerName}#${c.spec.attempt} ${signal}`);
    if (signal === 'SIGKILL') {
      this.exit(id, 137);
    } else if (!this.behaviour.get(c.spec.containerName)?.ignoreSigterm) {
      this.exit(id, 143);
    }
  }

  async remove(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (c && c.state.status !== 'stopped') {
      throw new Error(`container ${id} is running`);
    }
    if (c) {
      this.events.push(`remove ${c.spec.containerName}#${c.spec.attempt}`);
    }
    this.containers.delete(id);
  }

  async exec(id: string, args: readonly string[]): Promise<ExecResult> {
    const c = this.containers.get(id);
    if (c?.state.status !== 'running') {
      throw new Error(`container ${id} is not running`);
    }
    this.events.push(`exec ${c.spec.containerName} ${args.join(' ')}`);
    return this.execHandler(c.spec, args);
  }

  waitExit(id: string, signal?: AbortSignal): Promise<ContainerState> {
    const c = this.containers.get(id);
    if (!c) {
      return Promise.reject(new Error(`no container ${id}`));
    }
    if (c.state.status === 'stopped') {
      return Promise.resolve(c.state);
    }
    return new Promise((resolve, reject) => {
      c.waiters.push(() => resolve(c.state));
      signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
  }

  async readLog(logPath: string, _o: LogReadOptions, out: NodeJS.WritableStream): Promise<void> {
    out.write(`log of ${logPath}\n`);
  }
}

export class FakeNetwork implements PodNetwork {
  readonly pods = new Map<string, PodNetworkInfo>();
  readonly events: string[] = [];
  private next = 2;

  async init(podCidr: string): Promise<void> {
    this.events.push(`init ${podCidr}`);
  }

  async setup(pod: Pick<Pod, 'metadata'>): Promise<PodNetworkInfo> {
    const uid = pod.metadata.uid ?? '';
    let info = this.pods.get(uid);
    if (!info) {
      info = { netnsPath: `/var/run/netns/fake-${uid}`, ip: `127.0.0.${this.next++}`, gateway: '127.0.0.1' };
      this.pods.set(uid, info);
      this.events.push(`setup ${uid}`);
    }
    return info;
  }

  async teardown(podUid: string): Promise<void> {
    if (this.pods.delete(podUid)) {
      this.events.push(`teardown ${podUid}`);
    }
  }

  async listPods(): Promise<string[]> {
    return [...this.pods.keys()];
  }

  async shutdown(): Promise<void> {
    this.events.push('shutdown');
  }
}

/** Records tmpfs mounts instead of making them (no root needed, nothing left behind). */
export class FakeMounter implements Mounter {
  readonly mounts = new Set<string>();
  async mountTmpfs(dir: string): Promise<void> {
    this.mounts.add(dir);
  }
  async unmount(dir: string): Promise<void> {
    this.mounts.delete(dir);
  }
  async mountsUnder(dir: string): Promise<string[]> {
    return [...this.mounts]
      .filter((m) => m === dir || m.startsWith(`${dir}/`))
      .sort((a, b) => b.length - a.length);
  }
}
