// The peer of a pod start: a bare `runc run -d` of the bundle the agent wrote for a running pod
// (its config.json: same rootfs, mounts, process, limits), copied under a new container id. Only
// what must differ for two containers to coexist changes: the cgroup path (a cgroup of its own)
// and the network namespace (one made beforehand with `ip netns add`, so runc joins an existing
// netns as it does for the agent's pods; the pod's own netns already has port 80 taken).
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { nowMs } from './stats.js';

const exec = promisify(execFile);

interface OciConfig {
  linux?: {
    cgroupsPath?: string;
    namespaces?: { type: string; path?: string }[];
  };
  annotations?: Record<string, string>;
}

export interface BareRunc {
  readonly runcRoot: string;
  readonly netnsPrefix: string;
  /** Writes `<dir>/<id>/config.json` from the source bundle and creates netns `<prefix><id>`. */
  prepare(id: string): Promise<void>;
  /** Wall time (ms) of `runc run -d <id>` until it returns (the container's process has started). */
  run(id: string): Promise<number>;
  /** Kills and deletes the container, its netns and its bundle directory's use. Idempotent. */
  remove(id: string): Promise<void>;
  /** Ids prepared and not removed yet. */
  pending(): string[];
}

export function bareRunc(opts: {
  sourceBundle: string;
  dir: string;
  runcRoot: string;
  netnsPrefix: string;
  cgroupParent: string;
}): BareRunc {
  const source = JSON.parse(readFileSync(join(opts.sourceBundle, 'config.json'), 'utf8')) as OciConfig;
  const live = new Set<string>();
  const runc = (args: string[]) => exec('runc', ['--root', opts.runcRoot, ...args]);
  return {
    runcRoot: opts.runcRoot,
    netnsPrefix: opts.netnsPrefix,
    async prepare(id) {
      const netns = `${opts.netnsPrefix}${id}`;
      await exec('ip', ['netns', 'add', netns]);
      live.add(id);
      await exec('ip', ['netns', 'exec', netns, 'ip', 'link', 'set', 'lo', 'up']);
      const config: OciConfig = structuredClone(source);
      config.linux = {
        ...config.linux,
        cgroupsPath: `${opts.cgroupParent}/${id}`,
        namespaces: (config.linux?.namespaces ?? []).map((n) =>
          n.type === 'network' ? { type: 'network', path: `/var/run/netns/${netns}` } : n,
        ),
      };
      const bundle = join(opts.dir, id);
      mkdirSync(bundle, { recursive: true });
      writeFileSync(join(bundle, 'config.json'), JSON.stringify(config, null, 2));
    },
    run(id) {
      const bundle = join(opts.dir, id);
      const t0 = nowMs();
      const child = spawn('runc', ['--root', opts.runcRoot, 'run', '-d', '--bundle', bundle, id], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
      });
      return new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code) => {
          const ms = nowMs() - t0;
          if (code === 0) {
            resolve(ms);
          } else {
            reject(new Error(`runc run -d ${id} exited with ${code}: ${err.trim()}`));
          }
        });
      });
    },
    async remove(id) {
      await runc(['delete', '--force', id]).catch(() => undefined);
      await exec('ip', ['netns', 'delete', `${opts.netnsPrefix}${id}`]).catch(() => undefined);
      live.delete(id);
    },
    pending: () => [...live],
  };
}
