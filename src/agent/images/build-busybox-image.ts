// Builds small runnable images without the internet: one layer with the host's static busybox, its
// applets as symlinks, a minimal /etc, and any extra files. Used by `npm start`'s demo and the tests.
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { promisify } from 'node:util';
import type { Descriptor } from './manifest.js';
import { type ImageConfigSpec, writeImage, writeLayoutIndex } from './oci-layout-writer.js';
import { normalizeReference } from './reference.js';
import type { TarEntrySpec } from './tar-writer.js';

const exec = promisify(execFile);

export type ExtraFile = string | Buffer | { readonly content: string | Buffer; readonly mode?: number };

export interface BusyboxImageOptions {
  /** Reference written into the layout's index.json (normalized: `demo/web:1` → `docker.io/demo/web:1`). */
  readonly ref: string;
  readonly cmd?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly env?: readonly string[];
  readonly workingDir?: string;
  readonly exposedPorts?: readonly string[];
  /** Absolute path in the image → content (parent directories are created). */
  readonly files?: Readonly<Record<string, ExtraFile>>;
  /** Path of a statically linked busybox; /bin/busybox or /usr/bin/busybox by default. */
  readonly busybox?: string;
}

export interface BuiltImage {
  readonly ref: string;
  readonly dir: string;
  /** The manifest descriptor (digest, size, platform). */
  readonly manifest: Descriptor;
}

/** Applets every image gets even if the host busybox cannot list them. */
const CORE_APPLETS = [
  'sh',
  'httpd',
  'wget',
  'nc',
  'cat',
  'sleep',
  'echo',
  'ls',
  'env',
  'ps',
  'mkdir',
  'rm',
  'touch',
];

async function findBusybox(explicit?: string): Promise<string> {
  for (const p of explicit ? [explicit] : ['/bin/busybox', '/usr/bin/busybox']) {
    try {
      if ((await stat(p)).isFile()) {
        return p;
      }
    } catch {
      // try the next
    }
  }
  throw new Error('no busybox binary found (install busybox-static)');
}

async function applets(busybox: string): Promise<string[]> {
  try {
    const { stdout } = await exec(busybox, ['--list']);
    const names = stdout.split('\n').filter((n) => /^[a-z0-9][\w.+-]*$/.test(n) && n !== 'busybox');
    return [...new Set([...CORE_APPLETS, ...names])].sort();
  } catch {
    return CORE_APPLETS;
  }
}

function dirEntry(path: string, mode = 0o755): TarEntrySpec {
  return { path, type: 'directory', mode };
}

/** The single layer's entries: directories first, then busybox, applet links, /etc and extra files. */
export async function busyboxLayerEntries(
  opts: Pick<BusyboxImageOptions, 'files' | 'busybox'>,
): Promise<TarEntrySpec[]> {
  const busybox = await findBusybox(opts.busybox);
  const size = (await stat(busybox)).size;
  const dirs = new Map<string, number>([
    ['bin', 0o755],
    ['dev', 0o755],
    ['etc', 0o755],
    ['home', 0o755],
    ['proc', 0o555],
    ['root', 0o700],
    ['sbin', 0o755],
    ['sys', 0o555],
    ['tmp', 0o1777],
    ['usr', 0o755],
    ['usr/bin', 0o755],
    ['usr/sbin', 0o755],
    ['var', 0o755],
    ['var/run', 0o755],
  ]);
  const extra: TarEntrySpec[] = [];
  for (const [rawPath, file] of Object.entries(opts.files ?? {})) {
    const path = posix.normalize(rawPath).replace(/^\/+/, '');
    if (path === '' || path.startsWith('..')) {
      throw new Error(`extra file path ${JSON.stringify(rawPath)} is not inside the image`);
    }
    for (let d = posix.dirname(path); d !== '.' && d !== ''; d = posix.dirname(d)) {
      if (!dirs.has(d)) {
        dirs.set(d, 0o755);
      }
    }
    const content = typeof file === 'string' || Buffer.isBuffer(file) ? file : file.content;
    const mode = typeof file === 'string' || Buffer.isBuffer(file) ? 0o644 : (file.mode ?? 0o644);
    extra.push({ path, type: 'file', mode, content });
  }
  const entries: TarEntrySpec[] = [...dirs.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([p, mode]) => dirEntry(p, mode));
  entries.push({ path: 'bin/busybox', type: 'file', mode: 0o755, sourcePath: busybox, size });
  for (const name of await applets(busybox)) {
    entries.push({ path: `bin/${name}`, type: 'symlink', linkpath: 'busybox', mode: 0o777 });
  }
  entries.push(
    {
      path: 'etc/passwd',
      type: 'file',
      mode: 0o644,
      content:
        'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\n' +
        'www-data:x:33:33:www-data:/var/www:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
    },
    {
      path: 'etc/group',
      type: 'file',
      mode: 0o644,
      content: 'root:x:0:\ndaemon:x:1:\nwww-data:x:33:\nnogroup:x:65534:\n',
    },
    { path: 'etc/hosts', type: 'file', mode: 0o644, content: '127.0.0.1\tlocalhost\n' },
    { path: 'etc/hostname', type: 'file', mode: 0o644, content: '' },
    { path: 'etc/resolv.conf', type: 'file', mode: 0o644, content: '' },
  );
  // Extra files last, so they may replace the defaults above.
  return [...entries, ...extra];
}

/** Writes an OCI image layout at outDir holding one busybox image named `ref`. */
export async function buildBusyboxImage(outDir: string, opts: BusyboxImageOptions): Promise<BuiltImage> {
  const ref = normalizeReference(opts.ref);
  const entries = await busyboxLayerEntries(opts);
  const config: ImageConfigSpec = {
    ...(opts.entrypoint ? { Entrypoint: opts.entrypoint } : {}),
    Cmd: opts.cmd ?? ['sh'],
    Env: opts.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    WorkingDir: opts.workingDir ?? '/',
    ...(opts.exposedPorts ? { ExposedPorts: opts.exposedPorts } : {}),
  };
  const manifest = await writeImage(outDir, { layers: [{ entries }], config });
  await writeLayoutIndex(outDir, [{ ref, descriptor: manifest }]);
  return { ref, dir: outDir, manifest };
}

/** A web server image: `busybox httpd -f -p 80 -h /www` serving `page` as /www/index.html. */
export function buildHttpdImage(outDir: string, ref: string, page: string): Promise<BuiltImage> {
  return buildBusyboxImage(outDir, {
    ref,
    cmd: ['httpd', '-f', '-v', '-p', '80', '-h', '/www'],
    exposedPorts: ['80/tcp'],
    files: { '/www/index.html': page },
  });
}
