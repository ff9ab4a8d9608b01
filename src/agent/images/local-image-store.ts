// The node's image store: pulls images from Distribution v2 registries (or imports OCI layouts) into a
// content store of verified blobs and unpacked layers, and mounts overlay root file systems from them.
import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { ImageStore, LocalImage, PullPolicy, RegistryCredentials } from '../types.js';
import { ImageError } from '../types.js';
import { ContentStore, DigestMismatchError, type ImageRecord } from './content-store.js';
import { LayerError } from './layer-unpack.js';
import { importOciLayout } from './layout-import.js';
import {
  type Descriptor,
  describePlatforms,
  hostPlatform,
  type ImageManifest,
  type ManifestDocument,
  type Platform,
  parseImageConfig,
  parseManifest,
  selectPlatform,
} from './manifest.js';
import { mountOverlay, unmountOverlay } from './overlay-mount.js';
import { formatReference, type ImageReference, manifestReference, parseReference } from './reference.js';
import { type FetchFn, RegistryClient } from './registry-client.js';

export interface LocalImageStoreOptions {
  /** `<data-dir>/images`. */
  readonly root: string;
  /** Registries (`host:port`) spoken to over plain HTTP. */
  readonly insecureRegistries?: readonly string[];
  readonly logger?: Logger;
  readonly fetch?: FetchFn;
  /** Platform to pick from image indexes; this machine's by default (linux/amd64 here). */
  readonly platform?: Platform;
  /** Registry response / stall timeout, 30 s by default. */
  readonly timeoutMs?: number;
}

/** Where the blobs of an image come from: a registry or an OCI layout on disk. */
export interface BlobSource {
  readonly describe: string;
  /** Fetches a manifest by digest (verified by the source). */
  manifest(digest: string): Promise<ManifestDocument>;
  /** The blob's bytes; the content store verifies digest and size. */
  blob(desc: Descriptor): Promise<AsyncIterable<Uint8Array>>;
}

interface SharedPull {
  readonly promise: Promise<LocalImage>;
  readonly controller: AbortController;
  waiters: number;
}

const LAYER_CONCURRENCY = 3;

export class LocalImageStore implements ImageStore {
  readonly content: ContentStore;
  private readonly registry: RegistryClient;
  private readonly platform: Platform;
  private readonly logger: Logger | undefined;
  private readonly pulls = new Map<string, SharedPull>();
  private initialized: Promise<void> | undefined;

