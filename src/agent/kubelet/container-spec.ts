// Builds a container's ContainerSpec (the OCI bundle's inputs) from its pod, image, network and
// volumes (pure; the kubelet reads /etc/passwd and /etc/group from the rootfs beforehand when the
// user is given by name).
import { parseInteger, parseMilli, QuantityError } from '../../api/quantity.js';
import type { Container, Pod } from '../../api/types.js';
import type { ContainerResources, ContainerSpec, LocalImage, PodNetworkInfo } from '../types.js';
import { buildArgs, ConfigError, containerEnv, type EnvContext, mergeEnv } from './env.js';
import { ANNOTATION, type ContainerKind, containerId, logPath } from './naming.js';
import { containerMounts, type EtcFiles, podHostname, type VolumePlan } from './volumes.js';

export interface ResolvedUser {
  readonly uid: number;
  readonly gid: number;
  readonly additionalGids: readonly number[];
}

export interface UserDb {
  /** Contents of the rootfs's /etc/passwd and /etc/group ('' when absent). */
  readonly passwd: string;
  readonly group: string;
}

function securityContext(pod: Pod, container: Container): Record<string, any> {
  return { ...(pod.spec.securityContext ?? {}), ...(container.securityContext ?? {}) };
}

function imageUser(image: LocalImage): { user?: string; group?: string } {
  const raw = (image.config.user ?? '').trim();
  if (raw === '') {
    return {};
  }
  const [user, group] = raw.split(':', 2);
  return { user: user || undefined, group: group || undefined };
}

function dbLookup(text: string, name: string, field: number): number | undefined {
  for (const line of text.split('\n')) {
    const parts = line.split(':');
    if (parts[0] === name && parts[field] !== undefined && /^\d+$/.test(parts[field] as string)) {
      return Number(parts[field]);
    }
  }
  return undefined;
}

function primaryGid(passwd: string, uid: number): number | undefined {
  for (const line of passwd.split('\n')) {
    const parts = line.split(':');
    if (parts[2] === String(uid) && parts[3] !== undefined && /^\d+$/.test(parts[3])) {
      return Number(parts[3]);
    }
  }
  return undefined;
}

/** uid/gid/groups from securityContext over the image's USER; throws ConfigError. */
export function resolveUser(pod: Pod, container: Container, image: LocalImage, db: UserDb): ResolvedUser {
  const sc = securityContext(pod, container);
  const { user, group } = imageUser(image);
  let uid: number;
  if (typeof sc.runAsUser === 'number') {
    uid = sc.runAsUser;
  } else if (user === undefined) {
    uid = 0;
  } else if (/^\d+$/.test(user)) {
    uid = Number(user);
  } else {
    const found = dbLookup(db.passwd, user, 2);
    if (found === undefined) {
      throw new ConfigError(`unable to find user ${user}: no matching entries in passwd file`);
    }
    uid = found;
  }
  let gid: number | undefined;
  if (typeof sc.runAsGroup === 'number') {
    gid = sc.runAsGroup;
  } else if (group !== undefined && typeof sc.runAsUser !== 'number') {
    gid = /^\d+$/.test(group) ? Number(group) : dbLookup(db.group, group, 2);
    if (gid === undefined) {
      throw new ConfigError(`unable to find group ${group}: no matching entries in group file`);
    }
  } else {
    gid = primaryGid(db.passwd, uid) ?? 0;
  }
  if (sc.runAsNonRoot === true && uid === 0) {
    throw new ConfigError('container has runAsNonRoot and image will run as root');
  }
  const groups = new Set<number>();
  const podSc = pod.spec.securityContext ?? {};
  if (typeof podSc.fsGroup === 'number') {
    groups.add(podSc.fsGroup);
  }
  for (const g of podSc.supplementalGroups ?? []) {
    if (typeof g === 'number') {
      groups.add(g);
    }
  }
  return { uid, gid, additionalGids: [...groups] };
}

/** cgroup limits from resources.limits / requests; throws ConfigError on a bad quantity. */
export function containerResources(container: Container): ContainerResources {
  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  try {
    const cpuLimit = limits.cpu === undefined ? undefined : parseMilli(limits.cpu);
    const cpuRequest = requests.cpu === undefined ? cpuLimit : parseMilli(requests.cpu);
    const mem = limits.memory === undefined ? undefined : parseInteger(limits.memory);
    return {
      ...(cpuLimit !== undefined ? { cpuLimitMilli: cpuLimit } : {}),
      ...(cpuRequest !== undefined ? { cpuRequestMilli: cpuRequest } : {}),
      ...(mem !== undefined ? { memoryLimitBytes: mem } : {}),
    };
  } catch (e) {
    if (e instanceof QuantityError) {
      throw new ConfigError(`container ${container.name}: ${e.message}`);
    }
    throw e;
  }
}

export interface ContainerSpecInput {
  readonly pod: Pod;
  readonly container: Container;
  readonly kind: ContainerKind;
  readonly attempt: number;
  readonly image: LocalImage;
  /** The mounted rootfs (from ImageStore.mountRootfs). */
  readonly rootfs: string;
  readonly network: PodNetworkInfo;
  readonly volumes: VolumePlan;
  readonly etc: EtcFiles;
  readonly env: EnvContext;
  readonly user: ResolvedUser;
  readonly dataDir: string;
  readonly cgroupParent: string;
}

/** Everything the runtime needs to run one attempt of a container; throws ConfigError. */
export function buildContainerSpec(input: ContainerSpecInput): ContainerSpec {
  const { pod, container, image, attempt } = input;
  const uid = pod.metadata.uid ?? '';
  const vars = containerEnv(pod, container, input.env);
  const args = buildArgs(container, image.config, vars);
  if (args.length === 0) {
    throw new ConfigError(
      `container ${container.name}: no command specified (the image has no entrypoint or cmd)`,
    );
  }
  const sc = securityContext(pod, container);
  const caps = container.securityContext?.capabilities ?? {};
  return {
    id: containerId(uid, container.name, attempt),
    podUid: uid,
    containerName: container.name,
    attempt,
    rootfs: input.rootfs,
    readOnlyRootfs: sc.readOnlyRootFilesystem === true,
    args,
    env: mergeEnv(image.config, vars),
    cwd: container.workingDir || image.config.workingDir || '/',
    uid: input.user.uid,
    gid: input.user.gid,
    additionalGids: input.user.additionalGids,
    hostname: podHostname(pod).hostname,
    netnsPath: input.network.netnsPath,
    mounts: containerMounts(container, input.volumes, input.etc),
    resources: containerResources(container),
    privileged: container.securityContext?.privileged === true,
    ...(Array.isArray(caps.add) ? { capAdd: caps.add.map(String) } : {}),
    ...(Array.isArray(caps.drop) ? { capDrop: caps.drop.map(String) } : {}),
    cgroupParent: input.cgroupParent,
    logPath: logPath(input.dataDir, uid, container.name, attempt),
    annotations: {
      [ANNOTATION.podUid]: uid,
      [ANNOTATION.podName]: pod.metadata.name ?? '',
      [ANNOTATION.podNamespace]: pod.metadata.namespace ?? '',
      [ANNOTATION.container]: container.name,
      [ANNOTATION.attempt]: String(attempt),
      [ANNOTATION.kind]: input.kind,
      [ANNOTATION.image]: container.image ?? '',
      [ANNOTATION.imageRef]: image.ref,
      [ANNOTATION.imageDigest]: image.digest,
    },
  };
}
