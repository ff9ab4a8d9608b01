// Pod volumes (pure): where each volume lives on the node, the files a configMap / secret /
// downwardAPI / projected volume holds, and the mounts each container gets.
//
//  - emptyDir: <pod dir>/volumes/<name>, shared by the pod's containers; medium Memory → tmpfs.
//  - configMap, secret, downwardAPI, projected: files written from the API objects (secrets and
//    the others holding secrets or pod metadata on a tmpfs); items / keys / defaultMode / mode;
//    a missing object or key that is not optional is a CreateContainerConfigError.
//  - hostPath: only under the prefixes the agent allows (`--allowed-host-path`); otherwise the pod
//    fails with reason HostPathNotAllowed.
//  - persistentVolumeClaim: Gantry has no PersistentVolume objects; a claim is the local directory
//    <data-dir>/volumes/<namespace>/<claimName>, created on first use and kept after the pod goes,
//    so a pod that comes back under the same claim finds its data.
//  - every container also gets /etc/hosts, /etc/hostname and /etc/resolv.conf (bind mounts of
//    files under <pod dir>/etc, see etc-files.ts). No service-account token is mounted (Gantry
//    issues none).
import { posix } from 'node:path';
import type { Container, KObject, Pod } from '../../api/types.js';
import type { MountSpec } from '../types.js';
import { ConfigError, fieldRefValue, objectValue, resourceFieldValue } from './env.js';
import type { EtcFiles } from './etc-files.js';
import { claimDir, volumeDir } from './naming.js';

export { type EtcFiles, hostsFile, podHostname, resolvConf } from './etc-files.js';

export type PlannedVolume =
  | {
      readonly kind: 'emptyDir';
      readonly name: string;
      readonly path: string;
      readonly tmpfs: boolean;
      readonly sizeLimit?: string;
    }
  | {
      readonly kind: 'configMap' | 'secret' | 'downwardAPI' | 'projected';
      readonly name: string;
      readonly path: string;
      readonly tmpfs: boolean;
      readonly source: any;
    }
  | { readonly kind: 'hostPath'; readonly name: string; readonly path: string; readonly type: string }
  | { readonly kind: 'pvc'; readonly name: string; readonly path: string; readonly readOnly: boolean };

export interface VolumePlan {
  readonly volumes: ReadonlyMap<string, PlannedVolume>;
  /** The pod cannot run here at all (reason HostPathNotAllowed / UnsupportedVolume). */
  readonly error?: { readonly reason: string; readonly message: string };
}

export interface VolumeOptions {
  readonly dataDir: string;
  readonly allowedHostPaths: readonly string[];
}

/** Whether `path` lies at or under one of the allowed prefixes (after normalization). */
export function hostPathAllowed(path: string, allowed: readonly string[]): boolean {
  if (!path.startsWith('/')) {
    return false;
  }
  const p = posix.normalize(path).replace(/(.)\/$/, '$1');
  return allowed.some((raw) => {
    const a = posix.normalize(raw).replace(/(.)\/$/, '$1');
    return a.startsWith('/') && (p === a || p.startsWith(a === '/' ? '/' : `${a}/`));
  });
}

export function planVolumes(pod: Pod, opts: VolumeOptions): VolumePlan {
  const uid = pod.metadata.uid ?? '';
  const ns = pod.metadata.namespace ?? 'default';
  const volumes = new Map<string, PlannedVolume>();
  for (const v of pod.spec.volumes ?? []) {
    const name = String(v?.name ?? '');
    const path = volumeDir(opts.dataDir, uid, name);
    if (v.emptyDir) {
      volumes.set(name, {
        kind: 'emptyDir',
        name,
        path,
        tmpfs: v.emptyDir.medium === 'Memory',
        sizeLimit: v.emptyDir.sizeLimit === undefined ? undefined : String(v.emptyDir.sizeLimit),
      });
    } else if (v.configMap) {
      volumes.set(name, { kind: 'configMap', name, path, tmpfs: false, source: v.configMap });
    } else if (v.secret) {
      volumes.set(name, { kind: 'secret', name, path, tmpfs: true, source: v.secret });
    } else if (v.downwardAPI) {
      volumes.set(name, { kind: 'downwardAPI', name, path, tmpfs: true, source: v.downwardAPI });
    } else if (v.projected) {
      volumes.set(name, { kind: 'projected', name, path, tmpfs: true, source: v.projected });
    } else if (v.hostPath) {
      const hp = String(v.hostPath.path ?? '');
      if (!hostPathAllowed(hp, opts.allowedHostPaths)) {
        return {
          volumes,
          error: {
            reason: 'HostPathNotAllowed',
            message:
              opts.allowedHostPaths.length === 0
                ? `hostPath volume "${name}" (${hp}) is not allowed: this node allows no hostPath volumes (agent option --allowed-host-path)`
                : `hostPath volume "${name}" (${hp}) is outside the allowed prefixes [${opts.allowedHostPaths.join(', ')}]`,
          },
        };
      }
      volumes.set(name, {
        kind: 'hostPath',
        name,
        path: posix.normalize(hp),
        type: String(v.hostPath.type ?? ''),
      });
    } else if (v.persistentVolumeClaim) {
      const claim = String(v.persistentVolumeClaim.claimName ?? '');
      if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(claim)) {
        return {
          volumes,
          error: { reason: 'InvalidVolume', message: `volume "${name}": invalid claimName "${claim}"` },
        };
      }
      volumes.set(name, {
        kind: 'pvc',
        name,
        path: claimDir(opts.dataDir, ns, claim),
        readOnly: v.persistentVolumeClaim.readOnly === true,
      });
    } else {
      const type = Object.keys(v ?? {}).find((k) => k !== 'name') ?? 'unknown';
      return {
        volumes,
        error: {
          reason: 'UnsupportedVolume',
          message: `volume "${name}": type ${type} is not supported by this node (emptyDir, configMap, secret, downwardAPI, projected, hostPath, persistentVolumeClaim are)`,
        },
      };
    }
  }
  return { volumes, error: undefined };
}

