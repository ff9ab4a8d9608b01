// Contracts between the node agent's parts (src/agent): the image store, the container
// runtime, the pod network and the kubelet that drives them. Each part has a real
// implementation (registry + overlayfs, runc, bridge/veth/nftables) and is tested for real.
import type { Pod } from '../api/types.js';
import type { ExecProcess, ExecStreamOptions } from './runtime/exec-process.js';

// ---------------------------------------------------------------- images

/** The parts of an OCI image config a container needs. */
export interface ImageConfig {
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  /** `KEY=value` entries. */
  readonly env?: readonly string[];
  readonly workingDir?: string;
  readonly user?: string;
  readonly exposedPorts?: readonly string[];
}

export interface LocalImage {
  /** The reference it was pulled or imported as, normalized (`docker.io/library/busybox:latest`). */
  readonly ref: string;
  /** Manifest digest (`sha256:…`). */
  readonly digest: string;
  /** Unpacked layer directories, lowest first (overlayfs lowerdir order is the reverse). */
  readonly layerDirs: readonly string[];
  readonly config: ImageConfig;
  readonly sizeBytes: number;
}

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** Why an image could not be had: the reason becomes the container's waiting reason. */
export class ImageError extends Error {
  constructor(
    readonly reason: 'ErrImagePull' | 'ErrImageNeverPull' | 'InvalidImageName' | 'ImageInspectError',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ImageError';
  }
}

export interface RegistryCredentials {
  readonly username?: string;
  readonly password?: string;
  readonly token?: string;
}

export interface ImageStore {
  /** Makes the image available locally according to the policy; ImageError otherwise. */
  ensure(
    ref: string,
    policy: PullPolicy,
    creds?: RegistryCredentials,
    signal?: AbortSignal,
  ): Promise<LocalImage>;
  /** Loads every image of an OCI image layout directory (`index.json` + `blobs/`). */
  importLayout(dir: string, refOverride?: string): Promise<LocalImage[]>;
  list(): Promise<LocalImage[]>;
  /** Mounts an overlay rootfs (layers read-only, upper/work under dir) and returns its path. */
  mountRootfs(image: LocalImage, dir: string): Promise<string>;
  unmountRootfs(dir: string): Promise<void>;
}

// ---------------------------------------------------------------- runtime

export interface MountSpec {
  readonly destination: string;
  readonly source: string;
  readonly type: 'bind' | 'tmpfs' | 'proc' | 'sysfs' | 'devpts' | 'mqueue';
  readonly options: readonly string[];
}

export interface ContainerResources {
  readonly cpuLimitMilli?: number;
  readonly cpuRequestMilli?: number;
  readonly memoryLimitBytes?: number;
  readonly pidsLimit?: number;
}

/** Everything needed to write one container's OCI bundle; built by the kubelet from a pod (pure). */
export interface ContainerSpec {
  /** runc container id, unique on the node: `<pod uid>-<container name>-<attempt>`. */
  readonly id: string;
  readonly podUid: string;
  readonly containerName: string;
  readonly attempt: number;
  readonly rootfs: string;
  readonly readOnlyRootfs: boolean;
  readonly args: readonly string[];
  readonly env: readonly string[];
  readonly cwd: string;
  readonly uid: number;
  readonly gid: number;
  readonly additionalGids?: readonly number[];
  readonly hostname: string;
  /** Path of the pod's network namespace (`/var/run/netns/…`), shared by all its containers. */
  readonly netnsPath: string;
  readonly mounts: readonly MountSpec[];
  readonly resources: ContainerResources;
  readonly privileged: boolean;
  readonly capAdd?: readonly string[];
  readonly capDrop?: readonly string[];
  /** Cgroup path of the pod (containers nest under it). */
  readonly cgroupParent: string;
  /** CRI-format log file the container's stdout/stderr are written to. */
  readonly logPath: string;
  readonly annotations: Readonly<Record<string, string>>;
}

export type ContainerStatus = 'created' | 'running' | 'stopped' | 'unknown';

export interface ContainerState {
  readonly id: string;
  readonly status: ContainerStatus;
  readonly pid?: number;
  readonly exitCode?: number;
  /** OOMKilled, Error, Completed, … when stopped. */
  readonly reason?: string;
  /** Details when stopped abnormally, e.g. runc's error when the process could not be started. */
  readonly message?: string;
  readonly startedAt?: Date;
  readonly finishedAt?: Date;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly output: string;
  readonly timedOut: boolean;
}

export interface LogReadOptions {
  readonly follow: boolean;
  readonly tailLines?: number;
  readonly sinceTime?: Date;
  readonly timestamps: boolean;
  readonly limitBytes?: number;
}

export interface ContainerRuntime {
  /** Writes the bundle and starts the container (stdout/stderr to spec.logPath). */
  run(spec: ContainerSpec): Promise<ContainerState>;
  state(id: string): Promise<ContainerState | undefined>;
  /** Every container this runtime manages on the node (for adoption after an agent restart). */
  list(): Promise<ContainerState[]>;
  kill(id: string, signal: 'SIGTERM' | 'SIGKILL' | 'SIGINT'): Promise<void>;
  /** Removes a stopped container and its bundle (its log file stays for `--previous`). */
  remove(id: string): Promise<void>;
  exec(id: string, args: readonly string[], timeoutMs: number): Promise<ExecResult>;
  /** Streaming exec with stdin and an optional tty (`kubectl exec -it`); runtimes without it refuse. */
  execStream?(id: string, args: readonly string[], opts: ExecStreamOptions): Promise<ExecProcess>;
  /** Resolves when the container stops (immediately if it already has). */
  waitExit(id: string, signal?: AbortSignal): Promise<ContainerState>;
  /** Writes a container log to out (CRI format parsed back into lines), following when asked. */
  readLog(
    logPath: string,
    opts: LogReadOptions,
    out: NodeJS.WritableStream,
    signal: AbortSignal,
  ): Promise<void>;
}

// ---------------------------------------------------------------- network

export interface PodNetworkInfo {
  readonly netnsPath: string;
  readonly ip: string;
  readonly gateway: string;
}

export interface PodNetwork {
  /** Node setup: bridge, forwarding, masquerade. Idempotent. */
  init(podCidr: string): Promise<void>;
  /** Creates (or finds) the pod's netns + veth + IP; idempotent per pod uid. */
  setup(pod: Pick<Pod, 'metadata'>): Promise<PodNetworkInfo>;
  /** Removes the pod's netns, veth and IP; idempotent. */
  teardown(podUid: string): Promise<void>;
  /** Pod uids that have network state on this node (for cleanup after a restart). */
  listPods(): Promise<string[]>;
  /** Removes everything the node network created (bridge, rules) — for `gantry up` stop and tests. */
  shutdown(): Promise<void>;
}

export interface ServiceEndpoint {
  readonly ip: string;
  readonly port: number;
  readonly ready: boolean;
  readonly terminating: boolean;
}

export interface ServicePortRule {
  readonly namespace: string;
  readonly service: string;
  readonly portName: string;
  readonly protocol: 'TCP' | 'UDP';
  readonly clusterIP: string;
  readonly port: number;
  readonly nodePort?: number;
  readonly endpoints: readonly ServiceEndpoint[];
}

export interface ServiceProxy {
  /** Replaces the node's service rules with exactly these (one atomic kernel transaction). */
  sync(rules: readonly ServicePortRule[]): Promise<void>;
  shutdown(): Promise<void>;
}
