// OCI / Docker manifest documents: media types, validation of what a registry or a layout hands us,
// platform selection in image indexes, and the image config fields a container needs. Pure.
import type { ImageConfig } from '../types.js';
import { ImageError } from '../types.js';

export const MediaType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** The Accept header of a manifest request: every format we can read, indexes included. */
export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.ociManifest,
  MediaType.dockerManifestList,
  MediaType.dockerManifest,
].join(', ');

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: Platform;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ImageIndex {
  readonly kind: 'index';
  readonly mediaType: string;
  readonly manifests: readonly Descriptor[];
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ImageManifest {
  readonly kind: 'manifest';
  readonly mediaType: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
}

export type ManifestDocument = ImageIndex | ImageManifest;

const SHA256 = /^sha256:[a-f0-9]{64}$/;

function bad(what: string, why: string): ImageError {
  return new ImageError('ErrImagePull', `${what}: ${why}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringRecord(v: unknown): Record<string, string> | undefined {
  if (!isObject(v)) {
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === 'string') {
      out[k] = val;
    }
  }
  return out;
}

export function parseDescriptor(v: unknown, what: string): Descriptor {
  if (!isObject(v)) {
    throw bad(what, 'descriptor is not an object');
  }
  const { mediaType, digest, size, platform, annotations } = v;
  if (typeof digest !== 'string' || !SHA256.test(digest)) {
    throw bad(what, `descriptor digest ${JSON.stringify(digest)} is not a sha256 digest`);
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw bad(what, `descriptor ${digest} has an invalid size ${JSON.stringify(size)}`);
  }
  const out: {
    mediaType: string;
    digest: string;
    size: number;
    platform?: Platform;
    annotations?: Record<string, string>;
  } = { mediaType: typeof mediaType === 'string' ? mediaType : '', digest, size };
  if (isObject(platform) && typeof platform.os === 'string' && typeof platform.architecture === 'string') {
    out.platform = {
      os: platform.os,
      architecture: platform.architecture,
      ...(typeof platform.variant === 'string' ? { variant: platform.variant } : {}),
    };
  }
  const ann = stringRecord(annotations);
  if (ann) {
    out.annotations = ann;
  }
  return out;
}

/** Parses a manifest or index; the media type comes from the document, else from the HTTP Content-Type. */
export function parseManifest(
  body: Buffer | string,
  contentType: string | undefined,
  what: string,
): ManifestDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString());
  } catch (err) {
    throw bad(what, `manifest is not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(doc)) {
    throw bad(what, 'manifest is not a JSON object');
  }
  const mediaType =
    (typeof doc.mediaType === 'string' && doc.mediaType) || (contentType ?? '').split(';')[0]!.trim() || '';
  if (doc.schemaVersion === 1) {
    throw bad(
      what,
      'Docker schema 1 manifests are not supported; push the image again with a current client',
    );
  }
  const isIndex =
    mediaType === MediaType.ociIndex ||
    mediaType === MediaType.dockerManifestList ||
    (mediaType === '' && Array.isArray(doc.manifests));
  if (isIndex) {
    if (!Array.isArray(doc.manifests)) {
      throw bad(what, 'image index has no manifests list');
    }
    const ann = stringRecord(doc.annotations);
    return {
      kind: 'index',
      mediaType: mediaType || MediaType.ociIndex,
      manifests: doc.manifests.map((m, i) => parseDescriptor(m, `${what} manifests[${i}]`)),
      ...(ann ? { annotations: ann } : {}),
    };
  }
  const isManifest =
    mediaType === MediaType.ociManifest ||
    mediaType === MediaType.dockerManifest ||
    (mediaType === '' && isObject(doc.config));
  if (!isManifest) {
    throw bad(what, `unsupported manifest media type ${JSON.stringify(mediaType)}`);
  }
  if (!Array.isArray(doc.layers)) {
    throw bad(what, 'image manifest has no layers list');
  }
  return {
    kind: 'manifest',
    mediaType: mediaType || MediaType.ociManifest,
    config: parseDescriptor(doc.config, `${what} config`),
    layers: doc.layers.map((l, i) => parseDescriptor(l, `${what} layers[${i}]`)),
  };
}

/** The platform this node runs containers for, in OCI terms. */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ia32: '386',
    ppc64: 'ppc64le',
  };
  const architecture = arch[process.arch] ?? process.arch;
  return { os: 'linux', architecture, ...(architecture === 'arm64' ? { variant: 'v8' } : {}) };
}

/**
 * Picks the manifest for `want` from an index: same os and architecture; among those an exact variant
 * match first, then an entry without variant. Attestations (`unknown/unknown`) never match.
 */
export function selectPlatform(index: ImageIndex, want: Platform): Descriptor | undefined {
  const candidates = index.manifests.filter(
    (m) =>
      m.platform !== undefined &&
      m.platform.os === want.os &&
      m.platform.architecture === want.architecture &&
      m.mediaType !== MediaType.ociIndex &&
      m.mediaType !== MediaType.dockerManifestList,
  );
  const exact = candidates.find((m) => m.platform?.variant === want.variant);
  if (exact) {
    return exact;
  }
  const variantless = candidates.find((m) => m.platform?.variant === undefined);
  if (variantless) {
    return variantless;
  }
  // arm64 images are often published with variant v8 or none; any same-arch entry is better than nothing.
  return candidates[0];
}

export function describePlatforms(index: ImageIndex): string {
  const names = index.manifests.map((m) =>
    m.platform
      ? `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? `/${m.platform.variant}` : ''}`
      : '?',
  );
  return names.length > 0 ? names.join(', ') : 'none';
}

export interface ParsedImageConfig {
  readonly config: ImageConfig;
  readonly diffIds: readonly string[];
  readonly platform?: Platform;
}

function stringArray(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined;
}

/** Reads an OCI/Docker image config blob: runtime config and the rootfs diff ids. */
export function parseImageConfig(body: Buffer | string, what: string): ParsedImageConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString());
  } catch (err) {
    throw bad(what, `image config is not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(doc)) {
    throw bad(what, 'image config is not a JSON object');
  }
  const rootfs = doc.rootfs;
  const diffIds = isObject(rootfs) ? stringArray(rootfs.diff_ids) : undefined;
  if (!diffIds?.every((d) => SHA256.test(d))) {
    throw bad(what, 'image config has no valid rootfs.diff_ids');
  }
  const c = isObject(doc.config) ? doc.config : {};
  const entrypoint = stringArray(c.Entrypoint);
  const cmd = stringArray(c.Cmd);
  const env = stringArray(c.Env);
  const exposed = isObject(c.ExposedPorts) ? Object.keys(c.ExposedPorts) : undefined;
  const config: ImageConfig = {
    ...(entrypoint ? { entrypoint } : {}),
    ...(cmd ? { cmd } : {}),
    ...(env ? { env } : {}),
    ...(typeof c.WorkingDir === 'string' && c.WorkingDir !== '' ? { workingDir: c.WorkingDir } : {}),
    ...(typeof c.User === 'string' && c.User !== '' ? { user: c.User } : {}),
    ...(exposed && exposed.length > 0 ? { exposedPorts: exposed } : {}),
  };
  const platform =
    typeof doc.os === 'string' && typeof doc.architecture === 'string'
      ? {
          os: doc.os,
          architecture: doc.architecture,
          ...(typeof doc.variant === 'string' ? { variant: doc.variant } : {}),
        }
      : undefined;
  return { config, diffIds, ...(platform ? { platform } : {}) };
}
