// The image store's on-disk layout under `<data-dir>/images`:
//   blobs/sha256/<hex>   verified content (manifests, configs, compressed layers)
//   layers/<hex>/        one unpacked layer per diff id, in overlayfs format, shared by every image
//   images/<sha256(ref)>.json  one record per reference (what list() and IfNotPresent read)
//   tmp/                 downloads and unpacks in progress (renamed into place only when verified)
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ImageConfig } from '../types.js';
import { LayerError, type UnpackResult, unpackLayer } from './layer-unpack.js';
import type { Descriptor } from './manifest.js';

export class DigestMismatchError extends Error {
  override name = 'DigestMismatchError';
}

/** What the store remembers about one reference. */
export interface ImageRecord {
  readonly ref: string;
  /** Digest of the manifest that was selected (the platform's, for an index). */
  readonly digest: string;
  /** Digest the reference resolved to (the index when the reference named one). */
  readonly resolvedDigest: string;
  readonly configDigest: string;
  readonly config: ImageConfig;
  readonly diffIds: readonly string[];
  readonly layers: readonly Descriptor[];
  readonly sizeBytes: number;
  readonly createdAt: string;
}

function hexOf(digest: string): string {
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) {
    throw new Error(`not a sha256 digest: ${JSON.stringify(digest)}`);
  }
  return digest.slice('sha256:'.length);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export class ContentStore {
  readonly blobsDir: string;
  readonly layersDir: string;
  readonly imagesDir: string;
  readonly tmpDir: string;
  private readonly layerUnpacks = new Map<string, Promise<string>>();

  constructor(readonly root: string) {
    this.blobsDir = join(root, 'blobs', 'sha256');
    this.layersDir = join(root, 'layers');
    this.imagesDir = join(root, 'images');
    this.tmpDir = join(root, 'tmp');
  }

  async init(): Promise<void> {
    for (const d of [this.blobsDir, this.layersDir, this.imagesDir, this.tmpDir]) {
      await mkdir(d, { recursive: true });
    }
  }

  blobPath(digest: string): string {
    return join(this.blobsDir, hexOf(digest));
  }

  layerPath(diffId: string): string {
    return join(this.layersDir, hexOf(diffId));
  }

  hasBlob(digest: string): Promise<boolean> {
    return exists(this.blobPath(digest));
  }

  hasLayer(diffId: string): Promise<boolean> {
    return exists(this.layerPath(diffId));
  }

  readBlob(digest: string): Promise<Buffer> {
    return readFile(this.blobPath(digest));
  }

  private tmpName(tag: string): string {
    return join(this.tmpDir, `${tag}-${randomBytes(6).toString('hex')}`);
  }

  /**
   * Streams content into a temp file while hashing it; moves it to blobs/ only when digest and size
   * match the descriptor. Nothing is kept on a mismatch.
   */
  async putBlob(desc: Pick<Descriptor, 'digest' | 'size'>, body: AsyncIterable<Uint8Array>): Promise<string> {
    const final = this.blobPath(desc.digest);
    const tmp = this.tmpName(hexOf(desc.digest).slice(0, 12));
    const hash = createHash('sha256');
    let size = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of body) {
        size += chunk.byteLength;
        if (size > desc.size) {
          throw new DigestMismatchError(
            `blob ${desc.digest} is larger than the ${desc.size} bytes its descriptor says`,
          );
        }
        hash.update(chunk);
        yield chunk;
      }
    }
    try {
      await pipeline(Readable.from(counted()), createWriteStream(tmp, { mode: 0o644 }));
      if (size !== desc.size) {
        throw new DigestMismatchError(
          `blob ${desc.digest} has ${size} bytes, its descriptor says ${desc.size}`,
        );
      }
      const got = `sha256:${hash.digest('hex')}`;
      if (got !== desc.digest) {
        throw new DigestMismatchError(`digest mismatch: blob ${desc.digest} has content with digest ${got}`);
      }
      await rename(tmp, final);
      return final;
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async putBlobBytes(digest: string, data: Buffer): Promise<string> {
    return this.putBlob(
      { digest, size: data.length },
      (async function* () {
        yield data;
      })(),
    );
  }

  /**
   * Unpacks the layer blob `blobDigest` into layers/<diff id> once; concurrent callers share the work.
   * The unpacked stream's digest must equal `diffId` (from the image config) or nothing is kept.
   */
  ensureLayer(diffId: string, blobDigest: string, signal?: AbortSignal): Promise<string> {
    const existing = this.layerUnpacks.get(diffId);
    if (existing) {
      return existing;
    }
    const p = this.unpackOnce(diffId, blobDigest, signal).finally(() => this.layerUnpacks.delete(diffId));
    this.layerUnpacks.set(diffId, p);
    return p;
  }

  private async unpackOnce(diffId: string, blobDigest: string, signal?: AbortSignal): Promise<string> {
    const final = this.layerPath(diffId);
    if (await exists(final)) {
      return final;
    }
    const tmp = this.tmpName(`layer-${hexOf(diffId).slice(0, 12)}`);
    await mkdir(tmp, { mode: 0o755 });
    let result: UnpackResult;
    try {
      result = await unpackLayer(this.blobPath(blobDigest), tmp, signal);
      if (result.diffId !== diffId) {
        throw new DigestMismatchError(
          `digest mismatch: layer ${blobDigest} unpacks to ${result.diffId}, the image config says ${diffId}`,
        );
      }
      await rename(tmp, final);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      if (err instanceof LayerError) {
        throw new LayerError(`layer ${blobDigest}: ${err.message}`, { cause: err });
      }
      throw err;
    }
    return final;
  }

  // ------------------------------------------------------------------ records

  private recordPath(ref: string): string {
    return join(this.imagesDir, `${createHash('sha256').update(ref).digest('hex')}.json`);
  }

  async readRecord(ref: string): Promise<ImageRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.recordPath(ref), 'utf8')) as ImageRecord;
    } catch {
      return undefined;
    }
  }

  /** Writes a record atomically (temp file + rename). */
  async writeRecord(rec: ImageRecord): Promise<void> {
    const tmp = this.tmpName('record');
    await writeFile(tmp, `${JSON.stringify(rec, null, 2)}\n`);
    await rename(tmp, this.recordPath(rec.ref));
  }

  async listRecords(): Promise<ImageRecord[]> {
    const out: ImageRecord[] = [];
    let names: string[];
    try {
      names = await readdir(this.imagesDir);
    } catch {
      return out;
    }
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      try {
        out.push(JSON.parse(await readFile(join(this.imagesDir, name), 'utf8')) as ImageRecord);
      } catch {
        // a record being replaced right now, or a damaged one: skip it
      }
    }
    return out;
  }

  /** True when every layer of the record is unpacked (so the image can run without a pull). */
  async isComplete(rec: ImageRecord): Promise<boolean> {
    for (const d of rec.diffIds) {
      if (!(await this.hasLayer(d))) {
        return false;
      }
    }
    return true;
  }

  /** Removes leftovers of downloads and unpacks interrupted by a crash (older than `olderThanMs`). */
  async cleanTmp(olderThanMs: number): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.tmpDir);
    } catch {
      return;
    }
    const cutoff = Date.now() - olderThanMs;
    for (const name of names) {
      const p = join(this.tmpDir, name);
      try {
        if ((await stat(p)).mtimeMs < cutoff) {
          await rm(p, { recursive: true, force: true });
        }
      } catch {
        // already gone
      }
    }
  }
}