export interface ProjectedFile {
  /** Relative to the volume directory. */
  readonly path: string;
  readonly data: Buffer;
  readonly mode: number;
}

export interface ProjectionContext {
  readonly configMaps: ReadonlyMap<string, KObject | null>;
  readonly secrets: ReadonlyMap<string, KObject | null>;
  readonly podIP?: string;
  readonly hostIP?: string;
}

function checkRelative(path: string, volume: string): string {
  const parts = path.split('/');
  if (path === '' || path.startsWith('/') || parts.includes('..')) {
    throw new ConfigError(`volume "${volume}": invalid item path "${path}" (relative, no "..")`);
  }
  return path;
}

function rawValue(obj: KObject, key: string, kind: 'ConfigMap' | 'Secret'): Buffer | undefined {
  if (kind === 'ConfigMap') {
    const d = obj.data?.[key];
    if (typeof d === 'string') {
      return Buffer.from(d, 'utf8');
    }
    const b = obj.binaryData?.[key];
    return typeof b === 'string' ? Buffer.from(b, 'base64') : undefined;
  }
  const d = obj.data?.[key];
  if (typeof d === 'string') {
    return Buffer.from(d, 'base64');
  }
  const s = objectValue(obj, key, 'Secret');
  return s === undefined ? undefined : Buffer.from(s, 'utf8');
}

function keyFiles(
  volume: string,
  kind: 'ConfigMap' | 'Secret',
  src: any,
  objName: string,
  ctx: ProjectionContext,
  defaultMode: number,
): ProjectedFile[] {
  const obj = (kind === 'ConfigMap' ? ctx.configMaps : ctx.secrets).get(objName) ?? undefined;
  const optional = src?.optional === true;
  if (!obj) {
    if (optional) {
      return [];
    }
    throw new ConfigError(
      `${kind === 'ConfigMap' ? 'configmap' : 'secret'} "${objName}" not found (volume "${volume}")`,
    );
  }
  const items: any[] | undefined = src?.items;
  if (!items || items.length === 0) {
    const keys = new Set([
      ...Object.keys(obj.data ?? {}),
      ...Object.keys(kind === 'ConfigMap' ? (obj.binaryData ?? {}) : (obj.stringData ?? {})),
    ]);
    return [...keys].sort().map((key) => ({
      path: checkRelative(key, volume),
      data: rawValue(obj, key, kind) ?? Buffer.alloc(0),
      mode: defaultMode,
    }));
  }
  const out: ProjectedFile[] = [];
  for (const item of items) {
    const data = rawValue(obj, String(item.key), kind);
    if (data === undefined) {
      if (optional) {
        continue;
      }
      throw new ConfigError(
        `couldn't find key ${item.key} in ${kind} ${obj.metadata.namespace}/${objName} (volume "${volume}")`,
      );
    }
    out.push({
      path: checkRelative(String(item.path ?? item.key), volume),
      data,
      mode: typeof item.mode === 'number' ? item.mode : defaultMode,
    });
  }
  return out;
}

function metadataMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m?.[k])}`)
    .join('\n');
}

function downwardFiles(
  volume: string,
  src: any,
  pod: Pod,
  ctx: ProjectionContext,
  defaultMode: number,
): ProjectedFile[] {
  const out: ProjectedFile[] = [];
  for (const item of src?.items ?? []) {
    let text: string;
    const fp = String(item.fieldRef?.fieldPath ?? '');
    if (fp === 'metadata.labels') {
      text = metadataMap(pod.metadata.labels);
    } else if (fp === 'metadata.annotations') {
      text = metadataMap(pod.metadata.annotations);
    } else if (item.fieldRef) {
      text = fieldRefValue(pod, fp, ctx);
    } else if (item.resourceFieldRef) {
      const c = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find(
        (x) => x.name === item.resourceFieldRef.containerName,
      );
      if (!c) {
        throw new ConfigError(`volume "${volume}": resourceFieldRef needs an existing containerName`);
      }
      text = resourceFieldValue(pod, c, item.resourceFieldRef, {
        ...ctx,
        nodeAllocatable: { cpuMilli: 0, memoryBytes: 0 },
      });
    } else {
      continue;
    }
    out.push({
      path: checkRelative(String(item.path ?? ''), volume),
      data: Buffer.from(text, 'utf8'),
      mode: typeof item.mode === 'number' ? item.mode : defaultMode,
    });
  }
  return out;
}

/** The files of a configMap / secret / downwardAPI / projected volume; throws ConfigError. */
export function projectFiles(vol: PlannedVolume, pod: Pod, ctx: ProjectionContext): ProjectedFile[] {
  if (
    vol.kind !== 'configMap' &&
    vol.kind !== 'secret' &&
    vol.kind !== 'downwardAPI' &&
    vol.kind !== 'projected'
  ) {
    return [];
  }
  const src = vol.source;
  const mode = typeof src?.defaultMode === 'number' ? src.defaultMode : 0o644;
  switch (vol.kind) {
    case 'configMap':
      return keyFiles(vol.name, 'ConfigMap', src, String(src.name ?? ''), ctx, mode);
    case 'secret':
      return keyFiles(vol.name, 'Secret', src, String(src.secretName ?? ''), ctx, mode);
    case 'downwardAPI':
      return downwardFiles(vol.name, src, pod, ctx, mode);
    case 'projected': {
      const out: ProjectedFile[] = [];
      for (const s of src?.sources ?? []) {
        if (s.configMap) {
          out.push(
            ...keyFiles(vol.name, 'ConfigMap', s.configMap, String(s.configMap.name ?? ''), ctx, mode),
          );
        } else if (s.secret) {
          out.push(...keyFiles(vol.name, 'Secret', s.secret, String(s.secret.name ?? ''), ctx, mode));
        } else if (s.downwardAPI) {
          out.push(...downwardFiles(vol.name, s.downwardAPI, pod, ctx, mode));
        }
        // serviceAccountToken / clusterTrustBundle sources: Gantry issues no such tokens.
      }
      return out;
    }
  }
}

function bind(destination: string, source: string, readOnly: boolean): MountSpec {
  return { destination, source, type: 'bind', options: ['rbind', 'rprivate', readOnly ? 'ro' : 'rw'] };
}

/** The container's mounts: its volumeMounts (with subPath and readOnly) and the /etc files. */
export function containerMounts(container: Container, plan: VolumePlan, etc: EtcFiles): MountSpec[] {
  const mounts: MountSpec[] = [];
  const taken = new Set<string>();
  for (const vm of container.volumeMounts ?? []) {
    const vol = plan.volumes.get(String(vm.name));
    if (!vol) {
      throw new ConfigError(
        `container ${container.name}: volumeMount "${vm.name}" names no volume of the pod`,
      );
    }
    const dest = posix.normalize(String(vm.mountPath ?? ''));
    if (!dest.startsWith('/')) {
      throw new ConfigError(`container ${container.name}: mountPath "${vm.mountPath}" must be absolute`);
    }
    let source = vol.path;
    const sub = String(vm.subPath ?? '');
    if (sub !== '') {
      if (sub.startsWith('/') || sub.split('/').includes('..')) {
        throw new ConfigError(`container ${container.name}: subPath "${sub}" must be relative without ".."`);
      }
      source = posix.join(vol.path, sub);
    }
    const readOnly =
      vm.readOnly === true ||
      (vol.kind === 'pvc' && vol.readOnly) ||
      vol.kind === 'secret' ||
      vol.kind === 'configMap' ||
      vol.kind === 'downwardAPI' ||
      vol.kind === 'projected';
    mounts.push(bind(dest, source, readOnly));
    taken.add(dest);
  }
  const etcMounts: [string, string][] = [
    ['/etc/hosts', etc.hosts],
    ['/etc/hostname', etc.hostname],
    ['/etc/resolv.conf', etc.resolvConf],
  ];
  for (const [dest, src] of etcMounts) {
    if (!taken.has(dest)) {
      mounts.push(bind(dest, src, false));
    }
  }
  return mounts;
}