  constructor(opts: LocalImageStoreOptions) {
    this.content = new ContentStore(opts.root);
    this.registry = new RegistryClient({
      ...(opts.insecureRegistries ? { insecureRegistries: opts.insecureRegistries } : {}),
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.logger ? { logger: opts.logger } : {}),
    });
    this.platform = opts.platform ?? hostPlatform();
    this.logger = opts.logger?.child({ component: 'images' });
  }

  private init(): Promise<void> {
    this.initialized ??= this.content.init().then(() => this.content.cleanTmp(60 * 60 * 1000));
    return this.initialized;
  }

  async ensure(
    ref: string,
    policy: PullPolicy,
    creds?: RegistryCredentials,
    signal?: AbortSignal,
  ): Promise<LocalImage> {
    const parsed = parseReference(ref);
    const key = formatReference(parsed);
    await this.init();
    if (policy !== 'Always') {
      const rec = await this.content.readRecord(key);
      if (rec && (await this.content.isComplete(rec))) {
        return this.toLocal(rec);
      }
      if (policy === 'Never') {
        throw new ImageError(
          'ErrImageNeverPull',
          `image ${key} is not present on this node and its pull policy is Never`,
        );
      }
    }
    return this.joinPull(parsed, key, creds, signal);
  }

  /** Concurrent ensure() calls for one reference share one pull; it is cancelled when every caller has gone. */
  private joinPull(
    parsed: ImageReference,
    key: string,
    creds: RegistryCredentials | undefined,
    signal: AbortSignal | undefined,
  ): Promise<LocalImage> {
    signal?.throwIfAborted();
    let shared = this.pulls.get(key);
    if (!shared) {
      const controller = new AbortController();
      const promise = this.pull(parsed, key, creds, controller.signal).finally(() => {
        if (this.pulls.get(key) === entry) {
          this.pulls.delete(key);
        }
      });
      const entry: SharedPull = { promise, controller, waiters: 0 };
      promise.catch(() => {}); // every waiter gets the rejection; none is unhandled
      this.pulls.set(key, entry);
      shared = entry;
    }
    const s = shared;
    s.waiters++;
    if (!signal) {
      return s.promise;
    }
    return new Promise<LocalImage>((resolve, reject) => {
      const onAbort = () => {
        s.waiters--;
        if (s.waiters === 0) {
          s.controller.abort(signal.reason);
        }
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      s.promise.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  private async pull(
    ref: ImageReference,
    key: string,
    creds: RegistryCredentials | undefined,
    signal: AbortSignal,
  ): Promise<LocalImage> {
    const started = Date.now();
    const top = await this.registry.getManifest(ref, manifestReference(ref), creds, signal);
    const doc = parseManifest(top.body, top.contentType, `pull ${key}: manifest`);
    const registry = this.registry;
    const content = this.content;
    const source: BlobSource = {
      describe: `registry ${ref.registry}`,
      async manifest(digest) {
        const m = await registry.getManifest(ref, digest, creds, signal);
        const parsed = parseManifest(m.body, m.contentType, `pull ${key}: manifest ${digest}`);
        if (!(await content.hasBlob(digest))) {
          await content.putBlobBytes(digest, m.body);
        }
        return parsed;
      },
      async blob(desc) {
        return (await registry.openBlob(ref, desc.digest, creds, signal)).body;
      },
    };
    const image = await this.install(key, top.digest, doc, source, signal, top.body);
    this.logger?.info({ ref: key, digest: image.digest, ms: Date.now() - started }, 'image pulled');
    return image;
  }

  /**
   * Stores an image whose top-level document (manifest or index) is `doc` with digest `topDigest`:
   * picks the platform, fetches and verifies config and layers, unpacks the layers, writes the record.
   * Every failure becomes an ImageError naming the reference.
   */
  async install(
    key: string,
    topDigest: string,
    doc: ManifestDocument,
    source: BlobSource,
    signal?: AbortSignal,
    topBody?: Buffer,
  ): Promise<LocalImage> {
    try {
      await this.init();
      if (topBody && !(await this.content.hasBlob(topDigest))) {
        await this.content.putBlobBytes(topDigest, topBody);
      }
      let manifest: ImageManifest;
      let digest = topDigest;
      if (doc.kind === 'index') {
        const chosen = selectPlatform(doc, this.platform);
        if (!chosen) {
          const want = `${this.platform.os}/${this.platform.architecture}`;
          throw new ImageError(
            'ErrImagePull',
            `pull ${key}: no image for ${want} in its index (it has ${describePlatforms(doc)})`,
          );
        }
        const m = await source.manifest(chosen.digest);
        if (m.kind !== 'manifest') {
          throw new ImageError(
            'ErrImagePull',
            `pull ${key}: index entry ${chosen.digest} is not an image manifest`,
          );
        }
        manifest = m;
        digest = chosen.digest;
      } else {
        manifest = doc;
      }
      signal?.throwIfAborted();
      const existing = await this.content.readRecord(key);
      if (existing && existing.digest === digest && (await this.content.isComplete(existing))) {
        return this.toLocal(existing);
      }
      if (!(await this.content.hasBlob(manifest.config.digest))) {
        await this.content.putBlob(manifest.config, await source.blob(manifest.config));
      }
      const parsed = parseImageConfig(
        await this.content.readBlob(manifest.config.digest),
        `pull ${key}: config`,
      );
      if (parsed.diffIds.length !== manifest.layers.length) {
        throw new ImageError(
          'ErrImagePull',
          `pull ${key}: manifest lists ${manifest.layers.length} layers but the config has ${parsed.diffIds.length} diff ids`,
        );
      }
      await this.fetchLayers(manifest.layers, parsed.diffIds, source, signal);
      const rec: ImageRecord = {
        ref: key,
        digest,
        resolvedDigest: topDigest,
        configDigest: manifest.config.digest,
        config: parsed.config,
        diffIds: parsed.diffIds,
        layers: manifest.layers,
        sizeBytes: manifest.config.size + manifest.layers.reduce((n, l) => n + l.size, 0),
        createdAt: new Date().toISOString(),
      };
      await this.content.writeRecord(rec);
      return this.toLocal(rec);
    } catch (err) {
      throw this.asImageError(key, source, err, signal);
    }
  }

  private async fetchLayers(
    layers: readonly Descriptor[],
    diffIds: readonly string[],
    source: BlobSource,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < layers.length) {
        const i = next++;
        const layer = layers[i]!;
        const diffId = diffIds[i]!;
        signal?.throwIfAborted();
        if (await this.content.hasLayer(diffId)) {
          continue;
        }
        if (!(await this.content.hasBlob(layer.digest))) {
          await this.content.putBlob(layer, await source.blob(layer));
        }
        // Not cancelled with this pull: another pull may be sharing the unpack, and it is local, bounded work.
        await this.content.ensureLayer(diffId, layer.digest);
      }
    };
    await Promise.all(Array.from({ length: Math.min(LAYER_CONCURRENCY, layers.length) }, worker));
  }

  private asImageError(key: string, source: BlobSource, err: unknown, signal?: AbortSignal): unknown {
    if (signal?.aborted) {
      return signal.reason ?? err;
    }
    if (err instanceof ImageError) {
      return err;
    }
    if (err instanceof DigestMismatchError || err instanceof LayerError) {
      return new ImageError('ErrImagePull', `pull ${key} from ${source.describe}: ${err.message}`, {
        cause: err,
      });
    }
    return new ImageError('ErrImagePull', `pull ${key} from ${source.describe}: ${(err as Error).message}`, {
      cause: err,
    });
  }

  importLayout(dir: string, refOverride?: string): Promise<LocalImage[]> {
    return importOciLayout(dir, refOverride, (key, digest, doc, source, body) =>
      this.install(key, digest, doc, source, undefined, body),
    );
  }

  async list(): Promise<LocalImage[]> {
    await this.init();
    const out: LocalImage[] = [];
    for (const rec of await this.content.listRecords()) {
      if (await this.content.isComplete(rec)) {
        out.push(this.toLocal(rec));
      }
    }
    return out;
  }

  async mountRootfs(image: LocalImage, dir: string): Promise<string> {
    for (const d of image.layerDirs) {
      try {
        await stat(d);
      } catch {
        throw new ImageError(
          'ImageInspectError',
          `image ${image.ref}: layer ${d} is missing from the node's store`,
        );
      }
    }
    return mountOverlay([...image.layerDirs].reverse(), dir);
  }

  unmountRootfs(dir: string): Promise<void> {
    return unmountOverlay(dir);
  }

  private toLocal(rec: ImageRecord): LocalImage {
    return {
      ref: rec.ref,
      digest: rec.digest,
      layerDirs: rec.diffIds.map((d) => this.content.layerPath(d)),
      config: rec.config,
      sizeBytes: rec.sizeBytes,
    };
  }
}
