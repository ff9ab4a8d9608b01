// Overlay root file systems for containers: the image's unpacked layers as read-only lower dirs, a
// per-container upper/work dir, mounted with util-linux `mount` (Node has no mount(2)). No copying.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readlink, symlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** The kernel copies mount options into one page; stay clear of its 4096 bytes. */
const MAX_OPTIONS = 3800;

/** Mount points from /proc/self/mountinfo (octal escapes decoded). */
export async function mountPoints(): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) =>
      (l.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) =>
        String.fromCharCode(Number.parseInt(o, 8)),
      ),
    );
}

export async function isMountPoint(path: string): Promise<boolean> {
  const target = resolve(path);
  return (await mountPoints()).includes(target);
}

function checkOptionPath(p: string): void {
  if (/[,:\\\n]/.test(p)) {
    throw new Error(
      `path ${JSON.stringify(p)} cannot be used in overlay mount options (contains ',', ':' or '\\')`,
    );
  }
}

/**
 * Builds the lowerdir value and the cwd to run mount in: absolute paths when short enough, else names
 * relative to the layers' common parent, else short symlinks (`<parent>/../l/<12 hex>`) to them.
 */
async function lowerDirOption(
  lowerTopFirst: readonly string[],
  fixedLength: number,
): Promise<{ value: string; cwd?: string }> {
  const abs = lowerTopFirst.map((d) => resolve(d));
  abs.forEach(checkOptionPath);
  const plain = abs.join(':');
  if (fixedLength + plain.length <= MAX_OPTIONS) {
    return { value: plain };
  }
  const parent = dirname(abs[0]!);
  if (abs.every((d) => dirname(d) === parent)) {
    const relative = abs.map((d) => basename(d)).join(':');
    if (fixedLength + relative.length <= MAX_OPTIONS) {
      return { value: relative, cwd: parent };
    }
  }
  const farm = join(dirname(parent), 'l');
  await mkdir(farm, { recursive: true });
  const names: string[] = [];
  for (const d of abs) {
    const name = createHash('sha256').update(d).digest('hex').slice(0, 12);
    const link = join(farm, name);
    try {
      if ((await readlink(link)) !== d) {
        throw new Error(`short layer link ${link} points elsewhere`);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw err;
      }
      await symlink(d, link).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') {
          throw e;
        }
      });
    }
    names.push(name);
  }
  const value = names.join(':');
  if (fixedLength + value.length > MAX_OPTIONS) {
    throw new Error(`image has too many layers (${abs.length}) for one overlay mount`);
  }
  return { value, cwd: farm };
}

/** Mounts `<dir>/rootfs` as overlay of the lower dirs (top layer first); idempotent. Returns the rootfs path. */
export async function mountOverlay(lowerTopFirst: readonly string[], dir: string): Promise<string> {
  if (lowerTopFirst.length === 0) {
    throw new Error('an overlay needs at least one lower layer');
  }
  const base = resolve(dir);
  const rootfs = join(base, 'rootfs');
  const upper = join(base, 'upper');
  const work = join(base, 'work');
  for (const p of [rootfs, upper, work]) {
    checkOptionPath(p);
    await mkdir(p, { recursive: true, mode: 0o755 });
  }
  if (await isMountPoint(rootfs)) {
    return rootfs;
  }
  const fixed = `lowerdir=,upperdir=${upper},workdir=${work}`;
  const lower = await lowerDirOption(lowerTopFirst, fixed.length);
  const options = `lowerdir=${lower.value},upperdir=${upper},workdir=${work}`;
  try {
    await exec(
      'mount',
      ['-t', 'overlay', 'overlay', '-o', options, rootfs],
      lower.cwd ? { cwd: lower.cwd } : {},
    );
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`mount overlay at ${rootfs} failed: ${stderr || (err as Error).message}`, { cause: err });
  }
  return rootfs;
}

/** Unmounts `<dir>/rootfs` (lazily if busy); nothing to do when it is not mounted. Leaves the dirs. */
export async function unmountOverlay(dir: string): Promise<void> {
  const rootfs = join(resolve(dir), 'rootfs');
  for (let i = 0; i < 8 && (await isMountPoint(rootfs)); i++) {
    try {
      await exec('umount', [rootfs]);
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? '';
      if (/busy/i.test(stderr)) {
        await exec('umount', ['-l', rootfs]);
      } else if (await isMountPoint(rootfs)) {
        throw new Error(`umount ${rootfs} failed: ${stderr.trim() || (err as Error).message}`, {
          cause: err,
        });
      }
    }
  }
}
