// Puts a pod's volumes on disk (the I/O half of volumes.ts): directories, tmpfs mounts for
// memory-backed volumes and secrets, files of configMap / secret / downwardAPI / projected
// volumes, the /etc files; and removes all of it (unmounting first, never deleting through a
// mount) when the pod goes. Idempotent: setting up a pod again after an agent restart keeps
// existing mounts and rewrites only files whose content changed.
import { execFile } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { parseInteger } from '../../api/quantity.js';
import type { Pod } from '../../api/types.js';
import { ConfigError } from './env.js';
import { etcDir, podDir } from './naming.js';
import {
  type EtcFiles,
  hostPathAllowed,
  hostsFile,
  type ProjectionContext,
  podHostname,
  projectFiles,
  resolvConf,
  type VolumePlan,
} from './volumes.js';

const run = promisify(execFile);

/** Mount operations, behind an interface so unit tests need no root. */
export interface Mounter {
  mountTmpfs(dir: string, opts: { readonly sizeBytes?: number; readonly mode?: number }): Promise<void>;
  unmount(dir: string): Promise<void>;
  /** Mount points at or under dir, deepest first. */
  mountsUnder(dir: string): Promise<string[]>;
}

function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** The kernel's mount table through `mount` / `umount` and /proc/self/mountinfo. */
export const systemMounter: Mounter = {
  async mountTmpfs(dir, opts) {
    const o = [`mode=${(opts.mode ?? 0o755).toString(8)}`];
    if (opts.sizeBytes !== undefined && opts.sizeBytes > 0) {
      o.push(`size=${opts.sizeBytes}`);
    }
    await run('mount', ['-t', 'tmpfs', '-o', o.join(','), 'tmpfs', dir]);
  },
  async unmount(dir) {
    try {
      await run('umount', [dir]);
    } catch {
      await run('umount', ['-l', dir]);
    }
  },
  async mountsUnder(dir) {
    const text = await readFile('/proc/self/mountinfo', 'utf8');
    const base = dir.replace(/\/+$/, '');
    const out = new Set<string>();
    for (const line of text.split('\n')) {
      const mp = line.split(' ')[4];
      if (mp === undefined) {
        continue;
      }
      const p = unescapeMountPath(mp);
      if (p === base || p.startsWith(`${base}/`)) {
        out.add(p);
      }
    }
    return [...out].sort((a, b) => b.length - a.length);
  },
};

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Writes a file only when its content or mode differs (atomically, via a temp file). */
async function writeIfChanged(path: string, data: Buffer | string, mode: number): Promise<void> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  try {
    const [cur, st] = await Promise.all([readFile(path), stat(path)]);
    if (cur.equals(buf) && (st.mode & 0o7777) === mode) {
      return;
    }
  } catch {
    // absent: write it
  }
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, buf, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      out.push(...(await listFiles(p, base)));
    } else {
      out.push(relative(base, p));
    }
  }
  return out;
}

export interface VolumeSetupInput {
  readonly pod: Pod;
  readonly plan: VolumePlan;
  readonly objects: ProjectionContext;
  readonly podIP: string;
  readonly clusterDns: readonly string[];
  readonly allowedHostPaths: readonly string[];
}

export class VolumeManager {
  constructor(
    private readonly dataDir: string,
    private readonly mounter: Mounter = systemMounter,
    private readonly hostResolvConf: () => Promise<string> = () =>
      readFile('/etc/resolv.conf', 'utf8').catch(() => ''),
  ) {}

  /** The /etc files of a pod (paths; written by setup). */
  etcFiles(uid: string): EtcFiles {
    const dir = etcDir(this.dataDir, uid);
    return {
      hosts: join(dir, 'hosts'),
      hostname: join(dir, 'hostname'),
      resolvConf: join(dir, 'resolv.conf'),
    };
  }

