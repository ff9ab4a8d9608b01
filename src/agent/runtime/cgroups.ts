// Cgroup helpers for the runtime: which cgroup version the node runs, where a pod's cgroup lives,
// and removing a pod's cgroup once its last container is gone. runc (cgroupfs driver) creates the
// pod and container cgroups itself (every missing level, cpuset copied down on v1, controllers
// enabled in the parents' subtree_control on v2), so nothing here needs to create them.
import { existsSync } from 'node:fs';
import { readdir, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CgroupVersion } from './oci-spec.js';

export const CGROUP_ROOT = '/sys/fs/cgroup';
/** Every pod cgroup nests under this one (`/gantry/pod<uid>/<container id>`). */
export const GANTRY_CGROUP = '/gantry';

/** v2 when the unified hierarchy is mounted at the cgroup root, v1 (or hybrid) otherwise. */
export function detectCgroupVersion(root: string = CGROUP_ROOT): CgroupVersion {
  return existsSync(join(root, 'cgroup.controllers')) ? 2 : 1;
}

/** The cgroup path of a pod, parent of its containers' cgroups. */
export function podCgroupParent(podUid: string): string {
  return `${GANTRY_CGROUP}/pod${podUid.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/** The directories a cgroup path has on this node: one per mounted v1 hierarchy, or one on v2. */
export async function cgroupDirs(path: string, root: string = CGROUP_ROOT): Promise<string[]> {
  const rel = path.replace(/^\/+/, '');
  if (detectCgroupVersion(root) === 2) {
    return [join(root, rel)];
  }
  const dirs: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    // Symlinks (cpu -> cpu,cpuacct) name a hierarchy that is listed under its real name too.
    if (entry.isDirectory()) {
      dirs.push(join(root, entry.name, rel));
    }
  }
  return dirs;
}

/** The memory cgroup directory of a cgroup path (v1: the memory hierarchy; v2: the unified one). */
export function memoryCgroupDir(path: string, version: CgroupVersion, root: string = CGROUP_ROOT): string {
  const rel = path.replace(/^\/+/, '');
  return version === 2 ? join(root, rel) : join(root, 'memory', rel);
}

async function rmdirTree(dir: string): Promise<void> {
  let entries: string[] = [];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return;
    }
    throw err;
  }
  for (const child of entries) {
    await rmdirTree(join(dir, child));
  }
  try {
    await rmdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw err;
    }
  }
}

/**
 * Removes a cgroup (and any empty child cgroups left behind) from every hierarchy. Fails with EBUSY
 * while a process still lives in it; a cgroup that does not exist is fine.
 */
export async function removeCgroup(path: string, root: string = CGROUP_ROOT): Promise<void> {
  const errors: Error[] = [];
  for (const dir of await cgroupDirs(path, root)) {
    try {
      await rmdirTree(dir);
    } catch (err) {
      errors.push(err as Error);
    }
  }
  if (errors.length > 0) {
    throw new Error(`remove cgroup ${path}`, { cause: errors[0] });
  }
}

/** Removes the cgroup of a pod (`/gantry/pod<uid>`) once its containers are gone. */
export async function removePodCgroup(podUid: string, root: string = CGROUP_ROOT): Promise<void> {
  await removeCgroup(podCgroupParent(podUid), root);
}

/** Whether a cgroup path exists in any hierarchy (used by tests and by cleanup after a restart). */
export async function cgroupExists(path: string, root: string = CGROUP_ROOT): Promise<boolean> {
  for (const dir of await cgroupDirs(path, root)) {
    try {
      if ((await stat(dir)).isDirectory()) {
        return true;
      }
    } catch {
      // not in this hierarchy
    }
  }
  return false;
}
