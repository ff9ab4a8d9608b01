// Unpacks one image layer into its own directory in overlayfs format. The layer is parsed and vetted
// here (path traversal, links through symlinks, hard links leaving the layer) and its OCI whiteouts are
// translated — `.wh.<name>` → a 0/0 character device, `.wh..wh..opq` → the `trusted.overlay.opaque=y`
// xattr on the directory. The vetted entries are then written to disk by GNU tar (Debian essential),
// because Node can neither mknod nor set xattrs; GNU tar restores modes, owners, links and xattrs faithfully.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { readTar, type TarEntryType, type TarHeader } from './tar-reader.js';
import { type TarEntrySpec, writeTar } from './tar-writer.js';

export class LayerError extends Error {
  override name = 'LayerError';
}

export interface UnpackResult {
  /** sha256 of the uncompressed tar stream (the layer's diff id). */
  readonly diffId: string;
  readonly uncompressedBytes: number;
  readonly entries: number;
  readonly whiteouts: number;
  readonly opaqueDirs: number;
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';
/** xattrs a layer may carry onto disk; trusted.* (overlayfs' own) and security.selinux are never taken. */
const XATTRS_KEPT = (name: string) => name.startsWith('user.') || name === 'security.capability';

/**
 * Normalizes an entry path relative to the layer root (`./a//b/` → `a/b`, `.` → ``).
 * Throws on absolute paths and on any `..` component.
 */
export function cleanEntryPath(raw: string): string {
  if (raw.startsWith('/')) {
    throw new LayerError(`entry ${JSON.stringify(raw)} has an absolute path`);
  }
  if (raw.includes('\0')) {
    throw new LayerError(`entry ${JSON.stringify(raw)} contains a NUL byte`);
  }
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') {
      continue;
    }
    if (part === '..') {
      throw new LayerError(`entry ${JSON.stringify(raw)} escapes the layer with '..'`);
    }
    parts.push(part);
  }
  return parts.join('/');
}

export type Compression = 'gzip' | 'none' | 'zstd';

export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    return 'gzip';
  }
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) {
    return 'zstd';
  }
  return 'none';
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '' : path.slice(0, i);
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

interface LayerState {
  readonly seen: Map<string, TarEntryType>;
  readonly dirHeaders: Map<string, TarHeader>;
  readonly whiteouts: Set<string>;
  readonly opaque: Set<string>;
  entries: number;
}

/** Rejects an entry whose parent chain passes through a symlink (or a non-directory) of this layer. */
function checkParents(state: LayerState, path: string): void {
  let p = parentOf(path);
  while (p !== '') {
    const t = state.seen.get(p);
    if (t !== undefined && t !== 'directory') {
      throw new LayerError(`entry ${JSON.stringify(path)} goes through ${t} ${JSON.stringify(p)}`);
    }
    p = parentOf(p);
  }
}

