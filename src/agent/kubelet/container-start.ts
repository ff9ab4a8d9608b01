// Starting one attempt of a container: pull the image per its policy, mount the rootfs, build the
// ContainerSpec (pure, container-spec.ts) and run it. Failures come back classified (pull →
// ErrImagePull / ImagePullBackOff, config → CreateContainerConfigError, create →
// CreateContainerError) with everything the attempt created removed again.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Container, Pod } from '../../api/types.js';
import { observeImagePull } from '../../observe/kubelet-metrics.js';
import { ImageError, type LocalImage, type PodNetworkInfo, type PullPolicy } from '../types.js';
import { buildContainerSpec, resolveUser } from './container-spec.js';
import { ConfigError } from './env.js';
import { type ContainerKind, containerId, logPath, observe, rootfsDir } from './naming.js';
import { type PodEvent, recordPodEvent, shortDuration } from './pod-events.js';
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

/**
 * Makes the container's image available, telling users as kubelet does: Pulled "already present"
 * when no pull was needed, else Pulling → Pulled "Successfully pulled image … in 1.2s" or Failed.
 */
async function ensureImage(ctx: WorkerContext, req: StartRequest): Promise<LocalImage> {
  const { pod, container, signal } = req;
  const ref = container.image ?? '';
  const policy = container.imagePullPolicy ?? defaultPullPolicy(ref);
  const event = (e: Omit<PodEvent, 'container'>) =>
    recordPodEvent(ctx.recorder, pod, { ...e, container: container.name });
  if (policy !== 'Always') {
    try {
      const local = await ctx.images.ensure(ref, 'Never', undefined, signal);
      event({
        type: 'Normal',
        reason: 'Pulled',
        message: `Container image "${ref}" already present on machine`,
      });
      return local;
    } catch (e) {
      if (policy === 'Never' || !(e instanceof ImageError) || e.reason !== 'ErrImageNeverPull') {
        if (!signal.aborted) {
          event({ type: 'Warning', reason: 'Failed', message: `Error: ${(e as Error).message}` });
        }
        throw e;
      }
    }
  }
  event({ type: 'Normal', reason: 'Pulling', message: `Pulling image "${ref}"` });
  const started = Date.now();
  try {
    const image = await ctx.images.ensure(ref, policy, undefined, signal);
    const ms = Date.now() - started;
    observeImagePull(ms / 1000, true);
    event({
      type: 'Normal',
      reason: 'Pulled',
      message: `Successfully pulled image "${ref}" in ${shortDuration(ms)}`,
    });
    return image;
  } catch (e) {
    if (!signal.aborted) {
      observeImagePull((Date.now() - started) / 1000, false);
      event({
        type: 'Warning',
        reason: 'Failed',
        message: `Failed to pull image "${ref}": ${(e as Error).message}`,
      });
      event({
        type: 'Warning',
        reason: 'Failed',
        message: `Error: ${e instanceof ImageError ? e.reason : 'ErrImagePull'}`,
      });
    }
    throw e;
  }
}

export async function startContainer(ctx: WorkerContext, req: StartRequest): Promise<StartOutcome> {
  const { pod, container, kind, attempt, signal } = req;
  let image: LocalImage;
  try {
    image = await ensureImage(ctx, req);
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
    const event = (reason: string, message: string) =>
      recordPodEvent(ctx.recorder, pod, { type: 'Normal', reason, message, container: container.name });
    event('Created', `Created container ${container.name}`);
    event('Started', `Started container ${container.name}`);
    return { kind: 'started' };
  } catch (e) {
    await ctx.runtime.remove(containerId(uid, container.name, attempt)).catch(() => {});
    if (mounted) {
      await ctx.images.unmountRootfs(dir).catch(() => {});
      await rm(dir, { recursive: true, force: true }).catch(() => {});
    }
    recordPodEvent(ctx.recorder, pod, {
      type: 'Warning',
      reason: 'Failed',
      message: `Error: ${(e as Error).message}`,
      container: container.name,
    });
    return e instanceof ConfigError
      ? { kind: 'failed', failure: 'config', reason: e.reason, message: e.message }
      : { kind: 'failed', failure: 'create', reason: 'CreateContainerError', message: (e as Error).message };
  }
}
