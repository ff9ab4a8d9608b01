// Test fixtures for the runtime: a busybox rootfs in a temp dir (the host's static busybox plus its
// applet symlinks), the shim compiled from the current source, and a network namespace of our own.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Creates `<dir>/rootfs` with /bin/busybox and every applet, /etc/passwd and /etc/group; returns its path. */
export function makeBusyboxRootfs(dir: string): string {
  const rootfs = join(dir, 'rootfs');
  for (const sub of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root']) {
    mkdirSync(join(rootfs, sub), { recursive: true });
  }
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) {
    if (applet !== 'busybox') {
      symlinkSync('busybox', join(rootfs, 'bin', applet));
    }
  }
  writeFileSync(
    join(rootfs, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
  );
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n');
  return rootfs;
}

/** Compiles src/agent/runtime/shim.c into dir (what scripts/bootstrap.sh does for dist/). */
export function buildShim(dir: string): string {
  const out = join(dir, 'gantry-shim');
  execFileSync('cc', ['-O2', '-Wall', '-Werror', '-o', out, 'src/agent/runtime/shim.c']);
  return out;
}

/** A fresh named network namespace (`ip netns add`) with loopback up; delete it with deleteNetns. */
export function createNetns(prefix = 'gantry-test'): { name: string; path: string } {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', name]);
  execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return { name, path: `/var/run/netns/${name}` };
}

export function deleteNetns(name: string): void {
  try {
    execFileSync('ip', ['netns', 'delete', name], { stdio: 'ignore' });
  } catch {
    // already gone
  }
}
