// Starting one attempt of a container: pull the image per its policy, mount the rootfs, build the
// ContainerSpec (pure, container-spec.ts) and run it. Failures come back classified (pull →
// ErrImagePull / ImagePullBackOff, config → CreateContainerConfigError, create →
// CreateContainerError) with everything the attempt created removed again.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Container, Pod } from '../../api/types.js';
import { ImageError, type LocalImage, type PodNetworkInfo, type PullPolicy } from '../types.js';
import { buildContainerSpec, resolveUser } from './container-spec.js';
import { ConfigError } from './env.js';
import { type ContainerKind, containerId, logPath, observe, rootfsDir } from './naming.js';
import { planVolumes } from './volumes.js';
import { fetchPodObjects, type WorkerContext } from './worker-context.js';

/** Kubernetes' default: Always for `:latest` or no tag, IfNotPresent otherwise (digests included). */
export function defaultPullPolicy(image: string): PullPolicy {
  const last = image.slice(image.lastIndexOf('/') + 1);
  if (last.includes('@')) {
    return 'IfNotPresent';
  }
  const colon = last.lastIndexOf(':');
  return colon < 0 || last.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

export interface StartRequest {
  readonly pod: Pod;
  readonly container: Container;
  readonly kind: ContainerKind;
  readonly attempt: number;
  readonly network: PodNetworkInfo;
  readonly signal: AbortSignal;
}

export type StartOutcome =
  | { readonly kind: 'started' }
  | { readonly kind: 'aborted' }
  | {
      readonly kind: 'failed';
      readonly failure: 'pull' | 'config' | 'create';
      readonly reason: string;
      readonly message: string;
    };

export async function startContainer(ctx: WorkerContext, req: StartRequest): Promise<StartOutcome> {
  const { pod, container, kind, attempt, signal } = req;
  const ref = container.image ?? '';
  let image: LocalImage;
  try {
    image = await ctx.images.ensure(
      ref,
      container.imagePullPolicy ?? defaultPullPolicy(ref),
      undefined,
      signal,
    );
  } catch (e) {
    if (signal.aborted) {
      return { kind: 'aborted' };
    }
    return {
      kind: 'failed',
      failure: 'pull',
      reason: e instanceof ImageError ? e.reason : 'ErrImagePull',
      message: (e as Error).message,
    };
  }
  const uid = pod.metadata.uid ?? '';
  const dir = rootfsDir(ctx.dataDir, uid, container.name, attempt);
  let mounted = false;
  try {
    const objects = await fetchPodObjects(ctx.client, pod);
    const rootfs = await ctx.images.mountRootfs(image, dir);
    mounted = true;
    const [passwd, group] = await Promise.all(
      ['passwd', 'group'].map((f) => readFile(join(rootfs, 'etc', f), 'utf8').catch(() => '')),
    );
    const spec = buildContainerSpec({
      pod,
      container,
      kind,
      attempt,
      image,
      rootfs,
      network: req.network,
      volumes: planVolumes(pod, ctx),
      etc: ctx.volumes.etcFiles(uid),
      env: {
        ...objects,
        podIP: req.network.ip,
        hostIP: ctx.hostIP(),
        nodeAllocatable: ctx.nodeAllocatable(),
      },
      user: resolveUser(pod, container, image, { passwd: passwd ?? '', group: group ?? '' }),
      dataDir: ctx.dataDir,
      cgroupParent: ctx.cgroupParent(uid),
    });
    await mkdir(dirname(logPath(ctx.dataDir, uid, container.name, attempt)), { recursive: true });
    const state = await ctx.runtime.run(spec);
    const o = observe(state);
    if (o) {
      ctx.index.set(o);
    }
    return { kind: 'started' };
  } catch (e) {
    await ctx.runtime.remove(containerId(uid, container.name, attempt)).catch(() => {});
    if (mounted) {
      await ctx.images.unmountRootfs(dir).catch(() => {});
      await rm(dir, { recursive: true, force: true }).catch(() => {});
    }
    return e instanceof ConfigError
      ? { kind: 'failed', failure: 'config', reason: e.reason, message: e.message }
      : { kind: 'failed', failure: 'create', reason: 'CreateContainerError', message: (e as Error).message };
  }
}
