// Names the kubelet gives things on the node (pure): runc container ids, the annotations that map
// a runtime container back to its pod and container (adoption after an agent restart), and the
// directory layout under the data dir.
//
//   <dataDir>/pods/<uid>/containers/<name>-<attempt>/   rootfs overlay (upper, work, merged)
//   <dataDir>/pods/<uid>/logs/<name>/<attempt>.log      CRI-format log of one attempt
//   <dataDir>/pods/<uid>/volumes/<volume>/              emptyDir, configMap, secret, downwardAPI
//   <dataDir>/pods/<uid>/etc/{hosts,hostname,resolv.conf}
//   <dataDir>/volumes/<namespace>/<claimName>/          persistentVolumeClaim (outlives pods)
import { join } from 'node:path';
import type { ContainerState } from '../types.js';

export const ANNOTATION = {
  podUid: 'gantry.dev/pod-uid',
  podName: 'gantry.dev/pod-name',
  podNamespace: 'gantry.dev/pod-namespace',
  container: 'gantry.dev/container-name',
  attempt: 'gantry.dev/attempt',
  /** `init`, `sidecar` (restartable init container) or `regular`. */
  kind: 'gantry.dev/container-kind',
  /** The image as written in the pod spec. */
  image: 'gantry.dev/image',
  /** The normalized reference and manifest digest the container runs. */
  imageRef: 'gantry.dev/image-ref',
  imageDigest: 'gantry.dev/image-digest',
} as const;

export type ContainerKind = 'init' | 'sidecar' | 'regular';

/** A runtime container the kubelet recognizes as one of its own. */
export interface ObservedContainer {
  readonly id: string;
  readonly podUid: string;
  readonly name: string;
  readonly kind: ContainerKind;
  readonly attempt: number;
  readonly image: string;
  readonly imageRef: string;
  readonly imageDigest: string;
  readonly state: ContainerState;
}

export function containerId(podUid: string, name: string, attempt: number): string {
  return `${podUid}-${name}-${attempt}`;
}

/** The kubelet's view of a runtime container, or undefined when it is not one of ours. */
export function observe(state: ContainerState): ObservedContainer | undefined {
  const a = state.annotations;
  const podUid = a[ANNOTATION.podUid];
  const name = a[ANNOTATION.container];
  const attempt = Number(a[ANNOTATION.attempt]);
  if (!podUid || !name || !Number.isInteger(attempt) || attempt < 0) {
    return undefined;
  }
  const kind = a[ANNOTATION.kind];
  return {
    id: state.id,
    podUid,
    name,
    kind: kind === 'init' || kind === 'sidecar' ? kind : 'regular',
    attempt,
    image: a[ANNOTATION.image] ?? '',
    imageRef: a[ANNOTATION.imageRef] ?? '',
    imageDigest: a[ANNOTATION.imageDigest] ?? '',
    state,
  };
}

export function podDir(dataDir: string, uid: string): string {
  return join(dataDir, 'pods', uid);
}

export function rootfsDir(dataDir: string, uid: string, name: string, attempt: number): string {
  return join(podDir(dataDir, uid), 'containers', `${name}-${attempt}`);
}

export function logPath(dataDir: string, uid: string, name: string, attempt: number): string {
  return join(podDir(dataDir, uid), 'logs', name, `${attempt}.log`);
}

export function volumeDir(dataDir: string, uid: string, volume: string): string {
  return join(podDir(dataDir, uid), 'volumes', volume);
}

export function etcDir(dataDir: string, uid: string): string {
  return join(podDir(dataDir, uid), 'etc');
}

/** Where a persistentVolumeClaim's data lives: one directory per namespace and claim name. */
export function claimDir(dataDir: string, namespace: string, claim: string): string {
  return join(dataDir, 'volumes', namespace, claim);
}

/** Go's time.Duration format for whole seconds, as the kubelet prints back-off delays (`5m0s`). */
export function goDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) {
    return `${h}h${m}m${s}s`;
  }
  if (m > 0) {
    return `${m}m${s}s`;
  }
  return `${s}s`;
}