  /** Creates every volume of the pod and its /etc files; throws ConfigError on a missing object. */
  async setup(input: VolumeSetupInput): Promise<void> {
    const { pod, plan } = input;
    const uid = pod.metadata.uid ?? '';
    const mounted = new Set(await this.mounter.mountsUnder(podDir(this.dataDir, uid)));
    for (const vol of plan.volumes.values()) {
      switch (vol.kind) {
        case 'emptyDir': {
          await mkdir(vol.path, { recursive: true, mode: 0o777 });
          await chmod(vol.path, 0o777);
          if (vol.tmpfs && !mounted.has(vol.path)) {
            let sizeBytes: number | undefined;
            try {
              sizeBytes = vol.sizeLimit === undefined ? undefined : parseInteger(vol.sizeLimit);
            } catch {
              throw new ConfigError(`volume "${vol.name}": invalid sizeLimit ${vol.sizeLimit}`);
            }
            await this.mounter.mountTmpfs(vol.path, { sizeBytes, mode: 0o777 });
          }
          break;
        }
        case 'configMap':
        case 'secret':
        case 'downwardAPI':
        case 'projected': {
          const files = projectFiles(vol, pod, { ...input.objects, podIP: input.podIP });
          await mkdir(vol.path, { recursive: true, mode: 0o755 });
          if (vol.tmpfs && !mounted.has(vol.path)) {
            await this.mounter.mountTmpfs(vol.path, { mode: 0o755 });
          }
          const wanted = new Set(files.map((f) => f.path));
          for (const f of files) {
            await writeIfChanged(join(vol.path, f.path), f.data, f.mode & 0o777);
          }
          for (const stale of await listFiles(vol.path)) {
            if (!wanted.has(stale)) {
              await rm(join(vol.path, stale), { force: true });
            }
          }
          break;
        }
        case 'hostPath':
          await this.setupHostPath(vol.name, vol.path, vol.type, input.allowedHostPaths);
          break;
        case 'pvc':
          await mkdir(vol.path, { recursive: true, mode: 0o777 });
          break;
      }
    }
    const etc = this.etcFiles(uid);
    const { hostname } = podHostname(pod);
    await writeIfChanged(etc.hosts, hostsFile(pod, input.podIP), 0o644);
    await writeIfChanged(etc.hostname, `${hostname}\n`, 0o644);
    await writeIfChanged(
      etc.resolvConf,
      resolvConf(pod, input.clusterDns, await this.hostResolvConf()),
      0o644,
    );
  }

  private async setupHostPath(
    name: string,
    path: string,
    type: string,
    allowed: readonly string[],
  ): Promise<void> {
    if (type === 'DirectoryOrCreate') {
      await mkdir(path, { recursive: true, mode: 0o755 });
    } else if (type === 'FileOrCreate' && !(await exists(path))) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, '', { mode: 0o644 });
    }
    if (await exists(path)) {
      // a symlink must not lead out of the allowed prefixes
      const real = await realpath(path);
      if (!hostPathAllowed(real, allowed)) {
        throw new ConfigError(
          `hostPath volume "${name}" (${path}) resolves to ${real}, outside the allowed prefixes`,
        );
      }
      const st = await stat(real);
      if ((type === 'Directory' || type === 'DirectoryOrCreate') && !st.isDirectory()) {
        throw new ConfigError(`hostPath volume "${name}": ${path} is not a directory`);
      }
      if ((type === 'File' || type === 'FileOrCreate') && !st.isFile()) {
        throw new ConfigError(`hostPath volume "${name}": ${path} is not a file`);
      }
    } else if (type !== '') {
      throw new ConfigError(`hostPath volume "${name}": ${path} does not exist (type ${type})`);
    }
  }

  /** Unmounts everything under the pod directory, then removes it (persistent claims stay). */
  async teardown(uid: string): Promise<void> {
    const dir = podDir(this.dataDir, uid);
    for (const m of await this.mounter.mountsUnder(dir)) {
      await this.mounter.unmount(m);
    }
    const left = await this.mounter.mountsUnder(dir);
    if (left.length > 0) {
      throw new Error(`pod ${uid}: still mounted after unmount: ${left.join(', ')}; not removing ${dir}`);
    }
    await rm(dir, { recursive: true, force: true });
  }
}