/** Vets and translates the entries of a layer; yields what GNU tar should write. */
async function* translate(
  source: AsyncIterable<Uint8Array>,
  state: LayerState,
): AsyncGenerator<TarEntrySpec> {
  for await (const { header, body } of readTar(source)) {
    state.entries++;
    const path = cleanEntryPath(header.path);
    if (path === '') {
      continue; // the layer root itself: its metadata belongs to the lower layers / the mount
    }
    checkParents(state, path);
    const base = baseOf(path);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      if (base === OPAQUE_MARKER) {
        const dir = parentOf(path);
        if (dir !== '') {
          state.opaque.add(dir);
        }
      } else if (!base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) {
        const name = base.slice(WHITEOUT_PREFIX.length);
        if (name === '' || name === '.' || name === '..') {
          throw new LayerError(`whiteout ${JSON.stringify(header.path)} names nothing`);
        }
        state.whiteouts.add(parentOf(path) === '' ? name : `${parentOf(path)}/${name}`);
      }
      continue; // other .wh..wh.* entries are aufs bookkeeping
    }
    let linkpath = header.linkpath;
    if (header.type === 'link') {
      linkpath = cleanEntryPath(header.linkpath);
      const target = state.seen.get(linkpath);
      if (target === undefined || target === 'directory') {
        throw new LayerError(
          `hard link ${JSON.stringify(path)} points to ${JSON.stringify(header.linkpath)}, which is not a file of this layer`,
        );
      }
      checkParents(state, linkpath);
    }
    if (header.type === 'directory') {
      state.dirHeaders.set(path, header);
    }
    state.seen.set(path, header.type);
    const xattrs = Object.fromEntries(Object.entries(header.xattrs).filter(([k]) => XATTRS_KEPT(k)));
    const common = {
      path,
      type: header.type,
      mode: header.mode,
      uid: header.uid,
      gid: header.gid,
      mtime: header.mtime,
      linkpath,
      devmajor: header.devmajor,
      devminor: header.devminor,
      xattrs,
    };
    yield header.type === 'file' ? { ...common, size: header.size, body } : common;
  }
  // Whiteouts and opaque markers go last, so nothing later in the layer overrides them.
  for (const path of state.whiteouts) {
    if (state.seen.has(path)) {
      continue; // the layer deletes and re-adds: its own entry wins
    }
    checkParents(state, path);
    yield { path, type: 'chardev', mode: 0, devmajor: 0, devminor: 0 };
  }
  for (const dir of state.opaque) {
    checkParents(state, dir);
    const own = state.seen.get(dir);
    if (own !== undefined && own !== 'directory') {
      throw new LayerError(`opaque marker inside ${JSON.stringify(dir)}, which this layer makes a ${own}`);
    }
    const h = state.dirHeaders.get(dir);
    yield {
      path: dir,
      type: 'directory',
      mode: h?.mode ?? 0o755,
      uid: h?.uid ?? 0,
      gid: h?.gid ?? 0,
      mtime: h?.mtime ?? Math.floor(Date.now() / 1000),
      xattrs: { 'trusted.overlay.opaque': 'y' },
    };
  }
}

async function readHead(file: string): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Unpacks the layer blob at `blobPath` (gzip or plain tar) into the existing empty directory `dest`.
 * On a rejected layer it throws LayerError; the caller removes `dest`.
 */
export async function unpackLayer(
  blobPath: string,
  dest: string,
  signal?: AbortSignal,
): Promise<UnpackResult> {
  const compression = detectCompression(await readHead(blobPath));
  if (compression === 'zstd') {
    throw new LayerError(
      'zstd-compressed layers are not supported by this node (Node.js 20 has no zstd); use gzip',
    );
  }
  const hash = createHash('sha256');
  let uncompressedBytes = 0;
  const raw = createReadStream(blobPath);
  const plain = compression === 'gzip' ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (err) => plain.destroy(err));
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of plain as AsyncIterable<Buffer>) {
      hash.update(chunk);
      uncompressedBytes += chunk.length;
      yield chunk;
    }
  }
  const state: LayerState = {
    seen: new Map(),
    dirHeaders: new Map(),
    whiteouts: new Set(),
    opaque: new Set(),
    entries: 0,
  };
  const child = spawn(
    'tar',
    [
      '--extract',
      '--file=-',
      `--directory=${dest}`,
      '--numeric-owner',
      '--same-owner',
      '--same-permissions',
      '--delay-directory-restore',
      '--xattrs',
      '--xattrs-include=trusted.overlay.opaque',
      '--xattrs-include=user.*',
      '--xattrs-include=security.capability',
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  try {
    await pipeline(
      Readable.from(writeTar(translate(hashed(), state))),
      child.stdin,
      signal ? { signal } : {},
    );
  } catch (err) {
    child.kill('SIGKILL');
    await exited.catch(() => null);
    raw.destroy();
    if (err instanceof LayerError || (err as Error).name === 'TarFormatError') {
      throw new LayerError((err as Error).message, { cause: err });
    }
    if (
      (err as { code?: string }).code === 'Z_DATA_ERROR' ||
      (err as { code?: string }).code === 'Z_BUF_ERROR'
    ) {
      throw new LayerError(`layer is not valid gzip (${(err as Error).message})`, { cause: err });
    }
    throw err;
  }
  const code = await exited;
  if (code !== 0) {
    throw new LayerError(`tar failed to write the layer (exit ${code}): ${stderr.trim()}`);
  }
  return {
    diffId: `sha256:${hash.digest('hex')}`,
    uncompressedBytes,
    entries: state.entries,
    whiteouts: state.whiteouts.size,
    opaqueDirs: state.opaque.size,
  };
}
