// Writes OCI image layouts: layers (tar → gzip, hashed on the way), image configs, manifests, indexes and
// the layout's index.json. The project's own image builder; used by the demo and the tests.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { CONTAINERD_NAME_ANNOTATION, REF_NAME_ANNOTATION } from './layout-import.js';
import { type Descriptor, MediaType, type Platform } from './manifest.js';
import { type TarEntrySpec, writeTar } from './tar-writer.js';

export interface ImageConfigSpec {
  readonly Entrypoint?: readonly string[];
  readonly Cmd?: readonly string[];
  readonly Env?: readonly string[];
  readonly WorkingDir?: string;
  readonly User?: string;
  readonly ExposedPorts?: readonly string[];
}

export interface LayerSpec {
  readonly entries: Iterable<TarEntrySpec> | AsyncIterable<TarEntrySpec>;
  /** gzip (default) or an uncompressed tar. */
  readonly compression?: 'gzip' | 'none';
}

export interface ImageSpec {
  readonly layers: readonly LayerSpec[];
  readonly config: ImageConfigSpec;
  /** linux/amd64 by default. */
  readonly platform?: Platform;
}

export interface WrittenLayer {
  readonly descriptor: Descriptor;
  readonly diffId: string;
}

function hashStream(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
}

async function blobsDir(outDir: string): Promise<string> {
  const dir = join(outDir, 'blobs', 'sha256');
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Writes bytes as a blob and returns its descriptor. */
export async function writeBlob(outDir: string, data: Buffer, mediaType: string): Promise<Descriptor> {
  const hex = createHash('sha256').update(data).digest('hex');
  await writeFile(join(await blobsDir(outDir), hex), data);
  return { mediaType, digest: `sha256:${hex}`, size: data.length };
}

/** Streams the entries into a (gzip-compressed) tar blob, hashing both the tar (diff id) and the blob. */
export async function writeLayer(outDir: string, layer: LayerSpec): Promise<WrittenLayer> {
  const dir = await blobsDir(outDir);
  const tmp = join(dir, `.tmp-${randomBytes(6).toString('hex')}`);
  const diffHash = createHash('sha256');
  const blobHash = createHash('sha256');
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      blobHash.update(chunk);
      cb(null, chunk);
    },
  });
  const gzip = layer.compression !== 'none';
  try {
    const tar = Readable.from(writeTar(layer.entries));
    if (gzip) {
      await pipeline(tar, hashStream(diffHash), createGzip({ level: 6 }), counter, createWriteStream(tmp));
    } else {
      await pipeline(tar, hashStream(diffHash), counter, createWriteStream(tmp));
    }
    const hex = blobHash.digest('hex');
    await rename(tmp, join(dir, hex));
    return {
      descriptor: {
        mediaType: gzip ? MediaType.ociLayerGzip : MediaType.ociLayer,
        digest: `sha256:${hex}`,
        size,
      },
      diffId: `sha256:${diffHash.digest('hex')}`,
    };
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

/** Writes the layers, config and manifest of one image; returns the manifest descriptor (with platform). */
export async function writeImage(outDir: string, spec: ImageSpec): Promise<Descriptor> {
  const layers: WrittenLayer[] = [];
  for (const l of spec.layers) {
    layers.push(await writeLayer(outDir, l));
  }
  const platform = spec.platform ?? DEFAULT_PLATFORM;
  const c = spec.config;
  const config = {
    created: '1970-01-01T00:00:00Z',
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {
      ...(c.Entrypoint ? { Entrypoint: c.Entrypoint } : {}),
      ...(c.Cmd ? { Cmd: c.Cmd } : {}),
      Env: c.Env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      ...(c.WorkingDir ? { WorkingDir: c.WorkingDir } : {}),
      ...(c.User ? { User: c.User } : {}),
      ...(c.ExposedPorts ? { ExposedPorts: Object.fromEntries(c.ExposedPorts.map((p) => [p, {}])) } : {}),
    },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map(() => ({ created: '1970-01-01T00:00:00Z', created_by: 'gantry image builder' })),
  };
  const configDesc = await writeBlob(outDir, Buffer.from(JSON.stringify(config)), MediaType.ociConfig);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: configDesc,
    layers: layers.map((l) => l.descriptor),
  };
  const desc = await writeBlob(outDir, Buffer.from(JSON.stringify(manifest)), MediaType.ociManifest);
  return { ...desc, platform };
}

/** Writes an image index over several platform manifests; returns its descriptor. */
export async function writeIndex(outDir: string, manifests: readonly Descriptor[]): Promise<Descriptor> {
  const index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
  return writeBlob(outDir, Buffer.from(JSON.stringify(index)), MediaType.ociIndex);
}

/**
 * Writes `oci-layout` and `index.json`, naming each entry by its full reference
 * (`org.opencontainers.image.ref.name` and `io.containerd.image.name`). Replaces an existing index.json.
 */
export async function writeLayoutIndex(
  outDir: string,
  entries: readonly { readonly ref: string; readonly descriptor: Descriptor }[],
): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'oci-layout'), `${JSON.stringify({ imageLayoutVersion: '1.0.0' })}\n`);
  const manifests = entries.map(({ ref, descriptor }) => {
    const { platform: _platform, ...rest } = descriptor;
    return { ...rest, annotations: { [REF_NAME_ANNOTATION]: ref, [CONTAINERD_NAME_ANNOTATION]: ref } };
  });
  await writeFile(
    join(outDir, 'index.json'),
    `${JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }, null, 2)}\n`,
  );
}

/** Reads back the manifest digest recorded for `ref` in a layout's index.json. */
export async function layoutDigest(outDir: string, ref: string): Promise<string | undefined> {
  const index = JSON.parse(await readFile(join(outDir, 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  return index.manifests.find((m) => m.annotations?.[REF_NAME_ANNOTATION] === ref)?.digest;
}
